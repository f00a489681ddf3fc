#include "patterns/scope_state.hpp"

#include <algorithm>
#include <utility>

#include "tether/scope.hpp"

namespace tether::detail {

namespace {

// The innermost entry this thread holds now (entries link to their outer
// one): the closing thread must not wait for itself. A plain pointer, so a
// thread_local Scope closing at thread exit never reads a destroyed object.
thread_local ScopeEntry* innermost = nullptr;

std::optional<ScopeState::Clock::time_point> earlier(
    std::optional<ScopeState::Clock::time_point> a,
    const std::optional<ScopeState::Clock::time_point>& b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

ScopeState::ScopeState(std::shared_ptr<ScopeState> parent, AbortSignal parent_signal,
                       std::optional<Clock::time_point> deadline)
    : parent_(std::move(parent)),
      signal_(parent_signal == AbortSignal{}
                  ? controller_.signal()
                  : AbortSignal::any({controller_.signal(), std::move(parent_signal)})),
      deadline_(earlier(deadline, parent_ ? parent_->deadline_ : std::nullopt)) {}

bool ScopeState::enter_one() noexcept {
  if (work_.fetch_add(1, std::memory_order_acq_rel) & kClosed) {
    leave_one();
    return false;
  }
  return true;
}

void ScopeState::leave_one() noexcept {
  // Only a closing scope has a waiter to wake.
  if (work_.fetch_sub(1, std::memory_order_acq_rel) & kClosed) work_.notify_all();
}

bool ScopeState::enter() noexcept {
  for (ScopeState* s = this; s; s = s->parent_.get()) {
    if (s->enter_one()) continue;
    for (ScopeState* t = this; t != s; t = t->parent_.get()) t->leave_one();
    return false;
  }
  return true;
}

void ScopeState::leave() noexcept {
  for (ScopeState* s = this; s; s = s->parent_.get()) s->leave_one();
}

std::uint64_t ScopeState::held_by_this_thread() const noexcept {
  std::uint64_t n = 0;
  for (const ScopeEntry* entry = innermost; entry; entry = entry->outer()) {
    for (const ScopeState* s = entry->state(); s; s = s->parent_.get()) {
      if (s == this) ++n;
    }
  }
  return n;
}

void ScopeState::close(const AbortReason& reason) noexcept {
  work_.fetch_or(kClosed, std::memory_order_acq_rel);
  try {
    controller_.abort(reason);
  } catch (...) {
    // A callback on the scope's signal threw: every callback has run, and a
    // destructor must not throw.
  }
  const std::uint64_t own = held_by_this_thread();
  for (;;) {
    std::uint64_t now = work_.load(std::memory_order_acquire);
    if ((now & ~kClosed) <= own) return;
    work_.wait(now, std::memory_order_acquire);
  }
}

// --- scope.hpp's helpers ---

ScopeEntry::ScopeEntry(const std::shared_ptr<ScopeState>& state) noexcept {
  if (!state || !state->enter()) return;
  state_ = state.get();
  outer_ = std::exchange(innermost, this);
}

ScopeEntry::~ScopeEntry() {
  if (!state_) return;
  // Entries end in reverse order of their start on one thread (RAII); should
  // one end out of order, it is unlinked all the same, never left dangling.
  if (innermost == this) {
    innermost = outer_;
  } else {
    for (ScopeEntry* e = innermost; e; e = e->outer_) {
      if (e->outer_ == this) {
        e->outer_ = outer_;
        break;
      }
    }
  }
  state_->leave();
}

void throw_scope_closed(const ScopeState& state) {
  throw Error::canceled(
      state.signal().reason().value_or(AbortReason{"AbortError", "scope closed"}));
}

void abort_scope(ScopeState& state, std::string why) noexcept {
  try {
    state.controller().abort({"AbortError", "scope aborted: " + std::move(why)});
  } catch (...) {
    // A callback on the scope's signal threw; the scope is aborted all the same.
  }
}

}  // namespace tether::detail
