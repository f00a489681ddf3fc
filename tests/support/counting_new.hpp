// Replaces the global operator new/delete with malloc/free, counting the
// allocations a thread makes while its `counting_allocations` flag is set
// (the abort path's allocation test and the abort storm bench).
//
// Defines the replacement functions: include it in exactly ONE translation
// unit of a program (a replacement may not be inline).
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace tether::test {

inline thread_local bool counting_allocations = false;
inline std::atomic<long> counted_allocations{0};

namespace counting_new_detail {
inline void* allocate(std::size_t n) {
  if (counting_allocations) counted_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace counting_new_detail

}  // namespace tether::test

void* operator new(std::size_t n) {
  return tether::test::counting_new_detail::allocate(n);
}
void* operator new[](std::size_t n) {
  return tether::test::counting_new_detail::allocate(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (tether::test::counting_allocations) {
    tether::test::counted_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
