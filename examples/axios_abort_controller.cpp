// From the axios docs, "Cancellation" → "AbortController".
// Run it against the demo's server: tether_with_server ./axios_abort_controller
#include <tether/tether.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  tether::default_client().update_defaults(
      [&](tether::RequestConfig& d) { d.base_url = argv[1]; });  // axios' baseURL

  tether::AbortController controller;

  auto request =
      tether::get("/foo/bar", {.signal = controller.signal()}).then([](tether::Response response) {
        //...
        return response.status;
      });
  // cancel the request
  controller.abort();

  auto outcome = request.result();
  if (outcome || !tether::is_cancel(outcome.error())) {
    std::cerr << "expected the request to be canceled\n";
    return 1;
  }
  std::cout << "Request canceled: " << outcome.error().what() << "\n";  // "canceled"
  return 0;
}
