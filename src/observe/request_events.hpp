// The events a RequestState emits itself: Started, and Aborted/Finished from
// the one settle() that wins.
#pragma once

#include <optional>

#include "client/request_state.hpp"

namespace tether::detail {

// What Finished (and Aborted) report, copied out of the outcome before the
// promise takes it: small (an Error is a shared pointer), and built only for a
// request that has an observer.
struct RequestEnding {
  int status = 0;
  RequestPhase phase = RequestPhase::Body;
  std::optional<Error> error{};
  std::optional<AbortReason> reason{};  // an abort
  TransferInfo transfer{};
};

RequestEnding ending_of(const Result<Response>& outcome);
RequestEnding ending_of(const Response& response);
RequestEnding ending_of(const Error& error, const AbortReason* reason = nullptr);

// For a request without a RequestState of its own (a coalesced follower):
// Started, and Aborted (for an abort) then Finished, posted to `executor` (the
// client's engine, where the hook runs, in the order posted).
void post_started(Executor& executor, std::shared_ptr<const RequestObserver> observer);
void post_ending(Executor& executor, std::shared_ptr<const RequestObserver> observer,
                 RequestEnding&& ending, int attempts);

}  // namespace tether::detail
