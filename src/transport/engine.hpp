// The engine: one event-loop thread over libcurl's multi interface (the
// socket-action API over epoll). It owns every CURL handle; other threads talk
// to it only through its command queue, woken by an eventfd.
//
// No curl type appears here, so the client layer never sees curl.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tether/cookies.hpp"
#include "tether/error.hpp"
#include "tether/events.hpp"
#include "tether/executor.hpp"
#include "tether/headers.hpp"
#include "tether/request.hpp"
#include "transport/flow_state.hpp"
#include "transport/transfer_done.hpp"

namespace tether::detail {

using TransferId = std::uint64_t;
class UploadSource;

// Where a transfer is; written by the engine thread, read by any thread (an
// abort reports it in its Error).
struct TransferStatus {
  std::atomic<RequestPhase> phase{RequestPhase::Queued};
  std::atomic<bool> maybe_delivered{false};  // request bytes may have been sent
};

// Everything the engine needs for one request, already validated by the
// client layer (method token, absolute http(s) URL, header bytes).
struct TransferSpec {
  std::string method;
  std::string url;
  Headers headers;
  // The request body, serialised by the client layer off the engine thread:
  // `payload` holds the bytes of every kind of body but a Form (whose parts
  // curl streams itself, from `form`); `payload_type` is its default
  // Content-Type.
  bool has_payload = false;
  std::string payload;
  std::string payload_type;
  std::optional<Form> form;
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds idle_timeout{0};
  bool clarify_timeout_error = false;
  int max_redirects = 21;
  std::int64_t max_content_length = -1;
  bool decompress = true;
  bool keep_body = true;  // false when the body only streams to on_data
  HttpVersion http_version = HttpVersion::Auto;
  // Options most requests leave unset, out of line so that 10,000 transfers in
  // flight do not carry their room. Null: all unset.
  struct Extras {
    std::optional<Auth> auth{};
    std::optional<Proxy> proxy{};
    TlsOptions tls{};
    std::function<void(const ProgressEvent&)> on_upload_progress{};
    std::function<void(const ProgressEvent&)> on_download_progress{};
    std::function<void(std::string_view)> on_data{};
    // With on_data: the final response's head is checked by validate_status
    // (empty: 2xx) and shown to on_response before any body byte; a rejected
    // response's body is kept for its Error, not streamed.
    std::function<void(const ResponseHead&)> on_response{};
    std::function<bool(int)> validate_status{};
    std::shared_ptr<FlowState> flow{};  // pauses on_data's body; null: never
    bool proxy_from_env = false;        // let curl read *_proxy / NO_PROXY
    // --- observability: the loop's events (PhaseChanged, Redirected), on the
    // loop thread; the client layer fills in the request's fields. Empty:
    // none is built.
    std::function<void(RequestEvent&)> on_event{};
  };
  std::unique_ptr<Extras> extras;
  const Extras& options() const {
    static const Extras none;
    return extras ? *extras : none;
  }
  std::shared_ptr<TransferStatus> status = std::make_shared<TransferStatus>();
  // Headers that stay with one origin (a client's default headers, bound to
  // its base_url's origin): dropped when a redirect leaves it.
  std::vector<std::string> origin_bound_headers;
  std::string bound_origin;  // "scheme://host:port"
  // Streaming uploads: a Body::file / Body::stream read as curl asks for it
  // (has_payload is set, payload stays empty); null for any other body.
  std::shared_ptr<UploadSource> upload;
};

// "scheme://host:port" of an absolute URL (default port filled in), lower-cased
// as curl parses it; empty if it does not parse.
std::string origin_of(const std::string& url);

// TransferDone (transfer_done.hpp) is called once on the engine thread with
// the outcome; never for a transfer that was canceled (whoever canceled
// settled the request).

class EgressRules;
class NameOverrides;

// A stand-in for the network (the test kit's MockTransport): an engine given
// one hands it every transfer instead of curl, and stays the executor. It
// calls `done` at most once, on the engine's thread (through `loop`), never
// after cancel(id); shutdown() fails what it still holds as Canceled.
class TransferHandler {
 public:
  virtual ~TransferHandler() = default;
  virtual void submit(TransferId id, TransferSpec spec, TransferDone done,
                      std::weak_ptr<Executor> loop) = 0;
  virtual void cancel(TransferId id) = 0;
  virtual void shutdown() = 0;
};

// What a client fixes in its engine when it starts it.
struct EngineSettings {
  std::shared_ptr<TransferHandler> handler{};   // transfers go here, not to curl
  std::optional<std::string> cookie_file{};     // a cookie jar ("": in memory only)
  std::shared_ptr<const EgressRules> egress{};  // checked on every connection
  // Name overrides (ClientOptions::resolve; null: none).
  std::shared_ptr<const NameOverrides> resolve{};
};

class Engine final : public Executor, public std::enable_shared_from_this<Engine> {
 public:
  // Starts the loop thread. Throws Error(BadOptionValue) if libcurl lacks an
  // asynchronous resolver (a blocking one would stall the loop).
  static std::shared_ptr<Engine> start(EngineSettings settings = {});
  ~Engine() override;

  // Any thread. Queues a transfer; the returned id cancels it.
  TransferId submit(TransferSpec spec, TransferDone done);
  // Any thread. Stops the transfer: removes it from curl (closing an HTTP/1.1
  // connection, resetting an HTTP/2 stream) without calling its done. A no-op
  // for a transfer already finished or unknown.
  void cancel(TransferId id);

  // Executor: tasks run on the loop thread in FIFO order. After shutdown they
  // go to default_executor().
  void post(std::function<void()> task) override;
  bool running_in_this_thread() const noexcept override;

  // Fails every transfer in flight with Canceled (reason "client destroyed"),
  // runs the tasks that follows, and joins the thread (detaches it if called
  // from the loop thread itself). Idempotent.
  void shutdown();

  // For tests and benchmarks: transfers the loop currently owns.
  std::size_t active_transfers() const noexcept;
  // For tests: idle-timeout entries the loop holds (asks the loop; never call
  // it from the loop thread).
  std::size_t idle_timers();
  // For tests: the phase of each transfer the loop owns (asks the loop; never
  // call it from the loop thread), so a test waits on a phase, not a sleep.
  std::vector<RequestPhase> transfer_phases();

  // The cookie jar (cookies.cpp), answered on the loop's thread (inline from
  // it). Without a jar: no cookies, clear does nothing, save throws.
  std::vector<Cookie> cookies();
  void clear_cookies();
  // Writes the jar to its file; throws Error(BadOptionValue) saying why not.
  void save_cookies();

  // The loop thread's state (curl handles, epoll, the queue). The thread holds
  // it too, so an Engine destroyed on its own loop thread is safe.
  struct Loop;
  explicit Engine(std::shared_ptr<Loop> loop,
                  std::shared_ptr<TransferHandler> handler = nullptr) noexcept
      : loop_(std::move(loop)), handler_(std::move(handler)) {}

 private:
  std::shared_ptr<Loop> loop_;
  std::shared_ptr<TransferHandler> handler_;  // null: curl moves the bytes
};

// True on the loop thread of any engine (where every client's callbacks and
// continuations run): code there must not wait for another client's callback,
// which may be waiting for this thread.
bool on_engine_thread() noexcept;

}  // namespace tether::detail
