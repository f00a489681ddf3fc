// The ApiClient's response unwrapping by Content-Type (the article's
// unwrapResponseData): JSON, text, or bytes.
#include <gtest/gtest.h>

#include <string>

#include "tether/data.hpp"

using tether::Data;

TEST(ApiUnwrap, ApplicationJsonAndXJsonAreJson) {
  EXPECT_EQ(Data::unwrap("application/json", R"({"a":1})").json()["a"], 1);
  EXPECT_EQ(Data::unwrap("application/x-json", "[1]").json()[0], 1);
}

TEST(ApiUnwrap, CaseInsensitiveAndParametersIgnored) {
  EXPECT_TRUE(Data::unwrap("Application/JSON; charset=utf-8", "1").is_json());
  EXPECT_TRUE(Data::unwrap("APPLICATION/X-JSON;charset=UTF-8", "2").is_json());
  EXPECT_TRUE(Data::unwrap("TEXT/HTML; charset=iso-8859-1", "<p>").is_text());
}

TEST(ApiUnwrap, TextTypesAreText) {
  for (const char* type : {"text/plain", "text/html", "text/csv", "text/markdown"}) {
    auto data = Data::unwrap(type, "body");
    ASSERT_TRUE(data.is_text()) << type;
    EXPECT_EQ(data.text(), "body");
  }
}

TEST(ApiUnwrap, AnythingElseIsBytes) {
  for (const char* type :
       {"", "application/octet-stream", "image/png", "application/xml", "textual/plain"}) {
    auto data = Data::unwrap(type, "raw");
    ASSERT_TRUE(data.is_bytes()) << type;
    EXPECT_EQ(data.bytes().size(), 3u) << type;
  }
}

TEST(ApiUnwrap, JsonTypeIsTheExactMediaTypeNotAPrefix) {
  for (const char* type : {"application/jsonp", "application/json-seq", "application/jsonl",
                           "application/x-jsonlines", "application/jsonx; charset=utf-8"}) {
    SCOPED_TRACE(type);
    EXPECT_FALSE(Data::is_json_content_type(type));
    EXPECT_FALSE(Data::unwrap(type, "{\"a\":1}").is_json());
  }
  EXPECT_TRUE(Data::is_json_content_type(" application/json ; charset=utf-8"));
  EXPECT_TRUE(Data::is_json_content_type("application/problem+json"));
  EXPECT_FALSE(Data::is_json_content_type("+json"));
}
