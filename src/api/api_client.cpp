// ApiClient::make_request: the article's makeRequest() over a Client.
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "api/request_builder.hpp"
#include "tether/api_client.hpp"

namespace tether {

namespace {

// The Future's error is the underlying tether::Error (its code, reason(),
// config); the ApiError rides in it as cause() and is what get() and co_await
// throw. A fresh exception object, so that nothing thrown on one thread is
// still being released there while another thread reads it.
Error carrying(const Error& underlying, const ApiError& error) {
  return underlying.with_cause(std::make_exception_ptr(error), /*thrown_as_cause=*/true);
}

// The tether::Error a failure stands for when the Client gave none.
Error underlying_of(const ApiError& error) {
  if (const auto* cause = std::get_if<Error>(&error.root_cause)) return *cause;
  if (error.response) {
    const int status = error.response->status;
    return Error(status >= 500 ? ErrorCode::BadResponse : ErrorCode::BadRequest,
                 "Request failed with status code " + std::to_string(status))
        .with_request(error.response->config, RequestPhase::Body, true)
        .with_response(*error.response);
  }
  return Error(ErrorCode::Unknown, error.what());
}

// The Client keeps a JSON-typed body that does not parse as text (axios'
// silent JSON parsing); the ApiClient promises JSON for a JSON type, so, as
// the article's response.json() rejecting, that is a transport failure.
bool json_typed(const Response& response) {
  const auto type = response.headers.get("content-type");
  return type && Data::is_json_content_type(*type);
}

// An empty body (HEAD, 204, 205, 304, an empty 200) carries no JSON to fail
// on: it is JSON null, as Data::unwrap gives for it.
bool empty_body(const Data& data) {
  return (data.is_text() && data.text().empty()) || (data.is_bytes() && data.bytes().empty());
}

bool undecodable_json(const Response& response) {
  return json_typed(response) && !response.data.is_json() && !empty_body(response.data);
}

ApiError undecodable_json_error(Response response) {
  auto cause =
      Error(ErrorCode::BadResponse, "the response body is not the JSON its Content-Type says")
          .with_request(response.config, RequestPhase::Body, true);
  ApiError error = ApiError::transport_error(cause.with_response(response));
  error.response = std::move(response);
  return error;
}

// The outcome of a response: its data, or the ApiError it stands for. Settles
// outside any catch block (see carrying()).
void settle(Promise<Data>& promise, Response response) {
  std::optional<ApiError> failure;
  try {
    if (response.status < 200 || response.status > 299) {
      // A Client whose validate_status lets a non-2xx through.
      failure = ApiError::server_error(std::move(response));
    } else if (undecodable_json(response)) {
      failure = undecodable_json_error(std::move(response));
    }
  } catch (...) {
    failure = ApiError::from(std::current_exception());
  }
  if (failure) {
    promise.set_error(carrying(underlying_of(*failure), *failure));
  } else if (json_typed(response) && empty_body(response.data)) {
    promise.set_value(Data::from_json(nullptr));
  } else {
    promise.set_value(std::move(response.data));
  }
}

void reject(Promise<Data>& promise, const Error& error) {
  std::optional<ApiError> failure;
  try {
    failure = ApiError::from(error);
  } catch (...) {
    failure.emplace();  // a TransportError with the fixed message
  }
  promise.set_error(carrying(error, *failure));
}

}  // namespace

ApiClient::ApiClient() = default;

ApiClient::ApiClient(Client client) : client_(std::move(client)) {}

Future<Data> ApiClient::make_request(ApiRequest request) {
  auto promise = std::make_shared<Promise<Data>>(client_.executor());
  Future<Data> result = promise->get_future();
  // As the article's try/catch around everything: whatever goes wrong, the
  // caller gets an ApiError, never an exception from here.
  std::optional<Error> failure;
  try {
    client_.request(detail::to_request_config(std::move(request)))
        .then([promise](Response response) { settle(*promise, std::move(response)); },
              [promise](const Error& error) { reject(*promise, error); });
  } catch (...) {
    failure = Error::from_exception(std::current_exception());
  }
  if (failure) reject(*promise, *failure);
  return result;
}

}  // namespace tether
