#include "observe/request_events.hpp"

namespace tether::detail {

RequestEnding ending_of(const Response& response) {
  RequestEnding ending;
  ending.status = response.status;
  ending.transfer = response.transfer;
  return ending;
}

RequestEnding ending_of(const Error& error, const AbortReason* reason) {
  RequestEnding ending;
  ending.phase = error.phase();
  ending.error = error;
  if (error.response()) ending.status = error.response()->status;
  if (reason) ending.reason = *reason;
  ending.transfer = error.transfer();
  return ending;
}

RequestEnding ending_of(const Result<Response>& outcome) {
  return outcome ? ending_of(outcome.value()) : ending_of(outcome.error());
}

void RequestState::notify_started(int hedge_copy) {
  if (!observer_) return;
  auto event = [observer = observer_, time = std::chrono::steady_clock::now(), hedge_copy] {
    RequestEvent started;
    started.kind = EventKind::Started;
    started.phase = RequestPhase::Queued;
    started.time = time;
    observer->emit(started);
    if (hedge_copy > 0) {
      RequestEvent hedged;
      hedged.kind = EventKind::Hedged;
      hedged.phase = RequestPhase::Queued;
      hedged.time = time;
      hedged.attempt = hedge_copy;
      observer->emit(hedged);
    }
  };
  // Posted even on the engine thread: the engine runs its queue in order, so
  // Started comes before whatever the request posts or submits next.
  engine_->post(std::move(event));
}

void RequestState::notify_end(RequestEnding&& ending) {
  int attempts = 0;
  {
    std::lock_guard lock(mu_);
    attempts = static_cast<int>(try_number_);
  }
  post_ending(*engine_, observer_, std::move(ending), attempts);
}

void post_started(Executor& executor, std::shared_ptr<const RequestObserver> observer) {
  executor.post([observer = std::move(observer), time = std::chrono::steady_clock::now()] {
    RequestEvent started;
    started.kind = EventKind::Started;
    started.phase = RequestPhase::Queued;
    started.time = time;
    observer->emit(started);
  });
}

void post_ending(Executor& executor, std::shared_ptr<const RequestObserver> observer,
                 RequestEnding&& ending, int attempts) {
  auto events = [observer = std::move(observer), attempts, time = std::chrono::steady_clock::now(),
                 ending = std::move(ending)] {
    if (ending.reason) {
      RequestEvent aborted;
      aborted.kind = EventKind::Aborted;
      aborted.phase = ending.phase;
      aborted.time = time;
      aborted.attempt = attempts;
      aborted.reason = &*ending.reason;
      observer->emit(aborted);
    }
    RequestEvent finished;
    finished.kind = EventKind::Finished;
    finished.phase = ending.phase;
    finished.time = time;
    finished.attempt = attempts;
    finished.status = ending.status;
    finished.error = ending.error ? &*ending.error : nullptr;
    finished.transfer = &ending.transfer;
    observer->emit(finished);
  };
  // The Started post is ahead in the engine's queue: posting keeps the order
  // on every thread (an abort's thread does this one post, O(1)).
  executor.post(std::move(events));
}

}  // namespace tether::detail
