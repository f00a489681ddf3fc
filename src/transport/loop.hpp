// The engine's loop thread: its state and its parts. Private to src/transport.
//
// Each concern lives in a file of its own:
//   engine.cpp     the thread-safe facade (Engine) and libcurl's global set-up
//   reactor.cpp    the loop itself: epoll, the eventfd, curl's socket and timer callbacks
//   mailbox.cpp    the command queue, the abort path and shutdown
//   lifecycle.cpp  a transfer's life: start, redirect, timeouts, reap, complete
//   options.cpp    a TransferSpec mapped to curl options
//   callbacks.cpp  curl's data callbacks (write, read, seek, header, progress, ...)
//   outcome.cpp    curl's result classified as a TransferFailure (a pure function)
//   redirect_policy.cpp  whether and how to follow a 3xx (a pure decision)
//   reason_phrase.cpp    the standard reason phrases (a table)
#pragma once

#include <curl/curl.h>
#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "transport/cookies.hpp"
#include "transport/egress.hpp"
#include "transport/egress_resolve.hpp"
#include "transport/engine.hpp"

namespace tether::detail {

using Clock = std::chrono::steady_clock;

// One request the loop owns, from start() to complete() or cancel().
struct Transfer {
  Transfer() = default;
  // Takes the spec as it is (a default spec would make a TransferStatus only
  // to drop it).
  Transfer(TransferSpec&& s, TransferDone&& d) : spec(std::move(s)), done(std::move(d)) {}

  TransferId id = 0;
  TransferSpec spec;
  TransferDone done;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  curl_mime* mime = nullptr;

  // The request as it is now (a redirect may change each of these).
  std::string method;
  std::string url;
  std::string payload;  // request body bytes (all kinds but Form)
  bool has_body = false;
  std::size_t payload_sent = 0;
  // The request went out on a connection this many times since the last
  // (re)start: curl silently resends a request whose reused connection died
  // before any answer, which a non-idempotent one must not be.
  std::uint8_t sends = 0;

  // The response being received.
  TransferResult result;
  bool final_headers_done = false;
  bool discard_body = false;         // a 3xx about to be followed
  bool stream_body = false;          // on_data gets the body (its head passed validate_status)
  bool paused = false;               // the write callback paused curl (FlowControl)
  std::uint64_t flow_token = 0;      // its binding to its FlowControl (FlowState::bind)
  std::int64_t content_length = -1;  // the response's Content-Length, once seen
  std::uint64_t body_received = 0;
  std::uint64_t discarded = 0;  // redirect body bytes dropped (capped too)
  // Set by a callback that stopped the transfer (on the heap: rarely used, and
  // 10,000 transfers in flight should not carry its room).
  std::unique_ptr<TransferFailure> failure;

  Clock::time_point started;
  Clock::time_point last_activity;
  std::optional<Clock::time_point> idle_due;  // its entry in the loop's idle_deadlines_
  curl_socket_t socket = CURL_SOCKET_BAD;     // the socket curl last watched for it
  std::uint8_t handle_kind = 0;               // Loop::plain_kind of the easy handle's setup
  curl_off_t last_up = 0;
  curl_off_t last_down = 0;
  char error[CURL_ERROR_SIZE] = {};

  // Security: the engine's egress policy, for on_open_socket (null: none), and
  // the first address it refused on this hop (reported if none connects).
  const EgressRules* egress = nullptr;
  std::string egress_refusal;
  bool egress_allowed = false;  // some address of this hop passed the policy

  void set_phase(RequestPhase p) {
    if (!spec.extras || !spec.extras->on_event) {
      spec.status->phase.store(p, std::memory_order_relaxed);
      return;
    }
    // Stored first: a hook that reacts (aborts) sees the phase it was told of.
    if (spec.status->phase.exchange(p, std::memory_order_relaxed) != p) notify_phase(p);
  }
  RequestPhase phase() const { return spec.status->phase.load(std::memory_order_relaxed); }
  bool maybe_delivered() const {
    return spec.status->maybe_delivered.load(std::memory_order_relaxed);
  }
  TransferFailure make_failure(ErrorCode code, std::string message,
                               TransportError transport = TransportError::None) const {
    return TransferFailure{code,         std::move(message), phase(), maybe_delivered(),
                           std::nullopt, transport};
  }
  std::unique_ptr<TransferFailure> make_failure_ptr(
      ErrorCode code, std::string message, TransportError transport = TransportError::None) const {
    return std::make_unique<TransferFailure>(make_failure(code, std::move(message), transport));
  }
  // The FlowControl stops waking this transfer (it is over).
  void unbind_flow() {
    if (flow_token == 0) return;
    spec.options().flow->unbind(flow_token);
    flow_token = 0;
  }
  // Whether the deadline of the whole request (its `timeout`) has passed.
  bool past_deadline(Clock::time_point now) const {
    return spec.timeout.count() > 0 && now - started >= spec.timeout;
  }

  // Allocation failures (issue 12): a curl callback ran out of memory, and the
  // failure that says so, built without allocating (a short string stays in
  // place), so that it can end a transfer when memory has run out.
  bool out_of_memory = false;
  TransferFailure out_of_memory_failure() const noexcept {
    return TransferFailure{ErrorCode::Unknown, "std::bad_alloc", phase(),
                           maybe_delivered(),  std::nullopt,     TransportError::None};
  }
  // --- observability (transfer_info.cpp) ---
  Clock::time_point submitted;                // handed to Engine::submit
  std::chrono::microseconds redirect_time{};  // the hops before this one
  void notify_phase(RequestPhase p);
  void notify_redirect(long status);
  // The timings, bytes and reuse curl reports for this transfer now.
  TransferInfo read_info() const;
};

struct Command {
  enum class Kind { Start, Cancel, Task, Shutdown } kind;
  TransferId id = 0;
  std::unique_ptr<Transfer> transfer;
  std::function<void()> task;
};

struct Engine::Loop {
  Loop();
  ~Loop();

  // Any thread. False (and `command` left as it was) once the loop has stopped.
  // Cancels this thread holds back (cancel_batch.cpp) go first, in order.
  bool push(Command& command);
  // Any thread: one Cancel per id, under one lock, with at most one wake-up.
  void push_cancels(const std::vector<TransferId>& ids) noexcept;
  TransferId next_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // Loop thread only.
  void run();
  // Resumes a transfer paused by its FlowControl, unless paused again.
  void unpause(TransferId id);
  std::size_t idle_timer_count() const { return idle_deadlines_.size(); }
  std::vector<RequestPhase> phases() const;

  std::thread thread;
  std::atomic<std::thread::id> thread_id{};
  std::atomic<std::size_t> active{0};

  std::mutex mu;
  std::vector<Command> queue;  // guarded by mu
  bool stopped = false;        // guarded by mu: the loop has exited, posts go elsewhere
  bool shutdown_requested = false;
  // Security: the client's egress policy (set before the thread starts; null: none).
  std::shared_ptr<const EgressRules> egress;
  std::shared_ptr<const NameOverrides> resolve;  // ClientOptions::resolve (null: none)

  // Cookies: the client's jar (null: cookies off); the loop's thread only,
  // once the thread runs.
  std::unique_ptr<CookieJar> cookie_jar;

 private:
  // mailbox.cpp
  void wake(bool queue_was_empty) noexcept;
  bool run_commands();  // false once shutdown was asked for
  void run_task(std::function<void()>& task);
  void shut_socket(TransferId id);
  // curl_multi_remove_handle for a transfer cut short (abort, idle timeout,
  // shutdown): any connection curl closes meanwhile is reset, not closed.
  void remove_abortively(Transfer& t);
  void cancel(TransferId id);
  void shutdown_all();

  // lifecycle.cpp
  // `t` stays the caller's if an allocation fails before the map holds it.
  void start(std::unique_ptr<Transfer>&& t);
  // start(), and when an allocation fails in it, the transfer's failure.
  void start_or_fail(std::unique_ptr<Transfer>& t) noexcept;
  // reap()'s finish(), and when an allocation fails in it, the transfer's failure.
  void finish_or_fail(TransferId id, CURLcode code) noexcept;
  void fail_in_place(Transfer& t) noexcept;
  void reap();
  void finish(Transfer& t, CURLcode code);
  void succeed(Transfer& t);
  bool follow_redirect(Transfer& t);
  void complete(Transfer& t, TransferOutcome&& outcome);
  std::unique_ptr<Transfer> detach(Transfer& t);
  void reset_handle(CURL* easy) noexcept;
  void check_idle(Clock::time_point now);

  // options.cpp
  void configure(Transfer& t);
  void configure_body(Transfer& t);
  void configure_headers(Transfer& t);
  void configure_transport(Transfer& t);
  void set_pointers(Transfer& t);
  static std::uint8_t plain_kind(const std::string& method, const std::string& url, bool has_body,
                                 const Transfer& t);

  // reactor.cpp
  int next_timeout_ms(Clock::time_point now) const;
  void dispatch(const epoll_event* events, int n);
  static int on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void*);
  static int on_timer(CURLM*, long timeout_ms, void* userp);
  static int on_close_socket(void* userp, curl_socket_t s);

  struct SocketState {
    std::uint32_t events = 0;  // what epoll watches for (0: not in epoll)
    bool wanted = false;       // what curl asked for last was not "remove"
    TransferId owner = 0;      // the transfer that last used it (0: none)
  };
  SocketState& socket_state(curl_socket_t s) {
    if (static_cast<std::size_t>(s) >= sockets_.size()) sockets_.resize(s + 1024);
    return sockets_[s];
  }

  // callbacks.cpp
  static size_t on_write(char* data, size_t size, size_t n, void* userp);
  static size_t on_read(char* buffer, size_t size, size_t n, void* userp);
  static size_t read_upload(Transfer& t, char* buffer, size_t len);
  static bool rewind_upload(Transfer& t, long status);
  static int on_seek(void* userp, curl_off_t offset, int origin);
  static size_t on_header(char* data, size_t size, size_t n, void* userp);
  static bool framing_ok(Transfer& t, std::string_view content_length);
  static bool start_body(Transfer& t);
  static int on_prereq(void* userp, char*, char*, int, int);
  static CURLcode on_ssl_ctx(CURL*, void*, void* userp);
  static int on_progress(void* userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow);
  // egress_socket.cpp: opens a connection's socket if the egress policy allows its address.
  static curl_socket_t on_open_socket(void* userp, curlsocktype purpose, curl_sockaddr* address);

  CURLM* multi_ = nullptr;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<TransferId> next_id_{1};
  std::unordered_map<TransferId, std::unique_ptr<Transfer>> transfers_;
  std::optional<Clock::time_point> curl_deadline_;
  std::set<std::pair<Clock::time_point, TransferId>> idle_deadlines_;
  // Easy handles kept for reuse, with the kind of configuration each still
  // carries (see plain_kind).
  std::vector<std::pair<CURL*, std::uint8_t>> spare_handles_;
  std::vector<Command> spare_batch_;  // run_commands' batch, kept for its capacity
  bool local_pending_ = false;        // the loop queued a command for itself
  bool removing_abortively_ = false;  // inside remove_abortively (on_close_socket reads it)
  std::vector<SocketState> sockets_;  // by descriptor
  // Allocation failures (issue 12): a socket could not be watched; the loop
  // fails the transfers marked out_of_memory.
  bool oom_sweep_ = false;
  void fail_out_of_memory() noexcept;
};

// cancel_batch.cpp: inside a BatchScope (one abort() of many requests) the
// cancels of this thread are held and reach `loop` as one push when the scope
// ends. False (nothing held) outside a scope: push the cancel now.
bool hold_cancel(const std::shared_ptr<Engine::Loop>& loop, TransferId id) noexcept;
// Pushes what this thread holds now (before any other command of its own).
void flush_held_cancels() noexcept;
bool holding_cancels() noexcept;

// Makes the next close of socket `s` abortive (RST): a FIN would queue behind
// request bytes that a stalled server never reads.
void make_close_abortive(curl_socket_t s);

}  // namespace tether::detail
