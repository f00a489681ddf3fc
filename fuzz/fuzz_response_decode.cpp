// A response body unwrapped into Data: Content-Type detection (JSON, text,
// bytes), JSON parsing and validate_status, through the same function the
// client runs on every finished transfer. A hostile body ends as Data or an
// Error, never a crash or an escaped exception.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "client/decode.hpp"
#include "fuzz_input.hpp"

namespace {

using tether::fuzz::require;

tether::ResponseType response_type(const std::string& field) {
  switch (field.empty() ? 'a' : field[0]) {
    case 'j':
      return tether::ResponseType::Json;
    case 't':
      return tether::ResponseType::Text;
    case 'b':
      return tether::ResponseType::Bytes;
    default:
      return tether::ResponseType::Auto;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tether::fuzz::Fields fields(data, size);
  const std::string type_field = fields.next();
  const std::string content_type = fields.next();
  const std::string status = fields.next();
  const std::string body = fields.next();

  // Data::unwrap alone: a JSON type with a body that parses is JSON; one that
  // does not parse is its documented BadResponse.
  try {
    const auto unwrapped = tether::Data::unwrap(content_type, body);
    if (tether::Data::is_json_content_type(content_type) && !body.empty() &&
        nlohmann::json::accept(body)) {
      require(unwrapped.is_json(), "a JSON-typed JSON body unwraps as JSON");
    }
  } catch (const tether::Error& e) {
    require(e.code() == tether::ErrorCode::BadResponse, "unwrap fails as BadResponse");
    require(tether::Data::is_json_content_type(content_type), "only a JSON body fails");
  }

  tether::detail::TransferResult result;
  result.status = status.empty() ? 200 : 100 + static_cast<unsigned char>(status[0]) % 500;
  result.headers.set("Content-Type", content_type);
  result.body = body;
  result.url = "http://127.0.0.1/";
  auto config = std::make_shared<tether::RequestConfig>();
  config->response_type = response_type(type_field);
  auto outcome = tether::detail::decode_outcome(std::move(result), config, nullptr);
  if (outcome.has_value()) {
    require(outcome.value().status >= 200 && outcome.value().status < 300,
            "only a 2xx passes the default validate_status");
  } else {
    require(!std::string(outcome.error().what()).empty(), "an error says what is wrong");
  }
  return 0;
}
