#include "client/decode.hpp"

#include "core/thread_pool.hpp"

#include <algorithm>

namespace tether::detail {

namespace {

Data unwrap(const RequestConfig& config, std::string_view content_type, std::string body) {
  switch (config.response_type.value_or(ResponseType::Auto)) {
    case ResponseType::Auto:
      if (body.empty()) return Data::from_text({});  // HEAD, 204, 304: axios' data is ""
      if (Data::is_json_content_type(content_type)) {
        // As axios' silentJSONParsing: a body that claims JSON but does not
        // parse stays text.
        auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
        return json.is_discarded() ? Data::from_text(std::move(body))
                                   : Data::from_json(std::move(json));
      }
      return Data::unwrap(content_type, std::move(body));
    case ResponseType::Json:
      return Data::unwrap("application/json", std::move(body));
    case ResponseType::Text:
      return Data::from_text(std::move(body));
    case ResponseType::Bytes:
    case ResponseType::Stream: {
      Bytes bytes(body.size());
      std::transform(body.begin(), body.end(), bytes.begin(),
                     [](char c) { return static_cast<std::byte>(c); });
      return Data::from_bytes(std::move(bytes));
    }
  }
  return Data::from_text(std::move(body));
}

// The Content-Type as Headers::get gives it (joined when repeated), without
// a copy in the usual case of one field.
std::string_view content_type_of(const Headers& headers, std::string& joined) {
  const std::string* one = nullptr;
  for (const auto& h : headers) {
    if (!iequals(h.name, "Content-Type")) continue;
    if (one) {
      joined = headers.get("Content-Type").value_or("");
      return joined;
    }
    one = &h.value;
  }
  return one ? std::string_view(*one) : std::string_view();
}

// The response without its config. Throws what decoding or a transform throws.
Response make_response(TransferResult&& r, const RequestConfig& config) {
  Response response;
  response.status = r.status;
  response.status_text = std::move(r.status_text);
  response.headers = std::move(r.headers);
  std::string joined;
  std::string_view content_type = content_type_of(response.headers, joined);
  response.url = std::move(r.url);
  response.redirects = r.redirects;
  response.http_version = std::move(r.http_version);
  response.transfer = r.transfer;
  response.data = unwrap(config, content_type, std::move(r.body));
  for (const auto& transform : config.transform_response) {
    if (transform) response.data = transform(std::move(response.data), response.headers);
  }
  return response;
}

Result<Response> failed(TransferFailure&& failure,
                        const std::shared_ptr<const RequestConfig>& config,
                        std::exception_ptr user_error) {
  Error error = failure.code == ErrorCode::Canceled
                    ? Error::canceled({"AbortError", "client destroyed"})
                    : Error(failure.code, failure.message).with_transport(failure.transport);
  if (user_error) error = Error::from_exception(user_error);
  error = error.with_transfer(failure.transfer);
  if (failure.response) {
    try {
      Response partial = make_response(std::move(*failure.response), *config);
      partial.config = *config;
      error = error.with_response(std::move(partial));
    } catch (...) {
      // A partial body that does not decode adds nothing to this error.
    }
  }
  return error.with_request(config, failure.phase, failure.maybe_delivered);
}

// axios' settle(): validate_status decides; 4xx ERR_BAD_REQUEST, anything
// else ERR_BAD_RESPONSE.
Result<Response> validated(Response&& response,
                           const std::shared_ptr<const RequestConfig>& config) {
  bool ok = config->validate_status ? config->validate_status(response.status)
                                    : response.status >= 200 && response.status < 300;
  if (ok) return Result<Response>(std::in_place, std::move(response));
  ErrorCode code = response.status >= 400 && response.status < 500 ? ErrorCode::BadRequest
                                                                   : ErrorCode::BadResponse;
  Error error(code, "Request failed with status code " + std::to_string(response.status));
  response.config = *config;
  TransferInfo transfer = response.transfer;
  return error.with_request(config, RequestPhase::Body, true)
      .with_response(std::move(response))
      .with_transfer(transfer);
}

}  // namespace

Result<Response> decode_outcome(TransferOutcome&& outcome,
                                const std::shared_ptr<const RequestConfig>& config,
                                std::exception_ptr user_error) {
  if (auto* failure = std::get_if<TransferFailure>(&outcome)) {
    return failed(std::move(*failure), config, std::move(user_error));
  }
  try {
    return validated(make_response(std::move(std::get<TransferResult>(outcome)), *config), config);
  } catch (...) {
    // An undecodable body, a transform or validate_status that threw.
    return Error::from_exception(std::current_exception())
        .with_request(config, RequestPhase::Body, true);
  }
}

bool decode_off_loop(const TransferOutcome& outcome) {
  if (auto* result = std::get_if<TransferResult>(&outcome)) {
    return result->body.size() > kInlineDecodeLimit;
  }
  const auto& failure = std::get<TransferFailure>(outcome);
  return failure.response && failure.response->body.size() > kInlineDecodeLimit;
}

bool serialize_off_loop(const Body& body) {
  switch (body.kind()) {
    case Body::Kind::None:
      return false;
    case Body::Kind::Text:
      return body.text()->size() > kInlineDecodeLimit;
    case Body::Kind::Bytes:
      return body.bytes()->size() > kInlineDecodeLimit;
    default:
      return true;  // JSON, forms: size unknown until serialised
  }
}

std::shared_ptr<Executor> decode_executor() {
  // Leaked on purpose, as default_executor(): work may finish during exit.
  static auto* pool = new std::shared_ptr<Executor>(std::make_shared<ThreadPool>(2));
  return *pool;
}

}  // namespace tether::detail
