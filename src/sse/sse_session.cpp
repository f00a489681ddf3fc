#include "sse/sse_session.hpp"

#include "transport/engine.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace tether::detail {

namespace {

using std::chrono::milliseconds;

// "text/event-stream; charset=utf-8" → "text/event-stream".
std::string mime_essence(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  std::string out(type);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool reopens(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

// A drop worth reconnecting: the network or a timeout (the idle one too), not
// a certificate that will fail again, nor any status the server chose.
bool reconnectable(const Error& e) {
  if (e.response() && !e.response()->ok()) return false;
  switch (e.code()) {
    case ErrorCode::Network:
      return e.transport() != TransportError::TlsVerify;
    case ErrorCode::Timeout:
    case ErrorCode::TimedOut:
      return true;
    default:
      return false;
  }
}

// The session whose callback this thread is running (close() from inside one
// must not wait for itself).
thread_local const SseSession* t_in_callback = nullptr;

}  // namespace

template <class F>
bool SseSession::run_callback(F&& callback) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    ++callbacks_running_;
  }
  const SseSession* outer = std::exchange(t_in_callback, this);
  struct Leave {
    SseSession& self;
    const SseSession* outer;
    ~Leave() {
      t_in_callback = outer;
      std::lock_guard lock(self.mu_);
      --self.callbacks_running_;
      self.callbacks_done_.notify_all();
    }
  } leave{*this, outer};
  callback();
  return true;
}

void SseSession::sync_last_id() {
  std::lock_guard lock(mu_);
  if (last_id_ != parser_.last_event_id()) last_id_ = parser_.last_event_id();
}

SseSession::SseSession(Client client, std::string url, EventSourceOptions options)
    : client_(std::move(client)),
      url_(std::move(url)),
      options_(std::move(options)),
      signal_(AbortSignal::any({controller_.signal(), options_.signal, options_.request.signal})),
      promise_(client_.executor()),
      parser_([this](const SseEvent& event) { on_event(event); },
              [this](milliseconds retry) { retry_ = retry; }, options_.max_event_bytes),
      retry_(options_.retry),
      last_id_(options_.last_event_id) {
  parser_.set_last_event_id(options_.last_event_id);
}

void SseSession::start() {
  std::weak_ptr<SseSession> weak = weak_from_this();
  // Runs at once if the signal is already aborted: then nothing connects.
  registration_ = signal_.on_abort([weak](const AbortReason& reason) {
    if (auto self = weak.lock()) self->end(Error::canceled(reason));
  });
  connect();
}

Future<void> SseSession::finished() {
  return promise_.get_future();
}

void SseSession::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  std::exception_ptr thrown;
  try {
    controller_.abort({"AbortError", "EventSource closed"});
  } catch (...) {
    thrown = std::current_exception();  // (after the wait: the guarantee holds either way)
  }
  // A callback already running on another thread finishes before close()
  // returns; one on this thread (close() from inside it) cannot be waited for,
  // nor one while this is an engine's thread: that callback may be blocked on
  // a request of this thread's client (a deadlock). New callbacks are stopped
  // either way.
  if (on_engine_thread() && t_in_callback != this) {
    if (thrown) std::rethrow_exception(thrown);
    return;
  }
  int own = t_in_callback == this ? 1 : 0;
  {
    std::unique_lock lock(mu_);
    callbacks_done_.wait(lock, [&] { return callbacks_running_ <= own; });
  }
  if (thrown) std::rethrow_exception(thrown);
}

std::string SseSession::last_event_id() const {
  std::lock_guard lock(mu_);
  return last_id_;
}

RequestConfig SseSession::connection_config() {
  RequestConfig config = options_.request;
  config.url = url_;
  if (config.method.empty()) config.method = "GET";
  config.headers.set("Accept", "text/event-stream");
  config.headers.set("Cache-Control", "no-cache");
  // The parser's ID: an event with no data still moves it (the spec's dispatch).
  std::string id = parser_.last_event_id();
  {
    std::lock_guard lock(mu_);
    last_id_ = id;
  }
  if (id.empty()) {
    config.headers.remove("Last-Event-ID");
  } else {
    config.headers.set("Last-Event-ID", std::move(id));
  }
  config.response_type = ResponseType::Stream;
  // A stream opens on a 2xx only (WHATWG: any other status fails the
  // connection), whatever the client's validate_status lets through.
  config.validate_status = [](int status) { return status >= 200 && status <= 299; };
  if (!config.timeout) config.timeout = milliseconds(0);  // none, whatever the client's default
  config.retry = RetryPolicy{.retries = 0};               // reconnection is ours
  config.signal = signal_;
  if (options_.idle_timeout.count() > 0) config.idle_timeout = options_.idle_timeout;
  std::weak_ptr<SseSession> weak = weak_from_this();
  config.on_response = [weak](const ResponseHead& head) {
    if (auto self = weak.lock()) self->opened(head);
  };
  config.on_data = [weak](std::string_view chunk) {
    auto self = weak.lock();
    if (!self) return;
    try {
      self->parser_.feed(chunk);
    } catch (...) {
      self->sync_last_id();
      self->fatal_ = true;  // an event too large, or on_event threw
      throw;
    }
    // An event with no data moves the ID too (dispatched, not handed over).
    self->sync_last_id();
  };
  return config;
}

void SseSession::connect() {
  if (promise_.settled()) return;
  {
    std::lock_guard lock(mu_);
    timer_.reset();
  }
  parser_.reset();
  fatal_ = false;
  ended_ = false;
  move_to(EventSource::ReadyState::Connecting);
  std::weak_ptr<SseSession> weak = weak_from_this();
  // (The continuations run on the engine thread, as the callbacks.)
  client_.request(connection_config())
      .then(
          [weak](Response response) {
            if (auto self = weak.lock()) self->connection_ended(std::move(response));
          },
          [weak](const Error& e) {
            if (auto self = weak.lock()) self->connection_ended(e);
          });
}

void SseSession::opened(const ResponseHead& head) {
  if (head.status == 204) {  // the server says: do not reconnect
    ended_ = true;
    return;
  }
  std::string type = head.headers.get("Content-Type").value_or("");
  if (mime_essence(type) != "text/event-stream") {
    fatal_ = true;
    throw Error(ErrorCode::BadResponse, "EventSource: the response's Content-Type is \"" + type +
                                            "\", not text/event-stream (not reconnecting)");
  }
  failures_ = 0;
  connections_.fetch_add(1);
  move_to(EventSource::ReadyState::Open);
  if (!options_.on_open) return;
  try {
    run_callback([&] { options_.on_open(head); });
  } catch (...) {
    fatal_ = true;
    throw;
  }
}

void SseSession::on_event(const SseEvent& event) {
  // close() from an earlier event of the same chunk: the rest stays unheard.
  if (promise_.settled()) return;
  sync_last_id();  // (the parser's is this event's: the user sees it in on_event)
  if (!options_.on_event) return;
  run_callback([&] { options_.on_event(event); });  // a throw: on_data's catch marks it fatal
}

void SseSession::connection_ended(const Result<Response>& outcome) {
  if (promise_.settled()) return;
  const std::string& method = options_.request.method.empty() ? "GET" : options_.request.method;
  if (outcome) {
    // 204, or a stream that must not be sent again: it ended for good.
    if (ended_ || outcome.value().status == 204 || !reopens(method)) return end(Result<void>());
    return reconnect(Error(ErrorCode::Network, "the server closed the event stream")
                         .with_transport(TransportError::Receive));
  }
  const Error& e = outcome.error();
  if (e.is_cancel() && signal_.aborted()) return end(Error::canceled(*signal_.reason()));
  if (fatal_ || !reconnectable(e) || !reopens(method)) return end(e);
  reconnect(e);
}

void SseSession::reconnect(const Error& why) {
  move_to(EventSource::ReadyState::Connecting);
  ++failures_;
  if (options_.max_reconnects >= 0 && failures_ > options_.max_reconnects) {
    return end(Error(why.code(), std::string(why.what()) + " (EventSource: gave up after " +
                                     std::to_string(options_.max_reconnects) +
                                     " reconnection attempts in a row)")
                   .with_transport(why.transport()));
  }
  if (options_.on_error) {
    try {
      if (!run_callback([&] { options_.on_error(why); })) return;  // closed meanwhile
    } catch (...) {
      return end(Error::from_exception(std::current_exception()));
    }
  }
  double wait = static_cast<double>(retry_.count()) *
                std::pow(std::max(options_.backoff, 1.0), failures_ - 1);
  auto delay = milliseconds(static_cast<long long>(
      std::min(wait, static_cast<double>(options_.max_retry_delay.count()))));
  std::weak_ptr<SseSession> weak = weak_from_this();
  std::lock_guard lock(mu_);
  if (promise_.settled()) return;  // ended meanwhile (close() from another thread)
  timer_ = TimerService::instance().schedule(TimerService::Clock::now() + delay,
                                             [weak, executor = client_.executor()] {
                                               executor->post([weak] {
                                                 if (auto self = weak.lock()) self->connect();
                                               });
                                             });
}

void SseSession::end(Result<void> outcome) {
  // Closed before the future settles: a waiter woken by it sees Closed.
  state_ = EventSource::ReadyState::Closed;
  {
    std::lock_guard lock(mu_);
    closed_ = true;  // the stream's callbacks are over, however it ended
  }
  if (!promise_.settle(std::move(outcome))) return;
  std::optional<TimerService::Id> timer;
  {
    std::lock_guard lock(mu_);
    timer = std::exchange(timer_, std::nullopt);
  }
  if (timer) TimerService::instance().cancel(*timer);
}

}  // namespace tether::detail
