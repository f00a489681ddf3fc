// Micro-benchmarks of the cancellation primitives and Future.
// Run: make bench (or build/bench/tether_bench_primitives).
#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include "tether/abort.hpp"
#include "tether/future.hpp"

namespace {

// An executor that drops tasks: measures settlement, not a thread hop.
struct NullExecutor final : tether::Executor {
  void post(std::function<void()>) override {}
  bool running_in_this_thread() const noexcept override { return false; }
};

void BM_OnAbortRegisterUnregister(benchmark::State& state) {
  tether::AbortController controller;
  auto signal = controller.signal();
  for (auto _ : state) {
    auto reg = signal.on_abort([](const tether::AbortReason&) {});
    benchmark::DoNotOptimize(reg);
  }
}
BENCHMARK(BM_OnAbortRegisterUnregister);

// Times abort() alone (manual time): setting up the listeners is not counted.
void BM_AbortWithListeners(benchmark::State& state) {
  const auto listeners = state.range(0);
  int hits = 0;
  for (auto _ : state) {
    tether::AbortController controller;
    std::vector<tether::AbortRegistration> regs;
    regs.reserve(listeners);
    for (int i = 0; i < listeners; ++i) {
      regs.push_back(controller.signal().on_abort([&hits](const tether::AbortReason&) { ++hits; }));
    }
    auto start = std::chrono::steady_clock::now();
    controller.abort();
    auto stop = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(stop - start).count());
  }
  benchmark::DoNotOptimize(hits);
}
BENCHMARK(BM_AbortWithListeners)->Arg(1)->Arg(100)->UseManualTime();

void BM_AnyOfTwo(benchmark::State& state) {
  tether::AbortController a, b;
  std::vector<tether::AbortSignal> sources{a.signal(), b.signal()};
  for (auto _ : state) {
    auto any = tether::AbortSignal::any(sources);
    benchmark::DoNotOptimize(any);
  }
}
BENCHMARK(BM_AnyOfTwo);

void BM_TimeoutSignalCreateDrop(benchmark::State& state) {
  for (auto _ : state) {
    auto signal = tether::AbortSignal::timeout(std::chrono::hours(1));
    benchmark::DoNotOptimize(signal);
  }
}
BENCHMARK(BM_TimeoutSignalCreateDrop);

void BM_FutureSettleGet(benchmark::State& state) {
  auto executor = std::make_shared<NullExecutor>();
  for (auto _ : state) {
    tether::Promise<int> promise(executor);
    auto future = promise.get_future();
    promise.set_value(1);
    benchmark::DoNotOptimize(future.get());
  }
}
BENCHMARK(BM_FutureSettleGet);

void BM_FutureThenOnDefaultExecutor(benchmark::State& state) {
  for (auto _ : state) {
    tether::Promise<int> promise;
    auto next = promise.get_future().then([](int v) { return v + 1; });
    promise.set_value(1);
    benchmark::DoNotOptimize(next.get());
  }
}
BENCHMARK(BM_FutureThenOnDefaultExecutor);

}  // namespace
