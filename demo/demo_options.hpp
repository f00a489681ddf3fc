// The demo's settings, from its command line (demo.cpp).
#pragma once

#include <chrono>
#include <cstdint>

namespace tether::demo {

struct DemoOptions {
  bool interactive = false;
  std::uint64_t seed = 3;
  bool color = false;  // resolved: --color, --no-color, else whether stdout is a terminal
  bool cancel = true;
  double speed = 1.0;
  std::chrono::milliseconds min_latency{150};
  std::chrono::milliseconds max_latency{900};
  std::chrono::milliseconds debounce{300};
};

int run_scripted(const DemoOptions& options);
int run_interactive(const DemoOptions& options);

}  // namespace tether::demo
