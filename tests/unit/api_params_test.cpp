// merge_params_into_url, rule by rule as issue 10 states them, and the
// reference article's JavaScript bugs that are deliberately not copied.
#include <gtest/gtest.h>

#include <string>

#include "tether/params.hpp"

using nlohmann::json;
using tether::merge_params_into_url;

TEST(ApiParams, UrlParamsComeFirstInTheirOrder) {
  EXPECT_EQ(merge_params_into_url("/p?b=2&a=1", {{"c", 3}}), "/p?b=2&a=1&c=3");
}

TEST(ApiParams, GivenParamOverridesAndKeepsTheUrlParamsPosition) {
  EXPECT_EQ(merge_params_into_url("/p?a=1&b=2&c=3", {{"b", "two"}}), "/p?a=1&b=two&c=3");
  EXPECT_EQ(merge_params_into_url("/p?a=1&b=2", {{"z", 0}, {"a", 9}}), "/p?a=9&b=2&z=0");
}

TEST(ApiParams, NewParamsAreAppendedInGivenOrder) {
  EXPECT_EQ(merge_params_into_url("/p?a=1", {{"y", 1}, {"x", 2}}), "/p?a=1&y=1&x=2");
}

TEST(ApiParams, FragmentIsKeptAfterTheQuery) {
  EXPECT_EQ(merge_params_into_url("/p?a=1#sec?x=1&y", {{"b", 2}}), "/p?a=1&b=2#sec?x=1&y");
  EXPECT_EQ(merge_params_into_url("http://h.test/p#f", {{"b", 2}}), "http://h.test/p?b=2#f");
}

TEST(ApiParams, TrueIsWrittenAsABareKey) {
  EXPECT_EQ(merge_params_into_url("/p", {{"preview", true}}), "/p?preview");
  EXPECT_EQ(merge_params_into_url("/p?preview", {}), "/p?preview");
}

TEST(ApiParams, ArraysBecomeRepeatedKeys) {
  EXPECT_EQ(merge_params_into_url("/p", {{"id", {1, 2, 3}}}), "/p?id=1&id=2&id=3");
  // An array given for a URL name replaces all of the URL's values, in place.
  EXPECT_EQ(merge_params_into_url("/p?id=7&x=1&id=8", {{"id", {1, 2}}}), "/p?id=1&id=2&x=1");
}

// The article's parseQueryString kept the last of repeated URL keys only:
// "id=1&id=2" lost id=1.
TEST(ApiParams, RepeatedUrlKeysKeepEveryValue) {
  EXPECT_EQ(merge_params_into_url("/p?id=1&x=0&id=2", {}), "/p?id=1&id=2&x=0");
  EXPECT_EQ(merge_params_into_url("/p?id=1&id=2", {{"y", 1}}), "/p?id=1&id=2&y=1");
}

// The article split "" on "&" into one empty pair and wrote back a bare
// empty key ("/p?" + params gave "/p?&q=1" style output).
TEST(ApiParams, AnEmptyQueryCreatesNoEmptyKey) {
  EXPECT_EQ(merge_params_into_url("/p?", {{"q", 1}}), "/p?q=1");
  EXPECT_EQ(merge_params_into_url("/p?#f", {{"q", 1}}), "/p?q=1#f");
  EXPECT_EQ(merge_params_into_url("/p?&&", {{"q", 1}}), "/p?q=1");
  EXPECT_EQ(merge_params_into_url("/p?", {}), "/p");
}

// The article's pair.split("=", 2) dropped everything after a second '='.
TEST(ApiParams, AValueContainingEqualsSurvives) {
  EXPECT_EQ(merge_params_into_url("/p?token=abc==&x=a=b=c", {}), "/p?token=abc%3D%3D&x=a%3Db%3Dc");
  EXPECT_EQ(merge_params_into_url("/p", {{"eq", "1+1=2"}}), "/p?eq=1%2B1%3D2");
}

// The article's decodeURIComponent left '+' as a '+', so a form-encoded space
// came back as a plus sign.
TEST(ApiParams, PlusDecodesToASpaceAndAnEncodedPlusStaysAPlus) {
  EXPECT_EQ(merge_params_into_url("/p?q=hello+world", {}), "/p?q=hello%20world");
  EXPECT_EQ(merge_params_into_url("/p?q=1%2B1", {}), "/p?q=1%2B1");
}

TEST(ApiParams, PercentEscapesDecodeAndReEncodeOnce) {
  EXPECT_EQ(merge_params_into_url("/p?name=J%C3%BCrgen&path=%2Fa%2Fb", {}),
            "/p?name=J%C3%BCrgen&path=%2Fa%2Fb");
  EXPECT_EQ(merge_params_into_url("/p?k%26y=v%26w", {{"k&y", "new"}}), "/p?k%26y=new");
}

// The article turned "a=" into a bare "a" (an empty value is falsy in JS).
TEST(ApiParams, AnEmptyValueIsNotABareKey) {
  EXPECT_EQ(merge_params_into_url("/p?a=&b", {}), "/p?a=&b");
}

// A malformed escape (which made the article's decodeURIComponent throw) is
// kept as it was written and loses nothing.
TEST(ApiParams, AMalformedEscapeIsKeptNotThrown) {
  EXPECT_EQ(merge_params_into_url("/p?q=100%", {}), "/p?q=100%");
  EXPECT_EQ(merge_params_into_url("/p?q=%zz", {{"x", 1}}), "/p?q=%zz&x=1");
  EXPECT_EQ(merge_params_into_url("/p?q=50%&r=%4", {{"x", 1}}), "/p?q=50%&r=%4&x=1");
}

// Escapes of bytes that are not UTF-8 (a BitTorrent info_hash, Latin-1) are
// kept, not re-escaped as %25.
TEST(ApiParams, EscapesThatAreNotUtf8SurviveTheMerge) {
  EXPECT_EQ(merge_params_into_url("/announce?info_hash=%AB%CD%EF", {{"port", 6881}}),
            "/announce?info_hash=%AB%CD%EF&port=6881");
  EXPECT_EQ(merge_params_into_url("/p?name=%E9t%E9&x=1", {{"x", 2}}), "/p?name=%E9t%E9&x=2");
  EXPECT_EQ(merge_params_into_url("/p?%FF=%FE", {}), "/p?%FF=%FE");
}

TEST(ApiParams, AnEmptyFragmentKeepsItsHash) {
  EXPECT_EQ(merge_params_into_url("/p?a=1#", {}), "/p?a=1#");
  EXPECT_EQ(merge_params_into_url("/p#", {{"b", 2}}), "/p?b=2#");
}

TEST(ApiParams, NullRemovesAUrlParam) {
  EXPECT_EQ(merge_params_into_url("/p?a=1&b=2", {{"a", nullptr}}), "/p?b=2");
}

TEST(ApiParams, AbsoluteUrlKeepsSchemeHostAndPath) {
  EXPECT_EQ(merge_params_into_url("https://api.test:8443/v1/items?sort=asc", {{"page", 2}}),
            "https://api.test:8443/v1/items?sort=asc&page=2");
}
