#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <type_traits>

#include "tether/body.hpp"
#include "tether/data.hpp"
#include "tether/error.hpp"

using nlohmann::json;
using tether::Body;
using tether::Bytes;
using tether::Data;
using tether::ErrorCode;
using tether::Form;
using tether::UrlEncoded;

namespace {

Bytes to_bytes(std::string_view s) {
  Bytes b;
  for (char c : s) b.push_back(static_cast<std::byte>(c));
  return b;
}

// Runs `fn`, expecting a tether::Error with `code`; returns its message.
template <typename Fn>
std::string error_message(Fn&& fn, ErrorCode code) {
  try {
    fn();
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), code);
    return e.what();
  }
  ADD_FAILURE() << "no tether::Error thrown";
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------
// Form

TEST(Form, BraceListMakesTextFields) {
  Form f{{"name", "Ada"}, {"lang", "en"}};
  ASSERT_EQ(f.parts().size(), 2u);
  EXPECT_EQ(f.parts()[0], (Form::Part{"name", "Ada", "", ""}));
  EXPECT_EQ(f.parts()[1], (Form::Part{"lang", "en", "", ""}));
  EXPECT_FALSE(f.empty());
  EXPECT_TRUE(Form{}.empty());
}

TEST(Form, AppendAndAppendFileKeepOrder) {
  Form f;
  f.append("a", "1")
      .append_file("doc", "r.pdf", "%PDF", "application/pdf")
      .append_file("b", "b.bin", "x");
  ASSERT_EQ(f.parts().size(), 3u);
  EXPECT_EQ(f.parts()[0], (Form::Part{"a", "1", "", ""}));
  EXPECT_EQ(f.parts()[1], (Form::Part{"doc", "%PDF", "r.pdf", "application/pdf"}));
  EXPECT_EQ(f.parts()[2], (Form::Part{"b", "x", "b.bin", "application/octet-stream"}));
}

// ---------------------------------------------------------------------------
// UrlEncoded

TEST(UrlEncoded, EncodesAsUrlSearchParams) {
  EXPECT_EQ((UrlEncoded{{"a", "1"}, {"b", "x y"}}).encode(), "a=1&b=x+y");
  EXPECT_EQ(UrlEncoded{}.encode(), "");
  // URLSearchParams keeps only alphanumerics and *-._; '~' is escaped.
  EXPECT_EQ((UrlEncoded{{"k", "*-._~!'()"}}).encode(), "k=*-._%7E%21%27%28%29");
  EXPECT_EQ((UrlEncoded{{"k", "a+b&c=d/e?f#g%"}}).encode(), "k=a%2Bb%26c%3Dd%2Fe%3Ff%23g%25");
  EXPECT_EQ((UrlEncoded{{"k", ":$,[]@;"}}).encode(), "k=%3A%24%2C%5B%5D%40%3B");
  EXPECT_EQ((UrlEncoded{{"caf\xC3\xA9", "\xE6\x97\xA5"}}).encode(), "caf%C3%A9=%E6%97%A5");
  EXPECT_EQ((UrlEncoded{{"nl", "a\r\nb"}}).encode(), "nl=a%0D%0Ab");
}

TEST(UrlEncoded, KeepsRepeatedAndEmptyFields) {
  UrlEncoded u;
  u.append("a", "1").append("a", "2").append("", "").append("e", "");
  EXPECT_EQ(u.fields().size(), 4u);
  EXPECT_EQ(u.encode(), "a=1&a=2&=&e=");
}

// ---------------------------------------------------------------------------
// Body

TEST(Body, DefaultIsNone) {
  Body b;
  EXPECT_EQ(b.kind(), Body::Kind::None);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.default_content_type(), "");
  EXPECT_EQ(b.serialize(), "");
  EXPECT_EQ(b.json(), nullptr);
  EXPECT_EQ(b.text(), nullptr);
}

TEST(Body, ConvertsImplicitlyFromEachKind) {
  static_assert(std::is_convertible_v<json, Body>);
  static_assert(std::is_convertible_v<std::string, Body>);
  static_assert(std::is_convertible_v<const char*, Body>);
  static_assert(std::is_convertible_v<Bytes, Body>);
  static_assert(std::is_convertible_v<Form, Body>);
  static_assert(std::is_convertible_v<UrlEncoded, Body>);
  auto kind = [](Body b) { return b.kind(); };
  EXPECT_EQ(kind(json{{"a", 1}}), Body::Kind::Json);
  EXPECT_EQ(kind(std::string("t")), Body::Kind::Text);
  EXPECT_EQ(kind("t"), Body::Kind::Text);
  EXPECT_EQ(kind(to_bytes("b")), Body::Kind::Bytes);
  EXPECT_EQ(kind(Form{{"a", "1"}}), Body::Kind::Form);
  EXPECT_EQ(kind(UrlEncoded{{"a", "1"}}), Body::Kind::UrlEncoded);
}

TEST(Body, JsonSerializesCompactly) {
  Body b = json{{"a", 1}, {"b", {true, nullptr, "x y"}}};
  EXPECT_EQ(b.default_content_type(), "application/json");
  EXPECT_EQ(b.serialize(), R"({"a":1,"b":[true,null,"x y"]})");
  ASSERT_NE(b.json(), nullptr);
  EXPECT_EQ(b.text(), nullptr);
}

TEST(Body, JsonScalarsAndUnicode) {
  EXPECT_EQ(Body(json("caf\xC3\xA9")).serialize(), "\"caf\xC3\xA9\"");
  EXPECT_EQ(Body(json(nullptr)).serialize(), "null");
  EXPECT_EQ(Body(json(42)).serialize(), "42");
  EXPECT_EQ(Body(json("a\"b\n")).serialize(), R"("a\"b\n")");
}

TEST(Body, JsonWithInvalidUtf8DoesNotThrow) {
  Body b = json(std::string("bad\xFF"));
  EXPECT_EQ(b.serialize(), "\"bad\xEF\xBF\xBD\"");  // U+FFFD
}

TEST(Body, TextIsSentAsIs) {
  Body b = std::string("hello\0world", 11);
  EXPECT_EQ(b.default_content_type(), "text/plain;charset=UTF-8");
  EXPECT_EQ(b.serialize(), std::string("hello\0world", 11));
  ASSERT_NE(b.text(), nullptr);
  EXPECT_EQ(b.json(), nullptr);
}

TEST(Body, BytesAreSentRaw) {
  Bytes raw{std::byte{0x00}, std::byte{0xFF}, std::byte{0x7F}, std::byte{0x80}};
  Body b = raw;
  EXPECT_EQ(b.default_content_type(), "application/octet-stream");
  EXPECT_EQ(b.serialize(), std::string("\x00\xFF\x7F\x80", 4));
  ASSERT_NE(b.bytes(), nullptr);
  EXPECT_EQ(*b.bytes(), raw);
  EXPECT_EQ(Body(Bytes{}).serialize(), "");
}

TEST(Body, UrlEncodedSerializesItsFields) {
  Body b = UrlEncoded{{"a", "1"}, {"b", "x y"}};
  EXPECT_EQ(b.default_content_type(), "application/x-www-form-urlencoded;charset=UTF-8");
  EXPECT_EQ(b.serialize(), "a=1&b=x+y");
  ASSERT_NE(b.url_encoded(), nullptr);
}

TEST(Body, FormLeavesContentTypeAndBytesToTheTransport) {
  Body b = Form{{"a", "1"}};
  EXPECT_EQ(b.default_content_type(), "");
  EXPECT_EQ(b.serialize(), "");
  ASSERT_NE(b.form(), nullptr);
  EXPECT_EQ(b.form()->parts().size(), 1u);
  EXPECT_FALSE(b.empty());
}

// ---------------------------------------------------------------------------
// Data

TEST(Data, DefaultIsEmptyBytes) {
  Data d;
  EXPECT_TRUE(d.is_bytes());
  EXPECT_FALSE(d.is_json());
  EXPECT_FALSE(d.is_text());
  EXPECT_TRUE(d.bytes().empty());
  EXPECT_EQ(d.to_string(), "");
}

TEST(Data, Factories) {
  EXPECT_EQ(Data::from_json({{"a", 1}}).json(), (json{{"a", 1}}));
  EXPECT_EQ(Data::from_text("t").text(), "t");
  EXPECT_EQ(Data::from_bytes(to_bytes("b")).bytes(), to_bytes("b"));
  EXPECT_EQ(Data::from_text("x"), Data::from_text("x"));
  EXPECT_NE(Data::from_text("x"), Data::from_bytes(to_bytes("x")));
}

TEST(DataUnwrap, JsonContentTypes) {
  for (const char* type :
       {"application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
        "  application/json  ;charset=UTF-8", "application/x-json", "application/problem+json",
        "application/vnd.api+json", "application/ld+json; profile=x", "Application/Hal+JSON",
        "application/json-patch+json"}) {
    SCOPED_TRACE(type);
    Data d = Data::unwrap(type, R"({"ok":true})");
    ASSERT_TRUE(d.is_json());
    EXPECT_EQ(d.json(), (json{{"ok", true}}));
  }
}

TEST(DataUnwrap, JsonScalarsAndArrays) {
  EXPECT_EQ(Data::unwrap("application/json", "[1,2]").json(), json::array({1, 2}));
  EXPECT_EQ(Data::unwrap("application/json", "\"s\"").json(), "s");
  EXPECT_EQ(Data::unwrap("application/json", " 42 \n").json(), 42);
  EXPECT_TRUE(Data::unwrap("application/json", "null").json().is_null());
}

TEST(DataUnwrap, EmptyJsonBodyIsNull) {
  Data d = Data::unwrap("application/json", "");
  ASSERT_TRUE(d.is_json());
  EXPECT_TRUE(d.json().is_null());
}

TEST(DataUnwrap, InvalidJsonIsABadResponse) {
  for (const char* body : {"{", "not json", "{\"a\":}", "[1,2", " ", "{} trailing"}) {
    SCOPED_TRACE(body);
    auto message =
        error_message([&] { Data::unwrap("application/json", body); }, ErrorCode::BadResponse);
    EXPECT_NE(message.find("JSON"), std::string::npos) << message;
    EXPECT_NE(message.find("parse"), std::string::npos) << message;
  }
}

TEST(DataUnwrap, TextContentTypes) {
  for (const char* type : {"text/plain", "text/html; charset=utf-8", "TEXT/CSV", " text/xml"}) {
    SCOPED_TRACE(type);
    Data d = Data::unwrap(type, "<b>hi</b>");
    ASSERT_TRUE(d.is_text());
    EXPECT_EQ(d.text(), "<b>hi</b>");
  }
}

TEST(DataUnwrap, TextIsNotParsedEvenIfItLooksLikeJson) {
  Data d = Data::unwrap("text/plain", R"({"a":1})");
  ASSERT_TRUE(d.is_text());
  EXPECT_EQ(d.text(), R"({"a":1})");
}

TEST(DataUnwrap, AnythingElseIsBytes) {
  for (const char* type : {"", "application/octet-stream", "image/png", "application/xml",
                           "application/javascript", "multipart/form-data; boundary=x", "json",
                           "application/jso", "textual/plain", "application/xml+jsonx"}) {
    SCOPED_TRACE(type);
    Data d = Data::unwrap(type, std::string("\x00\xFF{", 3));
    ASSERT_TRUE(d.is_bytes());
    EXPECT_EQ(d.bytes(), (Bytes{std::byte{0x00}, std::byte{0xFF}, std::byte{'{'}}));
  }
}

TEST(DataUnwrap, ParametersDoNotDecide) {
  // Only the media type counts, not what a parameter mentions.
  EXPECT_TRUE(Data::unwrap("application/octet-stream; x=application/json", "{}").is_bytes());
  EXPECT_TRUE(Data::unwrap("text/plain; format=+json", "{}").is_text());
}

TEST(Data, WrongAccessorThrowsBadOptionValue) {
  EXPECT_EQ(error_message([] { Data::from_text("t").json(); }, ErrorCode::BadOptionValue),
            "tether::Data holds text, not json");
  EXPECT_EQ(error_message([] { Data::from_json(1).bytes(); }, ErrorCode::BadOptionValue),
            "tether::Data holds json, not bytes");
  EXPECT_EQ(error_message([] { Data().text(); }, ErrorCode::BadOptionValue),
            "tether::Data holds bytes, not text");
  EXPECT_EQ(error_message([] { Data::from_bytes({}).json(); }, ErrorCode::BadOptionValue),
            "tether::Data holds bytes, not json");
}

TEST(Data, ToStringOfEachKind) {
  EXPECT_EQ(Data::from_text("hi").to_string(), "hi");
  EXPECT_EQ(Data::from_json({{"a", {1, 2}}}).to_string(), R"({"a":[1,2]})");
  EXPECT_EQ(Data::from_json(nullptr).to_string(), "null");
  EXPECT_EQ(Data::from_bytes(to_bytes(std::string("a\0b", 3))).to_string(), std::string("a\0b", 3));
}

TEST(Data, UnwrapRoundTripsBodySerialize) {
  Body sent = json{{"name", "caf\xC3\xA9"}, {"ids", {1, 2}}};
  Data received = Data::unwrap(sent.default_content_type(), sent.serialize());
  EXPECT_EQ(received.json(), *sent.json());

  Body text = std::string("plain");
  EXPECT_EQ(Data::unwrap(text.default_content_type(), text.serialize()).text(), "plain");

  Body bytes = to_bytes("raw");
  EXPECT_EQ(Data::unwrap(bytes.default_content_type(), bytes.serialize()).bytes(), to_bytes("raw"));
}

TEST(Body, CopiesShareOnePayload) {
  // A config, and the Response and Error that carry one, copy in O(1).
  tether::Body original(std::string(1 << 20, 'x'));
  tether::Body copy = original;
  ASSERT_TRUE(copy.text());
  EXPECT_EQ(copy.text(), original.text());
  tether::Body json(nlohmann::json{{"a", 1}});
  tether::Body json_copy = json;
  EXPECT_EQ(json_copy.json(), json.json());
  EXPECT_EQ(tether::Body().kind(), tether::Body::Kind::None);
  EXPECT_EQ(tether::Body().text(), nullptr);
}

// axios' own example, client.post(url, {name: "new name"}): a brace list of
// string pairs is JSON, one pair or many; forms are asked for by name.
TEST(Body, ABraceListOfStringPairsIsJson) {
  auto body = [](Body b) { return b; };
  Body one = body({{"name", "new name"}});
  ASSERT_EQ(one.kind(), Body::Kind::Json);
  EXPECT_EQ(one.serialize(), R"({"name":"new name"})");
  Body strings = body({{"a", "b"}, {"c", "d"}});
  ASSERT_EQ(strings.kind(), Body::Kind::Json);
  EXPECT_EQ(strings.serialize(), R"({"a":"b","c":"d"})");
  Body copy_init = {{"name", "new name"}};
  EXPECT_EQ(copy_init.kind(), Body::Kind::Json);
  EXPECT_EQ(Body(Form{{"name", "new name"}}).kind(), Body::Kind::Form);
  EXPECT_EQ(Body(UrlEncoded{{"name", "new name"}}).kind(), Body::Kind::UrlEncoded);
  EXPECT_EQ(Body(UrlEncoded{{"name", "new name"}}).serialize(), "name=new+name");
}
