#include "tether/headers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

using tether::Headers;

namespace {

std::vector<std::pair<std::string, std::string>> entries(const Headers& h) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : h) out.emplace_back(e.name, e.value);
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST(Iequals, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(tether::iequals("Content-Type", "content-type"));
  EXPECT_TRUE(tether::iequals("X-ID", "x-id"));
  EXPECT_TRUE(tether::iequals("", ""));
  EXPECT_FALSE(tether::iequals("Accept", "Accept-Encoding"));
  EXPECT_FALSE(tether::iequals("a", "b"));
  // Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by the case bit.
  EXPECT_FALSE(tether::iequals("@", "`"));
  EXPECT_FALSE(tether::iequals("[", "{"));
  // Bytes above 0x7F compare exactly.
  EXPECT_TRUE(tether::iequals("\xC3\xA9", "\xC3\xA9"));
  EXPECT_FALSE(tether::iequals("\xC3\xA9", "\xC3\x89"));
}

TEST(Headers, BraceListAppendsInOrder) {
  Headers h{{"Accept", "application/json"}, {"X-Id", "7"}, {"accept", "text/plain"}};
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(entries(h),
            (Pairs{{"Accept", "application/json"}, {"X-Id", "7"}, {"accept", "text/plain"}}));
}

TEST(Headers, DefaultIsEmpty) {
  Headers h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.size(), 0u);
  EXPECT_EQ(h.begin(), h.end());
  EXPECT_FALSE(h.has("Accept"));
  EXPECT_EQ(h.get("Accept"), std::nullopt);
  EXPECT_TRUE(h.get_all("Accept").empty());
}

TEST(Headers, LookupIgnoresCase) {
  Headers h{{"Content-Type", "application/json"}};
  EXPECT_TRUE(h.has("content-type"));
  EXPECT_TRUE(h.has("CONTENT-TYPE"));
  EXPECT_EQ(h.get("cOnTeNt-TyPe"), "application/json");
  EXPECT_FALSE(h.has("Content"));
}

TEST(Headers, NameSpellingIsKeptForTheWire) {
  Headers h;
  h.append("x-CUSTOM-thing", "1");
  EXPECT_EQ(h.begin()->name, "x-CUSTOM-thing");
}

TEST(Headers, GetJoinsRepeatedValuesWithCommaSpace) {
  Headers h;
  h.append("Accept", "text/html").append("X-Other", "x").append("accept", "application/json");
  EXPECT_EQ(h.get("Accept"), "text/html, application/json");
  EXPECT_EQ(h.get_all("ACCEPT"), (std::vector<std::string>{"text/html", "application/json"}));
}

TEST(Headers, GetOfAnEmptyValueIsAnEmptyStringNotNullopt) {
  Headers h{{"X-Empty", ""}};
  ASSERT_TRUE(h.get("x-empty").has_value());
  EXPECT_EQ(*h.get("x-empty"), "");
}

TEST(Headers, SetCookieValuesStaySeparate) {
  Headers h;
  h.append("Set-Cookie", "a=1; Path=/").append("Set-Cookie", "b=2, c=3");
  EXPECT_EQ(h.get_all("set-cookie"), (std::vector<std::string>{"a=1; Path=/", "b=2, c=3"}));
}

TEST(Headers, SetAppendsANewName) {
  Headers h{{"A", "1"}};
  h.set("B", "2");
  EXPECT_EQ(entries(h), (Pairs{{"A", "1"}, {"B", "2"}}));
}

TEST(Headers, SetReplacesEveryValueKeepingTheFirstPosition) {
  Headers h{{"Accept", "a"}, {"X", "x"}, {"accept", "b"}, {"Y", "y"}, {"ACCEPT", "c"}};
  h.set("Accept", "json");
  EXPECT_EQ(entries(h), (Pairs{{"Accept", "json"}, {"X", "x"}, {"Y", "y"}}));
  EXPECT_EQ(h.get_all("accept"), std::vector<std::string>{"json"});
}

TEST(Headers, SetTakesTheNewSpellingOfTheName) {
  Headers h{{"Content-Type", "text/plain"}, {"X", "x"}};
  h.set("content-type", "application/json");
  EXPECT_EQ(entries(h), (Pairs{{"content-type", "application/json"}, {"X", "x"}}));
}

TEST(Headers, SetAndAppendChain) {
  Headers h;
  h.set("A", "1").append("A", "2").set("B", "3");
  EXPECT_EQ(entries(h), (Pairs{{"A", "1"}, {"A", "2"}, {"B", "3"}}));
}

TEST(Headers, RemoveDropsEveryValueAndCountsThem) {
  Headers h{{"A", "1"}, {"B", "2"}, {"a", "3"}};
  EXPECT_EQ(h.remove("A"), 2u);
  EXPECT_EQ(entries(h), (Pairs{{"B", "2"}}));
  EXPECT_EQ(h.remove("A"), 0u);
  EXPECT_EQ(h.remove("b"), 1u);
  EXPECT_TRUE(h.empty());
}

TEST(Headers, MergeReplacesNamesOfOtherAndKeepsTheRest) {
  Headers defaults{{"Accept", "application/json"}, {"X-Client", "tether"}, {"Cache-Control", "no"}};
  Headers request{{"accept", "text/html"}, {"X-Trace", "t1"}};
  defaults.merge(request);
  EXPECT_EQ(entries(defaults), (Pairs{{"accept", "text/html"},
                                      {"X-Client", "tether"},
                                      {"Cache-Control", "no"},
                                      {"X-Trace", "t1"}}));
}

TEST(Headers, MergeReplacesAllValuesOfANameWithAllOfOthers) {
  Headers a{{"Set-Cookie", "a=1"}, {"X", "x"}, {"set-cookie", "b=2"}};
  Headers b{{"SET-COOKIE", "c=3"}, {"Y", "y"}, {"Set-Cookie", "d=4"}};
  a.merge(b);
  EXPECT_EQ(entries(a),
            (Pairs{{"SET-COOKIE", "c=3"}, {"Set-Cookie", "d=4"}, {"X", "x"}, {"Y", "y"}}));
}

TEST(Headers, MergeWithEmptyIsANoOp) {
  Headers a{{"A", "1"}, {"a", "2"}};
  const Headers before = a;
  a.merge(Headers{});
  EXPECT_EQ(a, before);
}

TEST(Headers, MergeIntoEmptyCopiesOther) {
  Headers a;
  Headers b{{"A", "1"}, {"B", "2"}, {"a", "3"}};
  a.merge(b);
  EXPECT_EQ(entries(a), (Pairs{{"A", "1"}, {"a", "3"}, {"B", "2"}}));
}

TEST(Headers, MergeWithItselfActsAsWithACopy) {
  Headers a{{"A", "1"}, {"B", "2"}, {"a", "3"}};
  Headers b = a;
  a.merge(a);
  b.merge(Headers(b));
  EXPECT_EQ(a, b);
  EXPECT_EQ(entries(a), (Pairs{{"A", "1"}, {"a", "3"}, {"B", "2"}}));
}

TEST(Headers, MergeReturnsItselfForChaining) {
  Headers a;
  Headers& result = a.merge(Headers{{"A", "1"}}).merge(Headers{{"B", "2"}});
  EXPECT_EQ(&result, &a);
  EXPECT_EQ(entries(a), (Pairs{{"A", "1"}, {"B", "2"}}));
}

TEST(Headers, EqualityIsOrderAndSpellingSensitive) {
  EXPECT_EQ((Headers{{"A", "1"}, {"B", "2"}}), (Headers{{"A", "1"}, {"B", "2"}}));
  EXPECT_NE((Headers{{"A", "1"}, {"B", "2"}}), (Headers{{"B", "2"}, {"A", "1"}}));
  EXPECT_NE((Headers{{"A", "1"}}), (Headers{{"a", "1"}}));
}

// --- unset: removing a default header (issue 8, defect 7) ---

TEST(HeadersUnset, RemovesTheNameAndIsNoEntry) {
  Headers h{{"Accept", "a"}, {"X-Key", "k"}};
  h.unset("x-key");
  EXPECT_EQ(entries(h), (Pairs{{"Accept", "a"}}));
  EXPECT_EQ(h.size(), 1u);
  EXPECT_FALSE(h.has("X-Key"));
  EXPECT_FALSE(h.get("X-Key"));
  EXPECT_TRUE(h.is_unset("X-KEY"));
  EXPECT_EQ(h.unset_names(), (std::vector<std::string>{"x-key"}));
}

TEST(HeadersUnset, OfAnEmptyHeadersIsStillEmptyButRemembered) {
  Headers h;
  h.unset("X-Key").unset("X-KEY");  // once per name
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.begin(), h.end());
  EXPECT_EQ(h.unset_names().size(), 1u);
}

TEST(HeadersUnset, MergedOverDefaultsRemovesTheirValue) {
  Headers defaults{{"Authorization", "Bearer secret"}, {"Accept", "a"}};
  Headers request;
  request.unset("authorization");
  defaults.merge(request);
  EXPECT_EQ(entries(defaults), (Pairs{{"Accept", "a"}}));
  EXPECT_TRUE(defaults.is_unset("Authorization"));
}

TEST(HeadersUnset, SurvivesAChainOfMerges) {
  // defaults ← method defaults ← request: an unset in the middle still wins over
  // the first, and a later set wins over the unset.
  Headers common{{"X-A", "1"}, {"X-B", "1"}};
  Headers by_method;
  by_method.unset("X-A").unset("X-B");
  Headers own{{"X-B", "2"}};
  Headers middle = by_method;
  middle.merge(own);
  common.merge(middle);
  EXPECT_EQ(entries(common), (Pairs{{"X-B", "2"}}));
  EXPECT_TRUE(common.is_unset("X-A"));
  EXPECT_FALSE(common.is_unset("X-B"));
}

TEST(HeadersUnset, SetOrAppendClearsTheMark) {
  Headers h;
  h.unset("X-A").unset("X-B");
  h.set("x-a", "1").append("X-b", "2");
  EXPECT_EQ(entries(h), (Pairs{{"x-a", "1"}, {"X-b", "2"}}));
  EXPECT_TRUE(h.unset_names().empty());
}

TEST(HeadersUnset, MergingAValueOverAnUnsetClearsTheMark) {
  Headers h;
  h.unset("X-A");
  h.merge(Headers{{"X-A", "back"}});
  EXPECT_EQ(entries(h), (Pairs{{"X-A", "back"}}));
  EXPECT_FALSE(h.is_unset("X-A"));
}

TEST(HeadersUnset, RemoveLeavesNoMark) {
  Headers h{{"X-A", "1"}};
  h.remove("X-A");
  EXPECT_FALSE(h.is_unset("X-A"));
  Headers defaults{{"X-A", "d"}};
  defaults.merge(h);
  EXPECT_EQ(entries(defaults), (Pairs{{"X-A", "d"}}));  // remove() does not reach defaults
}
