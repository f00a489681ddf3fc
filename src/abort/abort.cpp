#include "tether/abort.hpp"

#include <cassert>

#include "abort/signal_state.hpp"
#include "abort/timer_service.hpp"
#include "core/batch_scope.hpp"
#include "tether/error.hpp"

namespace tether {
namespace detail {

namespace {

template <class Node>
void push_back(Node*& head, Node*& tail, Node* node) noexcept {
  node->prev = tail;
  node->next = nullptr;
  (tail ? tail->next : head) = node;
  tail = node;
  node->linked = true;
}

template <class Node>
void unlink(Node*& head, Node*& tail, Node* node) noexcept {
  (node->prev ? node->prev->next : head) = node->next;
  (node->next ? node->next->prev : tail) = node->prev;
  node->prev = node->next = nullptr;
  node->linked = false;
}

}  // namespace

// from(): a std::stop_callback that aborts the signal. It holds the state
// weakly, so the signal can go away while the token lives on.
struct SignalState::StopLink {
  struct OnStop {
    std::weak_ptr<SignalState> state;
    void operator()() const noexcept {
      // request_stop() has no caller to rethrow to: what a callback throws is
      // dropped here (the others have run).
      if (auto s = state.lock()) s->abort_and_swallow(AbortReason{});
    }
  };
  StopLink(std::stop_token token, std::weak_ptr<SignalState> state)
      : callback(std::move(token), OnStop{std::move(state)}) {}
  std::stop_callback<OnStop> callback;
};

SignalState::SignalState() = default;

SignalState::~SignalState() {
  if (timer_id_ != 0) TimerService::instance().cancel(timer_id_);
  detach_from_sources();
}

std::optional<AbortReason> SignalState::reason() const {
  if (!aborted()) return std::nullopt;
  return reason_;  // immutable once aborted_ is set
}

bool SignalState::abort(AbortReason reason) {
  // This signal, then its newly aborted dependents: no allocation for a
  // signal without any (the common case), yet kept alive while its callbacks
  // run as the dependents are.
  std::shared_ptr<SignalState> self = shared_from_this();
  std::vector<std::shared_ptr<SignalState>> marked;
  if (!mark(reason, marked)) return false;
  // The callbacks' requests each cancel a transfer: held on this thread and
  // pushed to their engine at once when the scope ends.
  BatchScope batch;
  // A throwing callback stops nothing: every callback of every marked signal
  // runs, then the first exception reaches the caller. Without one this costs
  // nothing (no allocation; exception_ptr stays null).
  std::exception_ptr first;
  fire(first);
  for (auto& state : marked) state->fire(first);
  if (first) std::rethrow_exception(first);
  return true;
}

bool SignalState::abort_and_swallow(AbortReason reason) noexcept {
  try {
    return abort(std::move(reason));
  } catch (...) {
    return true;  // only the call that aborted runs callbacks, so only it can throw
  }
}

bool SignalState::mark(const AbortReason& reason,
                       std::vector<std::shared_ptr<SignalState>>& marked) {
  std::vector<std::shared_ptr<SignalState>> dependents;
  {
    std::lock_guard lock(mu_);
    if (aborted_.load(std::memory_order_relaxed)) return false;
    reason_ = reason;
    aborted_.store(true, std::memory_order_release);
    // An aborted signal never aborts again: let go of every dependent now.
    while (DependentLink* link = dependents_head_) {
      if (auto d = link->dependent.lock()) dependents.push_back(std::move(d));
      unlink(dependents_head_, dependents_tail_, link);
      --dependents_count_;
    }
  }
  for (auto& dependent : dependents) {
    // Appended before its own dependents, as the order of firing wants.
    std::size_t at = marked.size();
    if (dependent->mark(reason, marked)) {
      marked.insert(marked.begin() + static_cast<std::ptrdiff_t>(at), std::move(dependent));
    }
  }
  return true;
}

void SignalState::fire(std::exception_ptr& first) {
  // An aborted dependent needs its sources no more.
  detach_from_sources();

  std::unique_lock lock(mu_);
  firing_thread_ = std::this_thread::get_id();
  while (CallbackNode* node = head_) {
    unlink(head_, tail_, node);
    --callback_count_;
    bool removed = false;
    node->removed_during_callback = &removed;
    running_ = node;
    // Moved out so that a registration destroyed from inside its own callback
    // frees the node without destroying the function that is running.
    auto fn = std::move(node->fn);
    lock.unlock();
    try {
      fn(reason_);
    } catch (...) {
      // Kept for abort() to rethrow; the bookkeeping below must still run, or
      // the registration's destructor would wait forever (or touch `removed`).
      if (!first) first = std::current_exception();
    }
    fn = nullptr;  // its captures are released before the callback counts as done
    lock.lock();
    if (!removed) node->removed_during_callback = nullptr;
    running_ = nullptr;
    if (waiters_ > 0) callback_done_.notify_all();
  }
  firing_thread_ = {};
  std::optional<std::stop_source> stop = stop_source_;
  lock.unlock();
  if (stop) stop->request_stop();
}

void SignalState::detach_from_sources() noexcept {
  // Idempotent: each link's `linked` is checked under its source's lock.
  for (auto& link : links_) {
    SignalState& source = *link->source;
    std::lock_guard lock(source.mu_);
    if (link->linked) {
      unlink(source.dependents_head_, source.dependents_tail_, link.get());
      --source.dependents_count_;
    }
  }
}

AbortRegistration SignalState::add_callback(const std::shared_ptr<SignalState>& self,
                                            std::function<void(const AbortReason&)> fn) {
  if (!self || !fn) return {};
  auto node = std::make_unique<CallbackNode>();
  node->fn = std::move(fn);
  {
    std::lock_guard lock(self->mu_);
    if (!self->aborted_.load(std::memory_order_relaxed)) {
      push_back(self->head_, self->tail_, node.get());
      ++self->callback_count_;
      return AbortRegistration(self, node.release());
    }
  }
  node->fn(self->reason_);  // already aborted: run now, on this thread
  return {};
}

void SignalState::remove_callback(CallbackNode* node) noexcept {
  std::unique_ptr<CallbackNode> owned(node);
  std::unique_lock lock(mu_);
  if (node->linked) {
    unlink(head_, tail_, node);
    --callback_count_;
    return;
  }
  if (running_ != node) return;  // already ran
  if (firing_thread_ == std::this_thread::get_id()) {
    // Destroyed from inside its own callback: fire() must not touch it again.
    *node->removed_during_callback = true;
    return;
  }
  ++waiters_;
  callback_done_.wait(lock, [&] { return running_ != node; });
  --waiters_;
}

std::size_t SignalState::listener_count() const {
  std::lock_guard lock(mu_);
  return callback_count_ + dependents_count_;
}

std::shared_ptr<SignalState> SignalState::make_any(const std::vector<AbortSignal>& sources) {
  auto state = std::make_shared<SignalState>();
  for (const AbortSignal& signal : sources) {
    const auto& source = of(signal);
    if (!source) continue;  // a default signal never aborts
    if (source->aborted()) {
      state->abort(*source->reason());
      state->links_.clear();
      return state;
    }
    auto link = std::make_unique<DependentLink>();
    link->dependent = state;
    link->source = source;
    state->links_.push_back(std::move(link));
  }
  for (auto& link : state->links_) {
    SignalState& source = *link->source;
    std::optional<AbortReason> aborted_with;
    {
      std::lock_guard lock(source.mu_);
      if (source.aborted_.load(std::memory_order_relaxed)) {
        aborted_with = source.reason_;
      } else {
        push_back(source.dependents_head_, source.dependents_tail_, link.get());
        ++source.dependents_count_;
      }
    }
    // Aborted between the first check and linking: no one will tell us.
    if (aborted_with) {
      state->abort(*aborted_with);
      break;
    }
  }
  // Another source may have aborted us while we were still linking: drop the
  // links made after that abort detached the earlier ones.
  if (state->aborted()) state->detach_from_sources();
  return state;
}

std::shared_ptr<SignalState> SignalState::make_timeout(std::chrono::milliseconds after) {
  auto state = std::make_shared<SignalState>();
  std::weak_ptr<SignalState> weak = state;
  state->timer_id_ = TimerService::instance().schedule(TimerService::Clock::now() + after, [weak] {
    // The timer thread has no caller to rethrow to: a throwing callback's
    // exception is dropped (the other callbacks have run).
    if (auto s = weak.lock()) s->abort_and_swallow(AbortReason{"TimeoutError", "signal timed out"});
  });
  return state;
}

std::shared_ptr<SignalState> SignalState::make_from(std::stop_token token) {
  auto state = std::make_shared<SignalState>();
  if (token.stop_requested()) {
    state->abort(AbortReason{});
  } else if (token.stop_possible()) {
    state->stop_link_ = std::make_unique<StopLink>(std::move(token), state);
  }
  return state;
}

std::stop_token SignalState::stop_token() {
  std::stop_source source;
  bool already_aborted = false;
  {
    std::lock_guard lock(mu_);
    if (!stop_source_) stop_source_.emplace();
    source = *stop_source_;
    already_aborted = aborted_.load(std::memory_order_relaxed);
  }
  if (already_aborted) source.request_stop();
  return source.get_token();
}

std::size_t listener_count(const AbortSignal& signal) {
  const auto& state = SignalState::of(signal);
  return state ? state->listener_count() : 0;
}

}  // namespace detail

// --- AbortRegistration ---

AbortRegistration::AbortRegistration(AbortRegistration&& other) noexcept
    : state_(std::move(other.state_)), node_(std::exchange(other.node_, nullptr)) {}

AbortRegistration& AbortRegistration::operator=(AbortRegistration&& other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
    node_ = std::exchange(other.node_, nullptr);
  }
  return *this;
}

AbortRegistration::~AbortRegistration() {
  reset();
}

void AbortRegistration::reset() noexcept {
  if (node_) state_->remove_callback(std::exchange(node_, nullptr));
  state_.reset();
}

// --- AbortSignal ---

bool AbortSignal::aborted() const noexcept {
  return state_ && state_->aborted();
}

std::optional<AbortReason> AbortSignal::reason() const {
  return state_ ? state_->reason() : std::nullopt;
}

void AbortSignal::throw_if_aborted() const {
  if (auto r = reason()) throw Error::canceled(std::move(*r));
}

AbortRegistration AbortSignal::on_abort(std::function<void(const AbortReason&)> fn) const {
  return detail::SignalState::add_callback(state_, std::move(fn));
}

AbortSignal AbortSignal::abort(AbortReason reason) {
  auto state = std::make_shared<detail::SignalState>();
  state->abort(std::move(reason));
  return AbortSignal(std::move(state));
}

AbortSignal AbortSignal::timeout(std::chrono::milliseconds after) {
  return AbortSignal(detail::SignalState::make_timeout(after));
}

AbortSignal AbortSignal::any(std::vector<AbortSignal> signals) {
  return AbortSignal(detail::SignalState::make_any(signals));
}

AbortSignal AbortSignal::from(std::stop_token token) {
  return AbortSignal(detail::SignalState::make_from(std::move(token)));
}

std::stop_token AbortSignal::stop_token() const {
  return state_ ? state_->stop_token() : std::stop_token{};
}

// --- AbortController ---

AbortController::AbortController() : state_(std::make_shared<detail::SignalState>()) {}

bool AbortController::abort(AbortReason reason) {
  return state_->abort(std::move(reason));
}

}  // namespace tether
