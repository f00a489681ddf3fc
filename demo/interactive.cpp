#include "demo_options.hpp"
namespace tether::demo {
int run_interactive(const DemoOptions&) {
  return 2;
}
}  // namespace tether::demo
