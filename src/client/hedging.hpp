// Hedged requests: copies of one idempotent request sent after a delay, the
// first success wins and the others are aborted at once. Each copy is a whole
// request of its own (interceptors, retries, its own RequestState and its one
// settle()); the hedge only picks the outcome the caller sees.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "tether/client_options.hpp"
#include "tether/error.hpp"
#include "tether/future.hpp"
#include "tether/request.hpp"
#include "tether/response.hpp"

namespace tether::detail {

struct PreparedConfig;

// What hedges spend. An interface so that the client's retry budget (which
// retries share) can stand in for the hedges' own token bucket.
class ExtraLoadBudget {
 public:
  virtual ~ExtraLoadBudget() = default;
  // A request that may be hedged was sent: earns a share of a token.
  virtual void on_request() noexcept = 0;
  // One extra copy; false when the budget has none left (the copy is not sent).
  virtual bool try_spend() noexcept = 0;
  // A hedged request succeeded (a bucket that earns on successes, as the
  // client's retry budget does, earns here).
  virtual void on_success() noexcept {}
};

// gRPC's retry throttling, in thousandths of a token, without a lock.
class TokenBucketBudget final : public ExtraLoadBudget {
 public:
  explicit TokenBucketBudget(const HedgeBudget& budget);
  void on_request() noexcept override;
  bool try_spend() noexcept override;

 private:
  std::int64_t cap_;
  std::int64_t earn_;
  std::atomic<std::int64_t> milli_tokens_;
};

// The latencies of the client's recent successful copies (the last 256), for
// a delay taken from their percentile.
class LatencyWindow {
 public:
  void record(std::chrono::milliseconds latency);
  // The `p` percentile, once there are at least `min_samples` samples.
  std::optional<std::chrono::milliseconds> percentile(double p, std::size_t min_samples) const;

 private:
  mutable std::mutex mu_;
  std::array<std::chrono::milliseconds, 256> samples_{};
  std::size_t count_ = 0;  // samples recorded, ever
};

// A client's hedging state (EngineOwner::hedging). `budget` caps the hedges'
// own extra load and, when the client has one, also draws on the retry budget
// that retries spend from (make_hedge_state).
struct HedgeState {
  explicit HedgeState(std::shared_ptr<ExtraLoadBudget> hedge_budget)
      : budget(std::move(hedge_budget)) {}
  std::shared_ptr<ExtraLoadBudget> budget;
  LatencyWindow latencies;
};

// Starts one copy of the request now (a whole request: run_request).
using LaunchCopy = std::function<Future<Response>(PreparedConfig&&)>;

// Whether `config` is hedged: a policy with copies, an idempotent method, and
// nothing that a second copy would repeat to the user (streaming, progress).
bool hedgeable(const RequestConfig& config);

// An extra copy whose request interceptors made it non-idempotent (a GET
// turned into a POST) is not sent: this Error, for that copy only. nullopt
// when the copy may go.
std::optional<Error> refuse_hedge_copy(const RequestConfig& config);

// The hedged request: its first copy starts here, on the calling thread; the
// later ones on `executor` (the engine thread). The future settles once, on
// the first success or when no copy is left running.
Future<Response> run_hedged(std::shared_ptr<Executor> executor, std::shared_ptr<HedgeState> state,
                            PreparedConfig&& prepared, LaunchCopy launch);

}  // namespace tether::detail
