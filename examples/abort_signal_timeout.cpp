// Beyond the two reference pages, as axios' docs advise for timeouts:
// AbortSignal.timeout(ms), and AbortSignal.any([...]) for "the user or a timeout".
#include <tether/tether.hpp>

#include <chrono>
#include <iostream>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  tether::default_client().update_defaults([&](tether::RequestConfig& d) { d.base_url = argv[1]; });

  tether::AbortController user;
  // The server takes two seconds here; the signal gives up after 100 ms.
  auto request = tether::get(
      "/foo/bar",
      {.params = {{"delay", 2000}},
       .signal = tether::AbortSignal::any({user.signal(), tether::AbortSignal::timeout(100ms)})});

  auto outcome = request.result();
  if (outcome || !outcome.error().is_timeout()) {
    std::cerr << "expected a timeout\n";
    return 1;
  }
  std::cout << "gave up: " << outcome.error().reason()->name << "\n";  // "TimeoutError"
  return 0;
}
