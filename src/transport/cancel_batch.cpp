// The abort path's batch: while one abort() runs the callbacks of many
// requests (a BatchScope is open), each request's Engine::cancel only appends
// its id here, on the aborting thread; the scope's end pushes them all to the
// loop under one lock with one wake-up, so the aborting thread shares no lock
// with the loop per request.
#include "core/batch_scope.hpp"
#include "transport/loop.hpp"

namespace tether::detail {

namespace {

// Trivially destructible, so still readable while the thread (or, for the
// main thread, the process) destroys `held` and then runs later destructors
// that abort (a static Client, a thread_local Scope): those push directly.
thread_local bool held_gone = false;

struct HeldCancels {
  std::shared_ptr<Engine::Loop> loop;  // null: nothing held
  std::vector<TransferId> ids;         // keeps its capacity for the next abort()
  HeldCancels() = default;
  HeldCancels(const HeldCancels&) = delete;
  HeldCancels& operator=(const HeldCancels&) = delete;
  ~HeldCancels() { held_gone = true; }
};

thread_local HeldCancels held;

}  // namespace

bool holding_cancels() noexcept {
  return !held_gone && held.loop != nullptr;
}

void flush_held_cancels() noexcept {
  if (held_gone || !held.loop) return;
  std::shared_ptr<Engine::Loop> loop = std::move(held.loop);
  held.loop = nullptr;
  loop->push_cancels(held.ids);
  held.ids.clear();
}

bool hold_cancel(const std::shared_ptr<Engine::Loop>& loop, TransferId id) noexcept {
  if (held_gone || !BatchScope::open()) return false;
  if (held.loop && held.loop != loop) flush_held_cancels();  // another client's engine
  try {
    held.ids.push_back(id);
  } catch (...) {
    return false;  // out of memory: this one is pushed alone
  }
  if (!held.loop) {
    held.loop = loop;
    BatchScope::flush_at_close(&flush_held_cancels);
  }
  return true;
}

}  // namespace tether::detail
