// Client's cookie calls: the engine answers them on its thread.
#include "client/client_core.hpp"

namespace tether {

std::vector<Cookie> Client::cookies() const {
  return core_->owner->engine->cookies();
}

void Client::clear_cookies() {
  core_->owner->engine->clear_cookies();
}

void Client::save_cookies() const {
  core_->owner->engine->save_cookies();
}

}  // namespace tether
