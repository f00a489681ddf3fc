/// \file
/// The client's event hook (ClientOptions::on_event): what each request does,
/// as it happens, for logs, metrics and traces.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "tether/abort.hpp"
#include "tether/error.hpp"
#include "tether/timings.hpp"

namespace tether {

/// What happened to a request (RequestEvent::kind).
enum class EventKind : std::uint8_t {
  Started,       ///< the request was made (phase Queued)
  Queued,        ///< it waits for a slot (a queue or a concurrency limit)
  Dequeued,      ///< it left that wait
  PhaseChanged,  ///< the transfer moved on (connect, tls, send, await_headers, body, redirect)
  Redirected,    ///< a 3xx was followed: `status`, and `url` is the next URL
  Retried,       ///< a failed try will be retried after `delay`; `error` is the failure
  Hedged,        ///< this request is an extra copy of a hedged one (`attempt`: 1 the first extra),
                 ///< right after its Started; each copy is a request with its own id
  Aborted,       ///< its signal or token aborted it: `reason`
  Finished,      ///< settled: `status` for a response, `error` otherwise; `transfer`
};
/// "started", "queued", "dequeued", "phase_changed", "redirected", "retried",
/// "hedged", "aborted", "finished".
std::string to_string(EventKind kind);

/// One event. The views and pointers are valid during the hook's call only:
/// copy what you keep.
struct RequestEvent {
  EventKind kind = EventKind::Started;  ///< what happened
  std::uint64_t request_id = 0;  ///< unique in the process, the same for all of a request's events
  std::string_view method{};     ///< the request's method
  std::string_view url{};        ///< userinfo redacted; for Redirected the URL followed to
  RequestPhase phase = RequestPhase::None;       ///< where the request is now
  std::chrono::steady_clock::time_point time{};  ///< when it happened
  int attempt = 0;                               ///< the try: 1, then 2 for the first retry, …
  int status = 0;                                ///< Redirected: the 3xx; Finished with a response
  std::chrono::milliseconds delay{0};            ///< Retried: the back-off before the next try
  const AbortReason* reason = nullptr;           ///< Aborted
  const Error* error = nullptr;                  ///< Retried, and Finished with an error
  const TransferInfo* transfer = nullptr;        ///< Finished: the response's or the error's
};

/// Runs on the client's engine thread, one event at a time, a request's events
/// in order (Started first, Finished last). What it throws is dropped: the
/// request goes on as if the hook had returned. Keep it short: it holds up the
/// engine.
using EventHook = std::function<void(const RequestEvent&)>;

}  // namespace tether
