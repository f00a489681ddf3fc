// One EventSource's life: connect, stream, drop, wait, reconnect, until it
// ends for good. Every step runs on the client's engine thread but the first
// connect and close(); the Promise settles once, whoever gets there first.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "abort/timer_service.hpp"
#include "tether/sse.hpp"

namespace tether::detail {

class SseSession : public std::enable_shared_from_this<SseSession> {
 public:
  SseSession(Client client, std::string url, EventSourceOptions options);

  // Starts the first connection (after the constructor: it needs shared_from_this).
  void start();
  Future<void> finished();
  void close();

  EventSource::ReadyState ready_state() const noexcept { return state_.load(); }
  std::string last_event_id() const;
  int connections() const noexcept { return connections_.load(); }

 private:
  void connect();
  RequestConfig connection_config();
  // The connection's head arrived (on_response): open, or refuse it.
  void opened(const ResponseHead& head);
  void on_event(const SseEvent& event);
  void connection_ended(const Result<Response>& outcome);
  void reconnect(const Error& why);
  // Settles the stream; only the first call does anything.
  void end(Result<void> outcome);
  // Runs a user callback (on_open, on_event, on_error) unless the stream has
  // ended; false when it did not run. close() waits for one running on
  // another thread, so that none runs after close() returns.
  template <class F>
  bool run_callback(F&& callback);
  // last_event_id() follows the parser's (every dispatch, with data or not).
  void sync_last_id();
  // Connecting or Open, unless already Closed (an abort may race the engine).
  void move_to(EventSource::ReadyState next) {
    auto now = state_.load();
    while (now != EventSource::ReadyState::Closed && !state_.compare_exchange_weak(now, next)) {
    }
  }

  Client client_;
  const std::string url_;
  const EventSourceOptions options_;
  AbortController controller_;  // close()
  AbortSignal signal_;          // close() or options_.signal
  Promise<void> promise_;
  AbortRegistration registration_;

  // Engine thread only (each connection's callbacks and continuations).
  SseParser parser_;
  std::chrono::milliseconds retry_;
  int failures_ = 0;    // reconnections in a row without an open
  bool fatal_ = false;  // this connection's error must not be retried
  bool ended_ = false;  // HTTP 204: the server wants no more

  std::atomic<EventSource::ReadyState> state_{EventSource::ReadyState::Connecting};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;  // guards the ones below; no user code runs under it
  std::string last_id_;
  std::optional<TimerService::Id> timer_;  // the pending reconnection
  bool closed_ = false;                    // no callback starts any more
  int callbacks_running_ = 0;
  std::condition_variable callbacks_done_;  // callbacks_running_ went down
};

}  // namespace tether::detail
