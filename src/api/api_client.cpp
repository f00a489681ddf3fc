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
              if (response.status >= 200 && response.status <= 299) return std::move(response.data);
              // A Client whose validate_status lets a non-2xx through.
              throw ApiError::server_error(std::move(response));
            },
            [](const Error& error) -> Data { throw ApiError::from(error); });
  } catch (...) {
    return make_error_future<Data>(carrying(ApiError::from(std::current_exception())),
                                   client_.executor());
  }
}

}  // namespace tether
