// One allocation for a request's state and its future's state (issue 13).
// Each of the two keeps its own shared_ptr control block, so each keeps its
// own lifetime: the RequestState dies when the engine and the abort callbacks
// let go of it (its Promise then breaks a future it never settled), the
// FutureState when the Future and the Promise are gone. Only the memory is
// shared: each control block lives in a slot of one block, and its allocator
// holds a reference to that block, which is freed with the last of them.
// Nothing is owned through the block, so an Error stored in the future makes
// no cycle. The config is allocated apart (see RequestParts).
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

#include "tether/future.hpp"
#include "tether/request.hpp"
#include "tether/response.hpp"

namespace tether::detail {

// Room for one object of type T with its control block (the vtable pointer,
// two counts and the allocator below, 40 bytes, and the padding before T: a
// static_assert in SlotAllocator::allocate checks the fit).
template <class T>
struct Slot {
  alignas(std::max_align_t) std::byte bytes[sizeof(T) + 48];
};

template <class State>
struct RequestBlock {
  RequestBlock() {}  // the slots stay uninitialised: each is built in place
  Slot<FutureState<Response>> future;
  Slot<State> state;
};

// Hands out one slot of the block (Size bytes), once; keeps the block while
// the control block built there exists (libstdc++ destroys the allocator's
// last copy after deallocate).
template <class T, class Block, std::size_t Size>
class SlotAllocator {
 public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = SlotAllocator<U, Block, Size>;
  };
  SlotAllocator(std::shared_ptr<Block> block, void* slot) noexcept
      : block_(std::move(block)), slot_(slot) {}
  template <class U>
  SlotAllocator(const SlotAllocator<U, Block, Size>& other) noexcept  // NOLINT: rebinding
      : block_(other.block_), slot_(other.slot_) {}

  T* allocate(std::size_t n) {
    static_assert(sizeof(T) <= Size && alignof(T) <= alignof(std::max_align_t),
                  "the slot is too small for the control block and its object");
    if (n != 1) throw std::bad_alloc();  // only the control block, once
    return static_cast<T*>(slot_);
  }
  void deallocate(T*, std::size_t) noexcept {}  // the block goes with block_

  template <class U>
  bool operator==(const SlotAllocator<U, Block, Size>& other) const noexcept {
    return slot_ == other.slot_;
  }

 private:
  template <class U, class B, std::size_t S>
  friend class SlotAllocator;
  std::shared_ptr<Block> block_;
  void* slot_;
};

template <class T, class Block, class SlotT, class... A>
std::shared_ptr<T> make_in_slot(const std::shared_ptr<Block>& block, SlotT& slot, A&&... args) {
  using Alloc = SlotAllocator<T, Block, sizeof(SlotT::bytes)>;
  return std::allocate_shared<T>(Alloc(block, slot.bytes), std::forward<A>(args)...);
}

// What a RequestState starts with: its promise (in the request's block) and
// its config. The config has an allocation of its own: Errors share it and
// may be kept long after the request (logs), and must not keep the block.
struct RequestParts {
  Promise<Response> promise;
  std::shared_ptr<RequestConfig> config;
};

// A State (RequestState or a class derived from it) constructed as
// State(parts, args...), in one allocation with its future state.
template <class State, class... A>
std::shared_ptr<State> make_request_state(const std::shared_ptr<Executor>& executor,
                                          RequestConfig&& config, A&&... args) {
  using Block = RequestBlock<State>;
  auto block = std::make_shared<Block>();
  RequestParts parts{Promise<Response>(AdoptState{}, make_in_slot<FutureState<Response>>(
                                                         block, block->future, executor)),
                     std::make_shared<RequestConfig>(std::move(config))};
  return make_in_slot<State>(block, block->state, std::move(parts), std::forward<A>(args)...);
}

}  // namespace tether::detail
