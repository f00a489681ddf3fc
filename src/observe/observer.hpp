// A request's link to its client's event hook. A request whose client has no
// hook has no observer (a null pointer): nothing is built, one branch is paid.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "tether/events.hpp"
#include "tether/request.hpp"

namespace tether::detail {

class RequestObserver {
 public:
  RequestObserver(std::shared_ptr<const EventHook> hook, const RequestConfig& config);

  // Fills the request's fields (and the time, if unset) and calls the hook;
  // what the hook throws is dropped. Call it on the engine thread.
  void emit(RequestEvent& event) const noexcept;
  std::uint64_t id() const noexcept { return id_; }

 private:
  std::shared_ptr<const EventHook> hook_;
  std::uint64_t id_;
  std::string method_;
  std::string url_;  // redacted
};

// The observer for a request of a client whose hook is `hook` (null: none).
std::shared_ptr<const RequestObserver> make_observer(const std::shared_ptr<const EventHook>& hook,
                                                     const RequestConfig& config);

// The event's URL: the config's url over its base_url, userinfo redacted (the
// params are not appended: their values are the request's business).
std::string observed_url(const RequestConfig& config);

}  // namespace tether::detail
