// A client's defaults: read as a snapshot, replaced whole (client_core.hpp).
#include "client/client_core.hpp"

namespace tether {

const RequestConfig Client::defaults() const {
  return *core_->defaults();
}

void Client::set_defaults(RequestConfig defaults) {
  auto next = std::make_shared<const RequestConfig>(std::move(defaults));
  while (!core_->swap_defaults(core_->defaults(), next)) {
  }
}

void Client::update_defaults(const std::function<void(RequestConfig&)>& change) {
  // `change` is user code: it runs on a copy, outside any lock, and again on
  // the newer snapshot if another thread replaced the defaults meanwhile.
  for (;;) {
    auto current = core_->defaults();
    auto next = std::make_shared<RequestConfig>(*current);
    change(*next);
    if (core_->swap_defaults(current, std::move(next))) return;
  }
}

}  // namespace tether
