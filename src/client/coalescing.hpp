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

namespace tether::detail {

// A client's requests in flight, by key (EngineOwner::coalescing).
class CoalesceTable : public std::enable_shared_from_this<CoalesceTable> {
 public:
  // The request joins the transfer in flight for its key, or starts one with
  // `launch`; a request that cannot be coalesced (see tether/coalescing.hpp)
  // is simply launched. `executor` is where the caller's future continues.
  Future<Response> join(PreparedConfig&& prepared, const CoalescePolicy& policy,
                        const std::shared_ptr<Executor>& executor, const LaunchCopy& launch);

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

  mutable std::mutex mu_;  // the table and every flight's callers; nothing is called under it
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

// The built-in key (CoalescePolicy::headers), or "" when `config` cannot be
// coalesced whatever the key.
std::string coalesce_key(const RequestConfig& config, const CoalescePolicy& policy);
bool coalescable(const RequestConfig& config);

}  // namespace tether::detail
