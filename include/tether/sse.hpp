/// \file
/// EventSource: server-sent events (the browser's EventSource, for C++), on a
/// Client's streaming path. It connects, parses text/event-stream, hands each
/// event to on_event, and reconnects after a drop (sending Last-Event-ID, after
/// the server's `retry:` delay) until the stream ends for good.
///
/// Threads: on_open, on_event and on_error run on the client's engine thread,
/// one at a time and never under an internal lock; keep them short. What they
/// throw ends the stream with that error (no reconnection). close(), the
/// accessors and the destructor may be called from any thread, callbacks
/// included.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "tether/abort.hpp"
#include "tether/client.hpp"
#include "tether/error.hpp"
#include "tether/future.hpp"
#include "tether/request.hpp"
#include "tether/sse_parser.hpp"

namespace tether {

namespace detail {
class SseSession;
}

/// How an EventSource connects, reconnects and calls back (its callbacks run on
/// the client's engine thread; what they throw ends the stream with that error).
struct EventSourceOptions {
  /// The request made for each connection: headers, auth, TLS, proxy, params,
  /// connect_timeout… (merged over the client's defaults as any request). The
  /// stream sets its own url, response_type, on_response, on_data, signal and
  /// Accept; `timeout` defaults to none here (a stream is long by nature) and
  /// the client's RetryPolicy is off (reconnection is the stream's own). A
  /// method other than GET / HEAD / OPTIONS is sent once: no reconnection.
  RequestConfig request{};
  /// Ends the stream at once: the connection is closed, no reconnection, the
  /// future settles Canceled.
  AbortSignal signal{};
  /// Sent as Last-Event-ID on the first connection (resuming a stream).
  std::string last_event_id{};
  /// Wait before reconnecting, until the server sends `retry:`.
  std::chrono::milliseconds retry{3000};
  /// Each reconnection after another without an open in between waits
  /// `backoff` times longer, up to max_retry_delay (1.0: the browser's constant
  /// delay).
  double backoff = 1.0;
  /// The cap on one wait before reconnecting.
  std::chrono::milliseconds max_retry_delay{60'000};
  /// Reconnections in a row that may fail before the stream ends with the last
  /// error; an open stream resets the count. -1: no limit (as browsers).
  int max_reconnects = -1;
  /// A connection silent this long (no byte, comments included) is dropped and
  /// reconnected; 0: never.
  std::chrono::milliseconds idle_timeout{0};
  /// Bound on one event's buffered bytes (a stream without line breaks must not
  /// grow memory forever): past it, the stream ends with BadResponse.
  std::size_t max_event_bytes = 8u << 20;

  /// The connection is open: a 2xx with Content-Type text/event-stream.
  std::function<void(const ResponseHead& head)> on_open{};
  /// Each event dispatched (one with empty data is not).
  std::function<void(const SseEvent& event)> on_event{};
  /// The connection dropped and will be reopened (after the retry delay).
  std::function<void(const Error& error)> on_error{};
};

/// The WHATWG EventSource over a Client: server-sent events, with reconnection
/// and Last-Event-ID. close(), the accessors and the destructor may be called
/// from any thread, callbacks included.
class EventSource {
 public:
  /// The DOM's readyState: connecting (or reconnecting), open, closed for good.
  enum class ReadyState { Connecting, Open, Closed };

  /// Connects at once (asynchronously; nothing runs inline). `client` is a
  /// handle: the stream keeps its engine alive until it ends.
  EventSource(Client client, std::string url, EventSourceOptions options = {});
  /// Move-only: one owner closes the stream.
  ///@{
  EventSource(EventSource&&) noexcept;
  EventSource& operator=(EventSource&&) noexcept;
  ///@}
  EventSource(const EventSource&) = delete;
  EventSource& operator=(const EventSource&) = delete;
  /// Closes the stream (as close()).
  ~EventSource();

  /// Settles once the stream has ended for good: with no value when the server
  /// ended it (HTTP 204); Canceled after close() or the signal; the Error of a
  /// response that must not be retried (a non-2xx status, a Content-Type other
  /// than text/event-stream, an event over max_event_bytes, a callback that
  /// threw); the last network error once max_reconnects is spent. One call per
  /// EventSource (a second throws Error(BadOptionValue)).
  Future<void> finished();

  /// Ends the stream now (the connection is closed at once) and stops
  /// reconnecting. Idempotent; any thread. After it returns, no on_open,
  /// on_event or on_error of this EventSource runs: one running on another
  /// thread is waited for (so do not call close() while holding a lock your
  /// callbacks take); called from inside a callback, it returns at once and
  /// that callback is the last. Called from a callback or continuation of any
  /// client (an engine's thread), it does not wait either: a callback running
  /// elsewhere at that moment may still finish.
  void close();

  /// Where the stream is now.
  ReadyState ready_state() const noexcept;
  /// The ID of the last event dispatched, as WHATWG defines it (an `id:`
  /// whose event had no data counts; one whose blank line never came does
  /// not): sent as Last-Event-ID on the next reconnection.
  std::string last_event_id() const;
  /// Connections opened so far (the first one included).
  int connections() const noexcept;

 private:
  std::shared_ptr<detail::SseSession> session_;
};

}  // namespace tether
