#include "core/batch_scope.hpp"

namespace tether::detail {

namespace {
thread_local int depth = 0;
thread_local BatchScope::Flush pending = nullptr;
}  // namespace

BatchScope::BatchScope() noexcept {
  ++depth;
}

BatchScope::~BatchScope() {
  if (--depth > 0) return;
  // A flush may open a scope of its own (it does not today): taken first.
  while (Flush flush = pending) {
    pending = nullptr;
    flush();
  }
}

bool BatchScope::open() noexcept {
  return depth > 0;
}

void BatchScope::flush_at_close(Flush flush) noexcept {
  if (pending && pending != flush) {
    Flush previous = pending;
    pending = nullptr;
    previous();
  }
  pending = flush;
}

}  // namespace tether::detail
