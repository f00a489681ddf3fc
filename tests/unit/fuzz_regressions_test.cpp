// What the fuzz targets (fuzz/) found, kept as plain regression tests. The
// inputs themselves stay in fuzz/corpus/<target>/ and are replayed by the
// fuzz label.
#include <gtest/gtest.h>

#include <string>

#include "tether/api_client.hpp"
#include "tether/error.hpp"

namespace {

// "\xc3\x28" is not UTF-8: a server may send such a reason phrase or body.
const std::string kInvalidUtf8 = "bad \xc3\x28 bytes";
const std::string kReplacement = "\xef\xbf\xbd";  // U+FFFD

TEST(FuzzRegressions, ApiErrorToJsonDumpsWhateverTheServerSent) {
  tether::Response response;
  response.status = 502;
  response.status_text = kInvalidUtf8;
  response.headers.set("Content-Type", "text/plain");
  response.data = tether::Data::unwrap("text/plain", kInvalidUtf8);
  const auto error = tether::ApiError::server_error(response);

  std::string line;
  ASSERT_NO_THROW(line = error.to_json().dump());
  EXPECT_NE(line.find(kReplacement), std::string::npos) << line;
  EXPECT_EQ(error.to_json()["status"]["code"], 502);
}

TEST(FuzzRegressions, ErrorToJsonDumpsAnAbortReasonOfRawBytes) {
  const auto error = tether::Error(tether::ErrorCode::Canceled, kInvalidUtf8);
  std::string line;
  ASSERT_NO_THROW(line = error.to_json().dump());
  EXPECT_NE(line.find(kReplacement), std::string::npos) << line;
  EXPECT_EQ(error.to_json()["code"], "ERR_CANCELED");
}

}  // namespace
