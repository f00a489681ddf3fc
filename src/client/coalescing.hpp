// Coalescing (single-flight): identical requests in flight at once share one
// transfer, with reference-counted cancellation — each caller's abort
// detaches that caller only, and the transfer is aborted with the last one.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "client/hedging.hpp"
#include "tether/coalescing.hpp"
#include "tether/events.hpp"

namespace tether::detail {

// A client's requests in flight, by key (EngineOwner::coalescing).
class CoalesceTable : public std::enable_shared_from_this<CoalesceTable> {
 public:
  // The request joins the transfer in flight for its key, or starts one with
  // `launch`; a request that cannot be coalesced (see tether/coalescing.hpp)
  // is simply launched. `executor` is where the caller's future continues
  // and, with the client's event `hook`, where a follower's own Started and
  // Finished are heard.
  Future<Response> join(PreparedConfig&& prepared, const CoalescePolicy& policy,
                        const std::shared_ptr<Executor>& executor, const LaunchCopy& launch,
                        const std::shared_ptr<const EventHook>& hook);

  // For tests: transfers in flight.
  std::size_t in_flight() const;

  struct Caller;
  struct Flight;

 private:
  void start(const std::shared_ptr<Flight>& flight, PreparedConfig prepared,
             const LaunchCopy& launch);
  void complete(const std::shared_ptr<Flight>& flight, Result<Response>&& outcome);
  void detach(const std::shared_ptr<Flight>& flight, const std::shared_ptr<Caller>& caller,
              const AbortReason& reason);

  // The table and every flight's callers; nothing is called under it but an
  // engine post (a follower's Started).
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

// The built-in key (CoalescePolicy::headers), or "" when `config` cannot be
// coalesced whatever the key.
std::string coalesce_key(const RequestConfig& config, const CoalescePolicy& policy);
bool coalescable(const RequestConfig& config);
// Whether a request (before the client's defaults are merged in) brings
// callbacks of its own: a transfer shared with others must not run them.
bool has_own_callbacks(const RequestConfig& config);

}  // namespace tether::detail
