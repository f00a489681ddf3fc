#include "tether/params.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using nlohmann::json;
using tether::ArrayFormat;
using tether::Params;

// ---------------------------------------------------------------------------
// Params

TEST(Params, BraceListKeepsInsertionOrderAndJsonKinds) {
  Params p{{"q", "x"}, {"page", 2}, {"flag", true}, {"ids", {1, 2}}, {"o", {{"a", 1}}}};
  std::vector<std::string> names;
  for (const auto& [name, value] : p) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"q", "page", "flag", "ids", "o"}));
  EXPECT_EQ(*p.find("q"), "x");
  EXPECT_EQ(*p.find("page"), 2);
  EXPECT_EQ(*p.find("flag"), true);
  EXPECT_TRUE(p.find("ids")->is_array());
  EXPECT_TRUE(p.find("o")->is_object());
}

TEST(Params, RepeatedNameInBraceListKeepsFirstPlaceLastValue) {
  Params p{{"a", 1}, {"b", 2}, {"a", 3}};
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.begin()->first, "a");
  EXPECT_EQ(p.begin()->second, 3);
}

TEST(Params, SetReplacesInPlaceOrAppends) {
  Params p{{"a", 1}, {"b", 2}};
  p.set("a", "one").set("c", nullptr);
  ASSERT_EQ(p.size(), 3u);
  auto it = p.begin();
  EXPECT_EQ(it->first, "a");
  EXPECT_EQ(it->second, "one");
  EXPECT_EQ((++it)->first, "b");
  EXPECT_EQ((++it)->first, "c");
  EXPECT_TRUE(it->second.is_null());
}

TEST(Params, NamesAreCaseSensitive) {
  Params p{{"a", 1}};
  p.set("A", 2);
  EXPECT_EQ(p.size(), 2u);
  EXPECT_FALSE((Params{{"a", 1}}.has("A")));
}

TEST(Params, RemoveHasFind) {
  Params p{{"a", 1}, {"b", 2}};
  EXPECT_TRUE(p.has("a"));
  EXPECT_EQ(p.find("missing"), nullptr);
  EXPECT_TRUE(p.remove("a"));
  EXPECT_FALSE(p.remove("a"));
  EXPECT_FALSE(p.has("a"));
  EXPECT_EQ(p.size(), 1u);
  EXPECT_TRUE(p.remove("b"));
  EXPECT_TRUE(p.empty());
}

TEST(Params, EqualityIsOrderSensitive) {
  EXPECT_EQ((Params{{"a", 1}, {"b", 2}}), (Params{{"a", 1}, {"b", 2}}));
  EXPECT_NE((Params{{"a", 1}, {"b", 2}}), (Params{{"b", 2}, {"a", 1}}));
}

// ---------------------------------------------------------------------------
// build_query: golden table, axios' buildURL + AxiosURLSearchParams + toFormData

namespace {

struct QueryCase {
  const char* name;
  Params params;
  ArrayFormat arrays;
  std::string expected;
};

void PrintTo(const QueryCase& c, std::ostream* os) {
  *os << c.name;
}

class BuildQueryGolden : public ::testing::TestWithParam<QueryCase> {};

constexpr auto Brackets = ArrayFormat::Brackets;
constexpr auto Indices = ArrayFormat::Indices;
constexpr auto Repeat = ArrayFormat::Repeat;
constexpr auto Comma = ArrayFormat::Comma;

const QueryCase kQueryCases[] = {
    {"PlainString", {{"q", "x"}}, Brackets, "q=x"},
    {"EmptyParams", {}, Brackets, ""},
    {"SpaceIsPlus", {{"q", "hello world"}}, Brackets, "q=hello+world"},
    {"ColonDollarCommaBracketsStayLiteral", {{"q", ":$,[]"}}, Brackets, "q=:$,[]"},
    {"AmpersandAndEqualsEncoded", {{"q", "a&b=c"}}, Brackets, "q=a%26b%3Dc"},
    {"PlusEncoded", {{"q", "1+1"}}, Brackets, "q=1%2B1"},
    {"SlashQuestionHashEncoded", {{"q", "a/b?c#d"}}, Brackets, "q=a%2Fb%3Fc%23d"},
    {"UnreservedKept", {{"q", "-_.!~*'()"}}, Brackets, "q=-_.!~*'()"},
    {"AtSignEncoded", {{"q", "a@b"}}, Brackets, "q=a%40b"},
    {"PercentEncoded", {{"q", "100%"}}, Brackets, "q=100%25"},
    {"SemicolonEncoded", {{"q", "a;b"}}, Brackets, "q=a%3Bb"},
    {"ControlCharacters", {{"s", "line\nbreak\t"}}, Brackets, "s=line%0Abreak%09"},
    {"NulByte", {{"s", std::string("a\0b", 3)}}, Brackets, "s=a%00b"},
    {"Latin1AsUtf8", {{"q", "caf\xC3\xA9"}}, Brackets, "q=caf%C3%A9"},
    {"CjkAsUtf8", {{"q", "\xE6\x97\xA5\xE6\x9C\xAC"}}, Brackets, "q=%E6%97%A5%E6%9C%AC"},
    {"EmojiAsUtf8", {{"q", "\xF0\x9F\x98\x80"}}, Brackets, "q=%F0%9F%98%80"},
    {"KeyEncodedToo", {{"a key", "v"}, {"k=1&x", "w"}}, Brackets, "a+key=v&k%3D1%26x=w"},
    {"KeyTrimmed", {{" padded\t", "v"}}, Brackets, "padded=v"},
    {"EmptyString", {{"q", ""}}, Brackets, "q="},
    {"EmptyKey", {{"", "v"}}, Brackets, "=v"},
    {"Numbers",
     {{"n", 0}, {"f", 1.5}, {"neg", -3}, {"big", 12345678901234}},
     Brackets,
     "n=0&f=1.5&neg=-3&big=12345678901234"},
    {"UnsignedNumber", {{"u", 7u}}, Brackets, "u=7"},
    // Doubles are written as JavaScript's String(number) writes them.
    {"IntegralDouble", {{"page", 2.0}, {"neg0", -0.0}}, Brackets, "page=2&neg0=0"},
    {"DoubleFormats",
     {{"a", 0.1 + 0.2}, {"b", 0.00001}, {"c", 1e-7}, {"d", 1e21}, {"e", 1e20}, {"f", -1.5e-300}},
     Brackets,
     "a=0.30000000000000004&b=0.00001&c=1e-7&d=1e%2B21&e=100000000000000000000&f=-1.5e-300"},
    {"Booleans", {{"t", true}, {"f", false}}, Brackets, "t=true&f=false"},
    {"NullSkipped", {{"a", nullptr}, {"b", "x"}, {"c", nullptr}}, Brackets, "b=x"},
    {"OnlyNull", {{"a", nullptr}}, Brackets, ""},
    {"InsertionOrderKept", {{"z", 1}, {"a", 2}, {"m", 3}}, Brackets, "z=1&a=2&m=3"},
    {"ArrayBrackets", {{"ids", {1, 2}}}, Brackets, "ids[]=1&ids[]=2"},
    {"ArrayIndices", {{"ids", {1, 2}}}, Indices, "ids[0]=1&ids[1]=2"},
    {"ArrayRepeat", {{"ids", {1, 2}}}, Repeat, "ids=1&ids=2"},
    {"ArrayComma", {{"ids", {1, 2}}}, Comma, "ids=1,2"},
    {"ArrayNullElementsSkippedBrackets", {{"ids", {1, nullptr, 3}}}, Brackets, "ids[]=1&ids[]=3"},
    {"ArrayNullElementsKeepIndices", {{"ids", {1, nullptr, 3}}}, Indices, "ids[0]=1&ids[2]=3"},
    {"ArrayNullElementsSkippedComma", {{"ids", {1, nullptr, 3}}}, Comma, "ids=1,3"},
    {"EmptyArrayWritesNothing", {{"ids", json::array()}, {"x", 1}}, Brackets, "x=1"},
    {"EmptyArrayComma", {{"ids", json::array()}}, Comma, ""},
    {"ArrayOfStringsEncoded", {{"tags", {"a b", "c&d"}}}, Brackets, "tags[]=a+b&tags[]=c%26d"},
    {"ArrayOfStringsComma", {{"tags", {"a b", "c,d"}}}, Comma, "tags=a+b,c,d"},
    {"ArrayOfBooleans", {{"b", {true, false}}}, Repeat, "b=true&b=false"},
    {"KeyWithBracketsNotDoubled", {{"ids[]", {1, 2}}}, Brackets, "ids[]=1&ids[]=2"},
    {"KeyWithBracketsRepeat", {{"ids[]", {1, 2}}}, Repeat, "ids=1&ids=2"},
    {"ScalarUnderBracketKey", {{"a[]", 1}}, Brackets, "a[]=1"},
    // A '[]' key writes each element flat, objects as String({}) does.
    {"BracketKeyWithObjects",
     {{"a[]", json::array({{{"x", 1}}, 2})}},
     Brackets,
     "a[]=[object+Object]&a[]=2"},
    {"NestedObject", {{"a", {{"b", 1}}}}, Brackets, "a[b]=1"},
    {"DeeplyNestedObject", {{"a", {{"b", {{"c", "x y"}}}}}}, Brackets, "a[b][c]=x+y"},
    {"NestedObjectNullSkipped", {{"a", {{"b", nullptr}, {"c", 2}}}}, Brackets, "a[c]=2"},
    {"EmptyObjectWritesNothing", {{"a", json::object()}, {"x", 1}}, Brackets, "x=1"},
    {"ArrayInsideObjectAlwaysIndexed", {{"a", {{"b", {1, 2}}}}}, Repeat, "a[b][0]=1&a[b][1]=2"},
    {"ArrayOfObjectsIndexed",
     {{"a", json::array({{{"x", 1}}, {{"y", 2}}})}},
     Brackets,
     "a[0][x]=1&a[1][y]=2"},
    {"NestedArrays",
     {{"m", json::array({json::array({1, 2}), json::array({3})})}},
     Brackets,
     "m[0][0]=1&m[0][1]=2&m[1][0]=3"},
    {"NestedKeyEncoded", {{"a", {{"b c", "&"}}}}, Brackets, "a[b+c]=%26"},
    {"JsonMetaTokenKey", {{"obj{}", {{"a", 1}}}}, Brackets, "obj%7B%7D=%7B%22a%22:1%7D"},
    {"Mixed",
     {{"q", "x"}, {"page", 2}, {"flag", true}, {"ids", {1, 2}}},
     Brackets,
     "q=x&page=2&flag=true&ids[]=1&ids[]=2"},
};

}  // namespace

TEST_P(BuildQueryGolden, MatchesAxios) {
  const auto& c = GetParam();
  EXPECT_EQ(tether::build_query(c.params, c.arrays), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Table, BuildQueryGolden, ::testing::ValuesIn(kQueryCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(BuildQuery, DefaultArrayFormatIsBrackets) {
  EXPECT_EQ(tether::build_query(Params{{"ids", {1, 2}}}), "ids[]=1&ids[]=2");
}

// ---------------------------------------------------------------------------
// build_url

TEST(BuildUrl, EmptyParamsLeaveUrl) {
  EXPECT_EQ(tether::build_url("/foo", {}), "/foo");
  EXPECT_EQ(tether::build_url("https://x.test/a?b=1", {}), "https://x.test/a?b=1");
}

TEST(BuildUrl, FragmentIsDropped) {
  EXPECT_EQ(tether::build_url("/foo#hash", {}), "/foo");
  EXPECT_EQ(tether::build_url("/foo?foo=bar#hash", {{"query", "baz"}}), "/foo?foo=bar&query=baz");
}

TEST(BuildUrl, AppendsWithQuestionMarkOrAmpersand) {
  EXPECT_EQ(tether::build_url("/foo", {{"foo", "bar"}}), "/foo?foo=bar");
  EXPECT_EQ(tether::build_url("/foo?foo=bar", {{"bar", "baz"}}), "/foo?foo=bar&bar=baz");
  // As axios: a trailing '?' still gets an '&'.
  EXPECT_EQ(tether::build_url("/foo?", {{"a", 1}}), "/foo?&a=1");
}

TEST(BuildUrl, AllNullParamsAppendNothing) {
  EXPECT_EQ(tether::build_url("/foo", {{"a", nullptr}}), "/foo");
}

TEST(BuildUrl, AxiosLengthParameter) {
  EXPECT_EQ(tether::build_url("/foo", {{"query", "bar"}, {"start", 0}, {"length", 5}}),
            "/foo?query=bar&start=0&length=5");
}

TEST(BuildUrl, PassesArrayFormatThrough) {
  EXPECT_EQ(tether::build_url("https://x.test/s", {{"ids", {1, 2}}}, ArrayFormat::Repeat),
            "https://x.test/s?ids=1&ids=2");
  EXPECT_EQ(tether::build_url("https://x.test/s", {{"ids", {1, 2}}}),
            "https://x.test/s?ids[]=1&ids[]=2");
}

// ---------------------------------------------------------------------------
// encode_uri_component / decode_uri_component

TEST(EncodeUriComponent, KeepsOnlyTheUnreservedSet) {
  EXPECT_EQ(tether::encode_uri_component("AZaz09-_.!~*'()"), "AZaz09-_.!~*'()");
  EXPECT_EQ(tether::encode_uri_component(" "), "%20");
  EXPECT_EQ(tether::encode_uri_component(":/?#[]@!$&'()*+,;="),
            "%3A%2F%3F%23%5B%5D%40!%24%26'()*%2B%2C%3B%3D");
  EXPECT_EQ(tether::encode_uri_component("%"), "%25");
  EXPECT_EQ(tether::encode_uri_component("\x7F"), "%7F");
  EXPECT_EQ(tether::encode_uri_component("caf\xC3\xA9"), "caf%C3%A9");
  EXPECT_EQ(tether::encode_uri_component(""), "");
}

TEST(EncodeUriComponent, EscapesEveryOtherByteWithUppercaseHex) {
  for (int c = 0; c < 256; ++c) {
    const std::string in(1, static_cast<char>(c));
    const std::string out = tether::encode_uri_component(in);
    if (out.size() == 1) {
      EXPECT_EQ(out, in);
      continue;
    }
    ASSERT_EQ(out.size(), 3u) << c;
    EXPECT_EQ(out[0], '%');
    static constexpr char hex[] = "0123456789ABCDEF";
    EXPECT_EQ(out[1], hex[c >> 4]);
    EXPECT_EQ(out[2], hex[c & 15]);
  }
}

TEST(DecodeUriComponent, DecodesEscapes) {
  EXPECT_EQ(tether::decode_uri_component("x%20y"), "x y");
  EXPECT_EQ(tether::decode_uri_component("%41%62c"), "Abc");
  EXPECT_EQ(tether::decode_uri_component("%e2%82%ac"), "\xE2\x82\xAC");  // lower-case hex
  EXPECT_EQ(tether::decode_uri_component("%F0%9F%98%80"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(tether::decode_uri_component("%25"), "%");
  EXPECT_EQ(tether::decode_uri_component("%2B"), "+");
}

TEST(DecodeUriComponent, LeavesPlusAlone) {
  EXPECT_EQ(tether::decode_uri_component("a+b"), "a+b");
}

TEST(DecodeUriComponent, KeepsMalformedEscapesLiterally) {
  EXPECT_EQ(tether::decode_uri_component("%"), "%");
  EXPECT_EQ(tether::decode_uri_component("%4"), "%4");
  EXPECT_EQ(tether::decode_uri_component("100%"), "100%");
  EXPECT_EQ(tether::decode_uri_component("%G1"), "%G1");
  EXPECT_EQ(tether::decode_uri_component("%zz%"), "%zz%");
  EXPECT_EQ(tether::decode_uri_component("%%41"), "%A");
  EXPECT_EQ(tether::decode_uri_component("%4%41"), "%4A");
}

TEST(DecodeUriComponent, KeepsEscapesThatAreNotUtf8Literally) {
  // Where decodeURIComponent throws URIError, the escapes stay as written.
  EXPECT_EQ(tether::decode_uri_component("%FF"), "%FF");
  EXPECT_EQ(tether::decode_uri_component("%80"), "%80");                    // lone continuation
  EXPECT_EQ(tether::decode_uri_component("%C3"), "%C3");                    // truncated
  EXPECT_EQ(tether::decode_uri_component("%E2%82"), "%E2%82");              // truncated
  EXPECT_EQ(tether::decode_uri_component("%C3%28"), "%C3(");                // bad continuation
  EXPECT_EQ(tether::decode_uri_component("%C0%AF"), "%C0%AF");              // overlong
  EXPECT_EQ(tether::decode_uri_component("%ED%A0%80"), "%ED%A0%80");        // surrogate
  EXPECT_EQ(tether::decode_uri_component("%F4%90%80%80"), "%F4%90%80%80");  // > U+10FFFF
  EXPECT_EQ(tether::decode_uri_component("%C3%A9%FF%41"), "\xC3\xA9%FFA");
}

TEST(DecodeUriComponent, PassesRawBytesThrough) {
  EXPECT_EQ(tether::decode_uri_component("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(tether::decode_uri_component("\xFF"), "\xFF");
}

TEST(DecodeUriComponent, InvertsEncodeForUtf8Text) {
  const std::vector<std::string> samples = {"",
                                            "plain",
                                            "a b+c&d=e/f?g#h",
                                            "100% sure",
                                            ":/?#[]@!$&'()*+,;=",
                                            "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80",
                                            std::string("nul\0byte", 8)};
  for (const auto& s : samples) {
    EXPECT_EQ(tether::decode_uri_component(tether::encode_uri_component(s)), s);
  }
}

// ---------------------------------------------------------------------------
// parse_query

namespace {

std::vector<std::pair<std::string, json>> entries(const Params& p) {
  return {p.begin(), p.end()};
}

using Entries = std::vector<std::pair<std::string, json>>;

}  // namespace

TEST(ParseQuery, TheHeadersExample) {
  EXPECT_EQ(entries(tether::parse_query("a=1&b&c=x%20y")),
            (Entries{{"a", "1"}, {"b", true}, {"c", "x y"}}));
}

TEST(ParseQuery, PlusIsASpaceButEncodedPlusIsAPlus) {
  EXPECT_EQ(*tether::parse_query("q=a+b%2Bc").find("q"), "a b+c");
  EXPECT_TRUE(tether::parse_query("a+b=1").has("a b"));
}

TEST(ParseQuery, RepeatedKeyKeepsLastValueAtFirstPlace) {
  EXPECT_EQ(entries(tether::parse_query("a=1&b=2&a=3")), (Entries{{"a", "3"}, {"b", "2"}}));
  EXPECT_EQ(entries(tether::parse_query("a=1&a")), (Entries{{"a", true}}));
}

TEST(ParseQuery, EmptySegmentsIgnored) {
  EXPECT_TRUE(tether::parse_query("").empty());
  EXPECT_TRUE(tether::parse_query("&&&").empty());
  EXPECT_EQ(entries(tether::parse_query("&&a=1&&b=2&")), (Entries{{"a", "1"}, {"b", "2"}}));
}

TEST(ParseQuery, ValuesAreStringsEvenWhenNumeric) {
  EXPECT_EQ(*tether::parse_query("n=42").find("n"), "42");
  EXPECT_EQ(*tether::parse_query("t=true").find("t"), "true");
}

TEST(ParseQuery, EmptyValueIsAnEmptyString) {
  EXPECT_EQ(*tether::parse_query("a=").find("a"), "");
  EXPECT_EQ(*tether::parse_query("=x").find(""), "x");
}

TEST(ParseQuery, ValueKeepsEverythingAfterTheFirstEquals) {
  EXPECT_EQ(*tether::parse_query("a=b=c").find("a"), "b=c");
}

TEST(ParseQuery, KeysAreDecoded) {
  EXPECT_EQ(entries(tether::parse_query("k%5B%5D=v&%41=%62")), (Entries{{"k[]", "v"}, {"A", "b"}}));
}

TEST(ParseQuery, MalformedEscapesKeptAndNeverThrow) {
  EXPECT_EQ(entries(tether::parse_query("bad=%zz%&x=%E2%82&%=%")),
            (Entries{{"bad", "%zz%"}, {"x", "%E2%82"}, {"%", "%"}}));
}

// ---------------------------------------------------------------------------
// merge_params_into_url

TEST(MergeParamsIntoUrl, GivenParamsWin) {
  EXPECT_EQ(tether::merge_params_into_url("/api/users?page=1&sort=name", {{"page", 2}}),
            "/api/users?page=2&sort=name");
}

TEST(MergeParamsIntoUrl, NewNamesAreAppended) {
  EXPECT_EQ(tether::merge_params_into_url("/a?x=1", {{"y", "2"}, {"z", 3}}), "/a?x=1&y=2&z=3");
}

TEST(MergeParamsIntoUrl, FragmentIsKept) {
  EXPECT_EQ(tether::merge_params_into_url("/a?x=1#top", {{"y", 2}}), "/a?x=1&y=2#top");
  EXPECT_EQ(tether::merge_params_into_url("https://h.test:8080/p?x=1#/route?y=2", {{"z", 3}}),
            "https://h.test:8080/p?x=1&z=3#/route?y=2");
  EXPECT_EQ(tether::merge_params_into_url("/a#b#c", {}), "/a#b#c");
}

TEST(MergeParamsIntoUrl, UrlWithNoQuery) {
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"q", "hello world"}}), "/a?q=hello%20world");
  EXPECT_EQ(tether::merge_params_into_url("https://h.test/a", {}), "https://h.test/a");
}

TEST(MergeParamsIntoUrl, UrlWithOnlyAFragment) {
  EXPECT_EQ(tether::merge_params_into_url("/a#frag", {{"q", 1}}), "/a?q=1#frag");
  EXPECT_EQ(tether::merge_params_into_url("/a#frag", {}), "/a#frag");
}

TEST(MergeParamsIntoUrl, EmptyParamsKeepTheUrl) {
  EXPECT_EQ(tether::merge_params_into_url("/a?x=1&y=two#f", {}), "/a?x=1&y=two#f");
  EXPECT_EQ(tether::merge_params_into_url("", {}), "");
}

TEST(MergeParamsIntoUrl, EmptyParamsStillNormalise) {
  EXPECT_EQ(tether::merge_params_into_url("/a?", {}), "/a");
  EXPECT_EQ(tether::merge_params_into_url("/a#", {}), "/a#");  // an empty fragment is kept
  EXPECT_EQ(tether::merge_params_into_url("/a?&x=1&&", {}), "/a?x=1");
  EXPECT_EQ(tether::merge_params_into_url("/a?q=a+b", {}), "/a?q=a%20b");
  EXPECT_EQ(tether::merge_params_into_url("/a?x=%7e", {}), "/a?x=~");
  EXPECT_EQ(tether::merge_params_into_url("/a?x=1?2", {}), "/a?x=1%3F2");
  EXPECT_EQ(tether::merge_params_into_url("/a?x=1&x=2", {}), "/a?x=1&x=2");
  EXPECT_EQ(tether::merge_params_into_url("/a?x=", {}), "/a?x=");
}

TEST(MergeParamsIntoUrl, BareKeysFromTheUrlStayBare) {
  EXPECT_EQ(tether::merge_params_into_url("/a?debug&x=1", {{"y", 2}}), "/a?debug&x=1&y=2");
}

TEST(MergeParamsIntoUrl, TrueIsABareKeyFalseIsWrittenOut) {
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"on", true}, {"off", false}}), "/a?on&off=false");
  EXPECT_EQ(tether::merge_params_into_url("/a?debug", {{"debug", false}}), "/a?debug=false");
}

TEST(MergeParamsIntoUrl, NullIsLeftOutEvenOverAUrlValue) {
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"x", nullptr}, {"y", 1}}), "/a?y=1");
  EXPECT_EQ(tether::merge_params_into_url("/a?x=1#f", {{"x", nullptr}}), "/a#f");
}

TEST(MergeParamsIntoUrl, ArraysAreRepeatedKeys) {
  EXPECT_EQ(tether::merge_params_into_url("/a?ids=9", {{"ids", {1, 2}}}), "/a?ids=1&ids=2");
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"ids", {1, nullptr, "x y"}}}),
            "/a?ids=1&ids=x%20y");
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"ids", json::array()}}), "/a");
}

TEST(MergeParamsIntoUrl, EncodesAsEncodeUriComponent) {
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"q", "a&b=c/d?e#f:g$h,i[j]@k+l"}}),
            "/a?q=a%26b%3Dc%2Fd%3Fe%23f%3Ag%24h%2Ci%5Bj%5D%40k%2Bl");
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"k y", "-_.!~*'()"}}), "/a?k%20y=-_.!~*'()");
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"q", "caf\xC3\xA9"}}), "/a?q=caf%C3%A9");
  EXPECT_EQ(tether::merge_params_into_url("/a?a%20b=1", {}), "/a?a%20b=1");
}

TEST(MergeParamsIntoUrl, NumbersAndObjects) {
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"n", 2.5}, {"i", -1}, {"d", 3.0}}),
            "/a?n=2.5&i=-1&d=3");
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"o", {{"a", 1}}}}), "/a?o=%7B%22a%22%3A1%7D");
}

TEST(MergeParamsIntoUrl, EmptyStringValueKeepsTheEquals) {
  EXPECT_EQ(tether::merge_params_into_url("/a", {{"q", ""}}), "/a?q=");
}
