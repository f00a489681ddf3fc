// BatchScope: work a thread holds back while one abort() runs the callbacks of
// many requests, done once when the outermost scope on the thread ends. The
// engine's cancels use it: the requests of one abort() reach the loop as one
// push and one wake-up, instead of one locked push (and often one wake-up)
// each while the loop is busy removing the ones before.
#pragma once

namespace tether::detail {

class BatchScope {
 public:
  using Flush = void (*)() noexcept;

  BatchScope() noexcept;
  ~BatchScope();
  BatchScope(const BatchScope&) = delete;
  BatchScope& operator=(const BatchScope&) = delete;

  // True on a thread inside a scope.
  static bool open() noexcept;
  // `flush` runs when the outermost scope ends. A different flush already
  // asked for runs now (one kind of held-back work at a time).
  static void flush_at_close(Flush flush) noexcept;
};

}  // namespace tether::detail
