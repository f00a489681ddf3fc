// From "Canceling API Requests Using fetch() And AbortController": the
// normalised errors of makeRequest() (normalizeError, normalizeTransportError):
// every failure has data.type, data.message, status.code, status.text and
// status.isAbort.
#include <tether/api_client.hpp>
#include <tether/tether.hpp>

#include <iostream>
#include <string>

namespace {

// The calling context depends only on these keys.
tether::ApiError failure_of(tether::ApiClient& apiClient, tether::ApiRequest request) {
  auto result = apiClient.make_request(std::move(request)).result();
  if (result) return {};  // not expected here: a default ApiError fails the checks
  return tether::ApiError::from(result.error());
}

void print(const std::string& title, const tether::ApiError& error) {
  std::cout << title << "\n  data:   " << error.data.dump()
            << "\n  status: {code: " << error.status.code << ", text: \"" << error.status.text
            << "\", isAbort: " << std::boolalpha << error.status.is_abort << "}\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  const std::string unexpected(tether::kUnexpectedErrorMessage);
  tether::ApiClient apiClient(tether::Client({.base_url = argv[1]}));
  bool ok = true;

  // A domain error: the server's {type, message, …} is merged into data.
  auto domain = failure_of(apiClient, {.url = "/error/domain"});
  print("domain error (normalizeError)", domain);
  ok &= domain.data["type"] == "ValidationError" && domain.status.code == 422 &&
        !domain.status.is_abort;

  // Any other non-2xx body: ServerError with the fixed message, the body as rootCause.
  auto raw = failure_of(apiClient, {.url = "/error/raw"});
  print("unexpected server error (normalizeError, rootCause)", raw);
  ok &= raw.data["type"] == "ServerError" && raw.data["message"] == unexpected &&
        raw.status.code == 500 && std::holds_alternative<tether::Data>(raw.root_cause);

  // The request was aborted: a TransportError whose isAbort is true.
  tether::AbortController controller;
  controller.abort();
  auto aborted = failure_of(apiClient, {.url = "/foo/bar", .signal = controller.signal()});
  print("aborted (normalizeTransportError)", aborted);
  ok &= aborted.data["type"] == "TransportError" && aborted.status.code == 0 &&
        aborted.status.text == "Unknown" && aborted.status.is_abort;

  // The round trip never happened (nothing listens on port 1): isAbort is false.
  tether::ApiClient nowhere;
  auto refused = failure_of(nowhere, {.url = "http://127.0.0.1:1/"});
  print("connection refused (normalizeTransportError)", refused);
  ok &= refused.data["type"] == "TransportError" && !refused.status.is_abort;

  // "people pass-in malformed parameters": still the same structure.
  auto malformed = failure_of(nowhere, {.url = "http://[::1"});
  print("malformed URL", malformed);
  ok &= malformed.data["type"] == "TransportError" && malformed.data["message"] == unexpected;

  return ok ? 0 : 1;
}
