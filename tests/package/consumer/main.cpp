// A downstream program: the public API through whichever package it was built
// against (find_package, pkg-config, the .deb, FetchContent).
#include <tether/tether.hpp>
#include <tether/version.hpp>

#include <cstdio>
#include <string>

int main() {
  tether::AbortController controller;
  bool ran = false;
  auto reg = controller.signal().on_abort([&](const tether::AbortReason&) { ran = true; });
  controller.abort();

  // The headers' templates call into the library (Future, continuations).
  const int doubled = tether::make_ready_future(21).then([](int v) { return v * 2; }).get();

  // A request through a Client: the engine rejects a scheme other than http(s)
  // without touching the network.
  tether::Client client;
  const auto refused = client.get("ftp://127.0.0.1/").result();
  const bool rejected = !refused.has_value();

  const bool same_version = tether::version() == TETHER_VERSION_STRING;
  std::printf("tether %s: abort %d, future %d, rejected %d\n",
              std::string(tether::version()).c_str(), ran, doubled, rejected);
  return ran && doubled == 42 && rejected && same_version &&
                 tether::is_cancel(tether::Error::canceled({}))
             ? 0
             : 1;
}
