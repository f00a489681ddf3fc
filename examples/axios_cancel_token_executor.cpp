// From the axios docs, "Cancellation" → "CancelToken deprecated" (the executor function).
#include <tether/tether.hpp>

#include <functional>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  tether::default_client().update_defaults([&](tether::RequestConfig& d) { d.base_url = argv[1]; });

  std::function<void(std::string)> cancel;

  auto request = tether::get("/user/12345", {.cancel_token = tether::CancelToken([&](auto c) {
                                               // An executor function receives a cancel
                                               // function as a parameter
                                               cancel = c;
                                             })});

  // cancel the request
  cancel({});

  auto outcome = request.result();
  if (outcome || !tether::is_cancel(outcome.error())) {
    std::cerr << "expected the request to be canceled\n";
    return 1;
  }
  std::cout << "Request canceled: " << outcome.error().what() << "\n";  // "canceled"
  return 0;
}
