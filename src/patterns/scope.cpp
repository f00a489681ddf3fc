#include "tether/scope.hpp"

#include "patterns/scope_state.hpp"

namespace tether {

namespace {

using Clock = std::chrono::steady_clock;

std::optional<Clock::time_point> earlier(std::optional<Clock::time_point> a,
                                         const std::optional<Clock::time_point>& b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// `fn`, counted in the scope while it runs; after the scope closed it does
// nothing and returns R() (the request it belongs to is settled by then, so
// what it returns is not read).
template <class R, class... A>
void guard_callback(const std::shared_ptr<detail::ScopeState>& state, std::function<R(A...)>& fn) {
  if (!fn) return;
  fn = [state, inner = std::move(fn)](A... args) -> R {
    detail::ScopeEntry entry(state);
    if (!entry) return R();
    return inner(std::forward<A>(args)...);
  };
}

// As guard_callback for a transform, which must hand its input on.
template <class T, class H>
void guard_transforms(const std::shared_ptr<detail::ScopeState>& state,
                      std::vector<std::function<T(T, H)>>& fns) {
  for (auto& fn : fns) {
    if (!fn) continue;
    fn = [state, inner = std::move(fn)](T value, H headers) -> T {
      detail::ScopeEntry entry(state);
      if (!entry) return value;
      return inner(std::move(value), headers);
    };
  }
}

}  // namespace

Scope::Scope() : Scope(AbortSignal{}) {}

Scope::Scope(Clock::time_point deadline) : Scope(AbortSignal{}, deadline) {}

Scope::Scope(AbortSignal parent, std::optional<Clock::time_point> deadline)
    : state_(std::make_shared<detail::ScopeState>(nullptr, std::move(parent), deadline)) {}

Scope::Scope(Scope& parent, std::optional<Clock::time_point> deadline)
    : state_(std::make_shared<detail::ScopeState>(parent.state_, parent.signal(), deadline)) {}

Scope::~Scope() {
  state_->close({"AbortError", "scope closed"});
}

AbortSignal Scope::signal() const {
  return state_->signal();
}

bool Scope::abort(AbortReason reason) {
  return state_->controller().abort(std::move(reason));
}

bool Scope::aborted() const noexcept {
  return state_->signal().aborted();
}

std::optional<Clock::time_point> Scope::deadline() const noexcept {
  return state_->deadline();
}

Future<Response> Scope::request(Client& client, RequestConfig config) {
  // Held for the call: a closing scope waits until the request is registered
  // on its signal, which then settles it.
  detail::ScopeEntry entry(state_);
  if (!entry) {
    AbortReason reason =
        state_->signal().reason().value_or(AbortReason{"AbortError", "scope closed"});
    return make_error_future<Response>(
        Error::canceled(reason).with_request(std::move(config), RequestPhase::Queued, false),
        client.executor());
  }
  config.signal = config.signal == AbortSignal{}
                      ? state_->signal()
                      : AbortSignal::any({std::move(config.signal), state_->signal()});
  config.scope_deadline = earlier(config.scope_deadline, state_->deadline());
  guard_callback(state_, config.validate_status);
  guard_callback(state_, config.on_upload_progress);
  guard_callback(state_, config.on_download_progress);
  guard_callback(state_, config.params_serializer);
  guard_callback(state_, config.on_response);
  guard_callback(state_, config.on_data);
  guard_transforms(state_, config.transform_request);
  guard_transforms(state_, config.transform_response);
  return client.request(std::move(config));
}

namespace {
RequestConfig with(RequestConfig config, const char* method, std::string url) {
  config.method = method;
  config.url = std::move(url);
  return config;
}
RequestConfig with(RequestConfig config, const char* method, std::string url, Body data) {
  config.data = std::move(data);
  return with(std::move(config), method, std::move(url));
}
}  // namespace

Future<Response> Scope::get(Client& c, std::string url) {
  return get(c, std::move(url), {});
}
Future<Response> Scope::get(Client& c, std::string url, RequestConfig config) {
  return request(c, with(std::move(config), "GET", std::move(url)));
}
Future<Response> Scope::del(Client& c, std::string url) {
  return del(c, std::move(url), {});
}
Future<Response> Scope::del(Client& c, std::string url, RequestConfig config) {
  return request(c, with(std::move(config), "DELETE", std::move(url)));
}
Future<Response> Scope::head(Client& c, std::string url) {
  return head(c, std::move(url), {});
}
Future<Response> Scope::head(Client& c, std::string url, RequestConfig config) {
  return request(c, with(std::move(config), "HEAD", std::move(url)));
}
Future<Response> Scope::post(Client& c, std::string url, Body data) {
  return post(c, std::move(url), std::move(data), {});
}
Future<Response> Scope::post(Client& c, std::string url, Body data, RequestConfig config) {
  return request(c, with(std::move(config), "POST", std::move(url), std::move(data)));
}
Future<Response> Scope::put(Client& c, std::string url, Body data) {
  return put(c, std::move(url), std::move(data), {});
}
Future<Response> Scope::put(Client& c, std::string url, Body data, RequestConfig config) {
  return request(c, with(std::move(config), "PUT", std::move(url), std::move(data)));
}
Future<Response> Scope::patch(Client& c, std::string url, Body data) {
  return patch(c, std::move(url), std::move(data), {});
}
Future<Response> Scope::patch(Client& c, std::string url, Body data, RequestConfig config) {
  return request(c, with(std::move(config), "PATCH", std::move(url), std::move(data)));
}

}  // namespace tether
