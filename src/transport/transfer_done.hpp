// TransferDone: what an engine calls once with a transfer's outcome. A
// move-only callable with room inline for the client layer's continuation (a
// shared_ptr, a try number and two durations: 40 bytes), which std::function
// would put on the heap: one allocation a request less.
#pragma once

#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

#include "transport/transfer_outcome.hpp"

namespace tether::detail {

class TransferDone {
 public:
  TransferDone() noexcept = default;
  TransferDone(std::nullptr_t) noexcept {}  // NOLINT: as std::function
  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, TransferDone> &&
                                     std::is_invocable_v<D&, TransferOutcome&&>>>
  TransferDone(F&& f) {  // NOLINT: converts, as std::function does
    if constexpr (kInline<D>) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
      ops_ = &kInlineOps<D>;
    } else {
      ::new (static_cast<void*>(storage_)) D*(new D(std::forward<F>(f)));
      ops_ = &kHeapOps<D>;
    }
  }
  TransferDone(TransferDone&& other) noexcept { take(other); }
  TransferDone& operator=(TransferDone&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  TransferDone& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  TransferDone(const TransferDone&) = delete;
  TransferDone& operator=(const TransferDone&) = delete;
  ~TransferDone() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  void operator()(TransferOutcome&& outcome) {
    if (!ops_) throw std::bad_function_call();
    ops_->call(storage_, std::move(outcome));
  }

 private:
  // Room for the client's continuation exactly (a larger one, or one more
  // aligned than a pointer, goes to the heap): every transfer in flight
  // carries this, 16 bytes more than a std::function.
  static constexpr std::size_t kSize = 40;
  template <class D>
  static constexpr bool kInline =
      sizeof(D) <= kSize && alignof(D) <= alignof(void*) && std::is_nothrow_move_constructible_v<D>;

  struct Ops {
    void (*call)(void* self, TransferOutcome&& outcome);
    void (*relocate)(void* from, void* to) noexcept;  // move to `to`, destroy `from`
    void (*destroy)(void* self) noexcept;
  };
  template <class D>
  static constexpr Ops kInlineOps{
      [](void* self, TransferOutcome&& o) { (*static_cast<D*>(self))(std::move(o)); },
      [](void* from, void* to) noexcept {
        ::new (to) D(std::move(*static_cast<D*>(from)));
        static_cast<D*>(from)->~D();
      },
      [](void* self) noexcept { static_cast<D*>(self)->~D(); }};
  template <class D>
  static constexpr Ops kHeapOps{
      [](void* self, TransferOutcome&& o) { (**static_cast<D**>(self))(std::move(o)); },
      [](void* from, void* to) noexcept { ::new (to) D*(*static_cast<D**>(from)); },
      [](void* self) noexcept { delete *static_cast<D**>(self); }};

  void take(TransferDone& other) noexcept {
    if (!other.ops_) return;
    other.ops_->relocate(other.storage_, storage_);
    ops_ = std::exchange(other.ops_, nullptr);
  }
  void reset() noexcept {
    if (ops_) std::exchange(ops_, nullptr)->destroy(storage_);
  }

  alignas(void*) unsigned char storage_[kSize];
  const Ops* ops_ = nullptr;
};

}  // namespace tether::detail
