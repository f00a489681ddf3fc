#include "observe/observer.hpp"

#include "core/redact.hpp"

namespace tether::detail {

namespace {
std::atomic<std::uint64_t> next_request_id{1};

bool absolute(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0 ||
         url.rfind("HTTP://", 0) == 0 || url.rfind("HTTPS://", 0) == 0;
}
}  // namespace

std::string observed_url(const RequestConfig& config) {
  const std::string& url = config.url;
  if (config.base_url.empty() || absolute(url)) return redact_userinfo(url);
  std::string joined = config.base_url;
  while (!joined.empty() && joined.back() == '/') joined.pop_back();
  std::size_t skip = 0;
  while (skip < url.size() && url[skip] == '/') ++skip;
  if (skip < url.size()) joined += '/' + url.substr(skip);
  return redact_userinfo(std::move(joined));
}

RequestObserver::RequestObserver(std::shared_ptr<const EventHook> hook, const RequestConfig& config)
    : hook_(std::move(hook)),
      id_(next_request_id.fetch_add(1, std::memory_order_relaxed)),
      method_(config.method.empty() ? "GET" : config.method),
      url_(observed_url(config)) {}

void RequestObserver::emit(RequestEvent& event) const noexcept {
  event.request_id = id_;
  event.method = method_;
  if (event.url.empty()) event.url = url_;
  if (event.time == std::chrono::steady_clock::time_point{}) {
    event.time = std::chrono::steady_clock::now();
  }
  try {
    (*hook_)(event);
  } catch (...) {
    // The hook's trouble is its own: the request goes on as if it returned.
  }
}

std::shared_ptr<const RequestObserver> make_observer(const std::shared_ptr<const EventHook>& hook,
                                                     const RequestConfig& config) {
  if (!hook) return nullptr;
  return std::make_shared<const RequestObserver>(hook, config);
}

}  // namespace tether::detail
