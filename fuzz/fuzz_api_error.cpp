// The ApiClient's error normalisation over a hostile response: whatever the
// status, Content-Type and body, an ApiError of the fixed shape, whose what()
// and to_json() (dumped as a log line would be) never throw and show no
// secrets.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "tether/api_client.hpp"

namespace {

using tether::fuzz::require;

constexpr const char* kSecret = "s3cret-pass";

void check_shape(const tether::ApiError& error) {
  require(error.data.is_object(), "data is an object");
  require(error.data.contains("type") && error.data["type"].is_string(), "data.type is a string");
  require(error.data.contains("message") && error.data["message"].is_string(),
          "data.message is a string");
  const std::string what = error.what();
  require(!what.empty(), "what() says something");
  require(what.find(kSecret) == std::string::npos, "no password in what()");
  // Dumped as a user would, strictly: to_json() must hold valid UTF-8 only.
  const std::string line = error.to_json().dump();
  require(line.find(kSecret) == std::string::npos, "no password in to_json()");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The secret is the URL's; an input that carries it itself proves nothing.
  if (std::string_view(reinterpret_cast<const char*>(data), size).find(kSecret) !=
      std::string_view::npos) {
    return 0;
  }
  tether::fuzz::Fields fields(data, size);
  const std::string status = fields.next();
  const std::string status_text = fields.next();
  const std::string content_type = fields.next();
  const std::string body = fields.next();
  const std::string message = fields.next();

  tether::Response response;
  response.status = status.empty() ? 500 : static_cast<unsigned char>(status[0]) * 3;
  response.status_text = status_text;
  response.headers.set("Content-Type", content_type);
  try {
    response.data = tether::Data::unwrap(content_type, body);
  } catch (const tether::Error&) {
    response.data = tether::Data::from_text(body);  // what the Client keeps then
  }
  response.config.url = std::string("http://user:") + kSecret + "@127.0.0.1/x";
  response.url = response.config.url;
  const auto server = tether::ApiError::server_error(response);
  check_shape(server);
  require(server.status.code == response.status, "the status code is the response's");
  require(!server.status.is_abort, "a response is no abort");

  const auto code = static_cast<tether::ErrorCode>(
      message.empty() ? 0 : static_cast<unsigned char>(message[0]) % 10);
  tether::Error error(code, message);
  check_shape(tether::ApiError::from(error));
  check_shape(tether::ApiError::from(error.with_response(response)));
  return 0;
}
