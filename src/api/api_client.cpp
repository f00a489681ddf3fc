// ApiClient::make_request: the article's makeRequest() over a Client.
#include <exception>
#include <utility>

#include "api/request_builder.hpp"
#include "tether/api_client.hpp"

namespace tether {

namespace {

// The Future carries tether::Error; the ApiError rides in it as cause().
Error carrying(const ApiError& error) {
  return Error::from_exception(std::make_exception_ptr(error));
}

// The Client keeps a JSON-typed body that does not parse as text (axios'
// silent JSON parsing); the ApiClient promises JSON for a JSON type, so, as
// the article's response.json() rejecting, that is a transport failure.
bool undecodable_json(const Response& response) {
  const auto type = response.headers.get("content-type");
  return type && Data::is_json_content_type(*type) && !response.data.is_json();
}

ApiError undecodable_json_error(Response response) {
  auto cause =
      Error(ErrorCode::BadResponse, "the response body is not the JSON its Content-Type says")
          .with_request(response.config, RequestPhase::Body, true);
  ApiError error = ApiError::transport_error(cause.with_response(response));
  error.response = std::move(response);
  return error;
}

}  // namespace

ApiClient::ApiClient() = default;

ApiClient::ApiClient(Client client) : client_(std::move(client)) {}

Future<Data> ApiClient::make_request(ApiRequest request) {
  // As the article's try/catch around everything: whatever goes wrong, the
  // caller gets an ApiError, never an exception from here.
  try {
    return client_.request(detail::to_request_config(std::move(request)))
        .then(
            [](Response response) -> Data {
              if (response.status < 200 || response.status > 299) {
                // A Client whose validate_status lets a non-2xx through.
                throw ApiError::server_error(std::move(response));
              }
              if (!undecodable_json(response)) return std::move(response.data);
              throw undecodable_json_error(std::move(response));
            },
            [](const Error& error) -> Data { throw ApiError::from(error); });
  } catch (...) {
    return make_error_future<Data>(carrying(ApiError::from(std::current_exception())),
                                   client_.executor());
  }
}

}  // namespace tether
