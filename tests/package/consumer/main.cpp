#include <tether/tether.hpp>

int main() {
  tether::AbortController controller;
  bool ran = false;
  auto reg = controller.signal().on_abort([&](const tether::AbortReason&) { ran = true; });
  controller.abort();
  return ran && tether::is_cancel(tether::Error::canceled({})) ? 0 : 1;
}
