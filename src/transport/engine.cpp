#include "transport/engine.hpp"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tether::detail {

namespace {

using Clock = std::chrono::steady_clock;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    // 10,000 transfers in flight need 10,000 sockets: lift the soft limit on
    // open files to the hard one, as servers do.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 1 << 20);
      setrlimit(RLIMIT_NOFILE, &limit);
    }
  });
}

const char* standard_reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 418:
      return "I'm a teapot";
    case 422:
      return "Unprocessable Content";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string origin_of(const std::string& url) {
  CURLU* u = curl_url();
  std::string origin;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      origin = std::string(scheme) + "://" + host + ":" + port;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return origin;
}

namespace {

bool is_http_scheme(const std::string& origin) {
  return origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0;
}

struct Transfer {
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

  // The response being received.
  TransferResult result;
  bool final_headers_done = false;
  bool discard_body = false;  // a 3xx about to be followed
  std::uint64_t body_received = 0;
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

  void set_phase(RequestPhase p) { spec.status->phase.store(p, std::memory_order_relaxed); }
  RequestPhase phase() const { return spec.status->phase.load(std::memory_order_relaxed); }
  bool maybe_delivered() const {
    return spec.status->maybe_delivered.load(std::memory_order_relaxed);
  }
  TransferFailure make_failure(ErrorCode code, std::string message) const {
    return TransferFailure{code, std::move(message), phase(), maybe_delivered(), std::nullopt};
  }
  std::unique_ptr<TransferFailure> make_failure_ptr(ErrorCode code, std::string message) const {
    return std::make_unique<TransferFailure>(make_failure(code, std::move(message)));
  }
};

struct Command {
  enum class Kind { Start, Cancel, Task, Shutdown } kind;
  TransferId id = 0;
  std::unique_ptr<Transfer> transfer;
  std::function<void()> task;
};

}  // namespace

struct Engine::Loop {
  Loop();
  ~Loop();

  // Any thread. False (and `command` left as it was) once the loop has stopped.
  bool push(Command& command);
  TransferId next_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // Loop thread only.
  void run();
  std::size_t idle_timer_count() const { return idle_deadlines_.size(); }

  std::thread thread;
  std::atomic<std::thread::id> thread_id{};
  std::atomic<std::size_t> active{0};

  std::mutex mu;
  std::vector<Command> queue;  // guarded by mu
  bool stopped = false;        // guarded by mu: the loop has exited, posts go elsewhere
  bool shutdown_requested = false;

 private:
  bool run_commands();  // false once shutdown was asked for
  void start(std::unique_ptr<Transfer> t);
  void configure(Transfer& t);
  void set_pointers(Transfer& t);
  static std::uint8_t plain_kind(const std::string& method, const std::string& url, bool has_body,
                                 const Transfer& t);
  void shut_socket(TransferId id);
  void cancel(TransferId id);
  void reap();
  void finish(Transfer& t, CURLcode code);
  bool follow_redirect(Transfer& t);
  void complete(Transfer& t, TransferOutcome&& outcome);
  std::unique_ptr<Transfer> detach(Transfer& t);
  void check_idle(Clock::time_point now);
  int next_timeout_ms(Clock::time_point now) const;
  void shutdown_all();
  void run_task(std::function<void()>& task);

  static int on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void*);
  static int on_timer(CURLM*, long timeout_ms, void* userp);
  static int on_close_socket(void* userp, curl_socket_t s);

  struct SocketState {
    std::uint32_t events = 0;  // what epoll watches for (0: not in epoll)
    bool wanted = false;       // what curl asked for last was not "remove"
  };
  SocketState& socket_state(curl_socket_t s) {
    if (static_cast<std::size_t>(s) >= sockets_.size()) sockets_.resize(s + 1024);
    return sockets_[s];
  }
  static size_t on_write(char* data, size_t size, size_t n, void* userp);
  static size_t on_read(char* buffer, size_t size, size_t n, void* userp);
  static int on_seek(void* userp, curl_off_t offset, int origin);
  static size_t on_header(char* data, size_t size, size_t n, void* userp);
  static int on_prereq(void* userp, char*, char*, int, int);
  static CURLcode on_ssl_ctx(CURL*, void*, void* userp);
  static int on_progress(void* userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow);

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
  bool local_pending_ = false;        // the loop queued a command for itself
  std::vector<SocketState> sockets_;  // by descriptor
};

// --- Loop: set-up and the queue ---

Engine::Loop::Loop() {
  multi_ = curl_multi_init();
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (!multi_ || epoll_fd_ < 0 || wake_fd_ < 0) {
    throw Error(ErrorCode::Unknown, "tether: cannot create the engine's event loop");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Loop::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Loop::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

Engine::Loop::~Loop() {
  for (auto [easy, kind] : spare_handles_) curl_easy_cleanup(easy);
  if (multi_) curl_multi_cleanup(multi_);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool Engine::Loop::push(Command& command) {
  bool wake;
  {
    std::lock_guard lock(mu);
    if (stopped) return false;
    wake = queue.empty();
    queue.push_back(std::move(command));
  }
  // From the loop itself (a continuation starting the next request) no
  // wake-up is needed: the loop looks at the queue before it sleeps again.
  if (std::this_thread::get_id() == thread_id.load(std::memory_order_relaxed)) {
    local_pending_ = true;
    return true;
  }
  // One write per batch: the loop drains the whole queue on each wake-up.
  if (wake) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
  }
  return true;
}

// --- Loop: the thread ---

void Engine::Loop::run() {
  thread_id.store(std::this_thread::get_id());
  std::vector<epoll_event> events(1024);
  for (;;) {
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                       local_pending_ ? 0 : next_timeout_ms(Clock::now()));
    if (n < 0) n = 0;  // EINTR
    // Commands first: an abort should not wait behind socket work.
    bool woken = std::any_of(events.begin(), events.begin() + n,
                             [&](const epoll_event& e) { return e.data.fd == wake_fd_; });
    if (woken) {
      std::uint64_t count;
      [[maybe_unused]] auto r = read(wake_fd_, &count, sizeof count);
    }
    if (woken || local_pending_) {
      local_pending_ = false;
      if (!run_commands()) break;
    }
    int running = 0;
    for (int i = 0; i < n; ++i) {
      const epoll_event& e = events[i];
      if (e.data.fd == wake_fd_) continue;
      SocketState& state = socket_state(e.data.fd);
      if (!state.wanted) {
        // An idle kept-alive connection spoke (the server closed it): curl
        // notices when it next picks the connection; stop watching it now.
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, e.data.fd, nullptr);
        state.events = 0;
        continue;
      }
      int mask = 0;
      if (e.events & EPOLLIN) mask |= CURL_CSELECT_IN;
      if (e.events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (e.events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi_, e.data.fd, mask, &running);
    }
    Clock::time_point now = Clock::now();
    if (curl_deadline_ && now >= *curl_deadline_) {
      curl_deadline_.reset();
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    reap();
    if (!idle_deadlines_.empty()) check_idle(Clock::now());
  }
  shutdown_all();
}

int Engine::Loop::next_timeout_ms(Clock::time_point now) const {
  std::optional<Clock::time_point> due = curl_deadline_;
  if (!idle_deadlines_.empty() && (!due || idle_deadlines_.begin()->first < *due)) {
    due = idle_deadlines_.begin()->first;
  }
  if (!due) return -1;
  if (*due <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(*due - now).count();
  return static_cast<int>(std::min<long long>(ms, 60'000));
}

bool Engine::Loop::run_commands() {
  std::vector<Command> batch;
  {
    std::lock_guard lock(mu);
    batch.swap(queue);
  }
  // A transfer canceled in the same batch that starts it never opens a
  // connection; the sockets of every canceled transfer are shut before any
  // is removed, so a storm of aborts reaches the wire at once.
  std::unordered_set<TransferId> canceled;
  for (auto& c : batch) {
    if (c.kind != Command::Kind::Cancel) continue;
    canceled.insert(c.id);
    shut_socket(c.id);
  }
  bool keep_running = true;
  for (auto& c : batch) {
    switch (c.kind) {
      case Command::Kind::Start:
        if (canceled.count(c.id)) {
          active.fetch_sub(1);
        } else {
          start(std::move(c.transfer));
        }
        break;
      case Command::Kind::Cancel:
        cancel(c.id);
        break;
      case Command::Kind::Task:
        run_task(c.task);
        break;
      case Command::Kind::Shutdown:
        keep_running = false;
        break;
    }
  }
  return keep_running;
}

void Engine::Loop::run_task(std::function<void()>& task) {
  try {
    task();
  } catch (...) {
    // A task must not take the loop down; continuations never throw (their
    // exceptions settle their futures), so this is a user's raw post().
  }
  task = nullptr;
}

void Engine::Loop::shutdown_all() {
  // Every transfer still in flight fails as canceled.
  while (!transfers_.empty()) {
    Transfer& t = *transfers_.begin()->second;
    curl_multi_remove_handle(multi_, t.easy);
    auto failure = t.make_failure(ErrorCode::Canceled, "canceled");
    complete(t, std::move(failure));
  }
  // Drain what is queued (continuations of those failures among it), then
  // close the queue: later posts go to the default executor.
  for (;;) {
    std::vector<Command> batch;
    {
      std::lock_guard lock(mu);
      if (queue.empty()) {
        stopped = true;
        break;
      }
      batch.swap(queue);
    }
    for (auto& c : batch) {
      if (c.kind == Command::Kind::Task) {
        run_task(c.task);
      } else if (c.kind == Command::Kind::Start) {
        active.fetch_sub(1);
        auto& t = *c.transfer;
        t.done(t.make_failure(ErrorCode::Canceled, "canceled"));
      }
    }
  }
}

// --- transfers ---

void Engine::Loop::start(std::unique_ptr<Transfer> t) {
  bool configured = false;
  if (!spare_handles_.empty()) {
    auto [easy, kind] = spare_handles_.back();
    spare_handles_.pop_back();
    t->easy = easy;
    // A handle left configured for the same kind of plain GET needs only the
    // new URL and pointers; any other is reset and configured afresh.
    if (kind != 0 && kind == plain_kind(t->spec.method, t->spec.url, false, *t)) {
      t->method = t->spec.method;
      t->url = t->spec.url;
      t->handle_kind = kind;
      set_pointers(*t);
      configured = true;
    } else if (kind != 0) {
      curl_easy_reset(easy);  // (a handle of kind 0 was reset when it came back)
    }
  } else {
    t->easy = curl_easy_init();
  }
  t->started = t->last_activity = Clock::now();
  Transfer& ref = *t;
  transfers_.emplace(t->id, std::move(t));
  if (!configured) configure(ref);
  ref.set_phase(RequestPhase::Connect);
  curl_multi_add_handle(multi_, ref.easy);
  if (ref.spec.idle_timeout.count() > 0) {
    ref.idle_due = ref.started + ref.spec.idle_timeout;
    idle_deadlines_.emplace(*ref.idle_due, ref.id);
  }
}

void Engine::Loop::configure(Transfer& t) {
  CURL* e = t.easy;
  const TransferSpec& spec = t.spec;
  if (t.method.empty()) {
    t.method = spec.method;
    t.url = spec.url;
    if (const std::optional<Form>& form = spec.form) {
      t.mime = curl_mime_init(e);
      for (const Form::Part& part : form->parts()) {
        curl_mimepart* p = curl_mime_addpart(t.mime);
        curl_mime_name(p, part.name.c_str());
        curl_mime_data(p, part.value.data(), part.value.size());
        if (!part.filename.empty()) {
          curl_mime_filename(p, part.filename.c_str());
          curl_mime_type(p, part.content_type.empty() ? "application/octet-stream"
                                                      : part.content_type.c_str());
        }
      }
    } else if (spec.has_payload) {
      t.payload = std::move(t.spec.payload);  // configured once: a redirect keeps t.payload
      t.has_body = true;
    }
  }

  set_pointers(t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // the loop follows, see follow_redirect
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Loop::on_write);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Loop::on_header);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Loop::on_close_socket);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &Loop::on_prereq);
  if (t.url.rfind("https:", 0) == 0) {
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &Loop::on_ssl_ctx);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &t);
  }
  const TransferSpec::Extras& options = spec.options();
  if (options.on_upload_progress || options.on_download_progress) {
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &Loop::on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, &t);
  }

  // Method and body.
  if (t.mime) {
    curl_easy_setopt(e, CURLOPT_MIMEPOST, t.mime);
    if (t.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.method.c_str());
  } else if (t.has_body || t.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.payload.size()));
    curl_easy_setopt(e, CURLOPT_READFUNCTION, &Loop::on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, &t);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, &Loop::on_seek);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, &t);
    if (t.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.method.c_str());
  } else if (t.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (t.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.method.c_str());
  }

  // Headers: the body's default Content-Type unless one was given, and no
  // "Expect: 100-continue" (it costs a round trip, or a second, per upload).
  bool has_content_type = spec.headers.has("Content-Type");
  for (const auto& h : spec.headers) {
    if (t.mime && iequals(h.name, "Content-Type")) continue;  // curl writes the boundary
    std::string line = h.value.empty() ? h.name + ";" : h.name + ": " + h.value;
    t.header_list = curl_slist_append(t.header_list, line.c_str());
  }
  if (!has_content_type && t.has_body) {
    if (!spec.payload_type.empty()) {
      t.header_list =
          curl_slist_append(t.header_list, ("Content-Type: " + spec.payload_type).c_str());
    }
  }
  if (t.has_body || t.mime) t.header_list = curl_slist_append(t.header_list, "Expect:");
  if (t.header_list) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.header_list);

  // Limits, timeouts, transport options.
  if (spec.timeout.count() > 0) {
    auto left = spec.timeout -
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t.started);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::max<long long>(left.count(), 1)));
  }
  if (spec.connect_timeout.count() > 0) {
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(spec.connect_timeout.count()));
  }
  if (spec.decompress) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  if (options.auth) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERNAME, options.auth->username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, options.auth->password.c_str());
  }
  if (options.proxy) {
    curl_easy_setopt(e, CURLOPT_PROXY, options.proxy->url.c_str());
    if (options.proxy->auth) {
      curl_easy_setopt(e, CURLOPT_PROXYUSERNAME, options.proxy->auth->username.c_str());
      curl_easy_setopt(e, CURLOPT_PROXYPASSWORD, options.proxy->auth->password.c_str());
    }
  } else {
    curl_easy_setopt(e, CURLOPT_PROXY, "");  // no proxy from the environment unless asked
  }
  const TlsOptions& tls = options.tls;
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, tls.verify.value_or(true) ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, tls.verify.value_or(true) ? 2L : 0L);
  if (!tls.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.ca_path.empty()) curl_easy_setopt(e, CURLOPT_CAPATH, tls.ca_path.c_str());
  long version = CURL_HTTP_VERSION_2TLS;
  switch (spec.http_version) {
    case HttpVersion::Auto:
      version = CURL_HTTP_VERSION_2TLS;
      break;
    case HttpVersion::Http1_1:
      version = CURL_HTTP_VERSION_1_1;
      break;
    case HttpVersion::Http2:
      version = CURL_HTTP_VERSION_2_0;
      break;
    case HttpVersion::Http2PriorKnowledge:
      version = CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
      break;
  }
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, version);
  t.handle_kind = plain_kind(t.method, t.url, t.has_body || t.mime, t);
}

void Engine::Loop::set_pointers(Transfer& t) {
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, &t);
  if (t.url.rfind("https:", 0) == 0) curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &t);
}

std::uint8_t Engine::Loop::plain_kind(const std::string& method, const std::string& url,
                                      bool has_body, const Transfer& t) {
  // A GET with nothing but a URL: configure() sets the same options for every
  // such transfer, so a handle keeps them between two of them (no
  // curl_easy_reset, no option re-applied). 1: http, 2: https, 0: other.
  const TransferSpec& s = t.spec;
  bool plain = method == "GET" && !has_body && s.headers.empty() && !s.extras &&
               s.timeout.count() == 0 && s.connect_timeout.count() == 0 && s.decompress &&
               s.http_version == HttpVersion::Auto;
  if (!plain) return 0;
  return url.rfind("https:", 0) == 0 ? 2 : 1;
}

void Engine::Loop::shut_socket(TransferId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  Transfer& t = *it->second;
  // An aborted HTTP/1 connection can never be reused: tell the server at once
  // (FIN now, before curl's own clean-up, which costs more per connection the
  // more there are), and make the close abortive (RST), since a FIN queues
  // behind request bytes that a stalled server never reads. An HTTP/2
  // connection is shared: there only the stream is reset.
  long version = 0;
  curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version);
  bool http1 = version != 0 ? version != CURL_HTTP_VERSION_2_0
                            : t.spec.http_version == HttpVersion::Http1_1 ||
                                  (t.url.rfind("http:", 0) == 0 &&
                                   t.spec.http_version != HttpVersion::Http2PriorKnowledge);
  if (http1 && t.socket != CURL_SOCKET_BAD) {
    linger abortive{1, 0};
    setsockopt(t.socket, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    ::shutdown(t.socket, SHUT_RDWR);
  }
}

void Engine::Loop::cancel(TransferId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;  // finished already: the abort is ignored
  Transfer& t = *it->second;
  // Removing a transfer that has not finished closes its HTTP/1.1 connection
  // (never returned to the pool half-read) or resets its HTTP/2 stream.
  curl_multi_remove_handle(multi_, t.easy);
  detach(t);  // its done is not called: the canceller settled the request
}

std::unique_ptr<Transfer> Engine::Loop::detach(Transfer& t) {
  auto node = transfers_.extract(t.id);
  std::unique_ptr<Transfer> owned = std::move(node.mapped());
  if (owned->idle_due) idle_deadlines_.erase({*owned->idle_due, owned->id});
  if (owned->easy) {
    // A plain GET's handle stays configured (start() resets it unless the next
    // transfer is the same kind; its pointers into this transfer are set anew
    // before any use). Any other is reset now, before its header list and
    // mime parts are freed below.
    if (owned->handle_kind == 0) curl_easy_reset(owned->easy);
    if (spare_handles_.size() < 256) {
      spare_handles_.emplace_back(owned->easy, owned->handle_kind);
    } else {
      curl_easy_cleanup(owned->easy);
    }
    owned->easy = nullptr;
  }
  if (owned->header_list) curl_slist_free_all(owned->header_list);
  owned->header_list = nullptr;
  if (owned->mime) curl_mime_free(owned->mime);
  owned->mime = nullptr;
  active.fetch_sub(1);
  return owned;
}

void Engine::Loop::complete(Transfer& t, TransferOutcome&& outcome) {
  auto owned = detach(t);
  if (auto* failure = std::get_if<TransferFailure>(&outcome)) {
    owned->set_phase(failure->phase);
  } else {
    owned->set_phase(RequestPhase::Body);
  }
  owned->done(std::move(outcome));
}

void Engine::Loop::reap() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    CURLcode code = msg->data.result;
    curl_multi_remove_handle(multi_, msg->easy_handle);
    finish(*t, code);
  }
}

void Engine::Loop::finish(Transfer& t, CURLcode code) {
  // follow_redirect re-adds the transfer, or refuses the redirect by setting
  // t.failure, or leaves a response that is not a redirect to us.
  if (code == CURLE_OK && !t.failure && follow_redirect(t)) return;
  if (t.failure) {
    auto failure = std::move(*t.failure);
    if (!failure.response && t.final_headers_done) failure.response = std::move(t.result);
    return complete(t, std::move(failure));
  }
  if (code != CURLE_OK) {
    const TransferSpec& spec = t.spec;
    std::string detail = t.error[0] ? t.error : curl_easy_strerror(code);
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT: {
        ErrorCode c = spec.clarify_timeout_error ? ErrorCode::TimedOut : ErrorCode::Timeout;
        auto elapsed = Clock::now() - t.started;
        bool connecting = t.phase() == RequestPhase::Connect || t.phase() == RequestPhase::Tls;
        if (connecting && spec.connect_timeout.count() > 0 &&
            (spec.timeout.count() == 0 || elapsed < spec.timeout)) {
          return complete(t, t.make_failure(c, "connect timeout of " +
                                                   std::to_string(spec.connect_timeout.count()) +
                                                   "ms exceeded"));
        }
        return complete(t, t.make_failure(c, "timeout of " + std::to_string(spec.timeout.count()) +
                                                 "ms exceeded"));
      }
      case CURLE_URL_MALFORMAT:
        return complete(t, t.make_failure(ErrorCode::InvalidUrl, detail));
      case CURLE_BAD_CONTENT_ENCODING:
      case CURLE_FILESIZE_EXCEEDED:
        return complete(t, t.make_failure(ErrorCode::BadResponse, detail));
      default:
        return complete(t, t.make_failure(ErrorCode::Network, detail));
    }
  }
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  long version = 0;
  curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version);
  TransferResult& r = t.result;
  r.status = static_cast<int>(status);
  if (r.status_text.empty()) r.status_text = standard_reason(r.status);
  r.url = t.url;
  r.http_version = version == CURL_HTTP_VERSION_2_0   ? "2"
                   : version == CURL_HTTP_VERSION_1_0 ? "1.0"
                                                      : "1.1";
  complete(t, std::move(r));
}

bool Engine::Loop::follow_redirect(Transfer& t) {
  const TransferSpec& spec = t.spec;
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  char* location = nullptr;
  curl_easy_getinfo(t.easy, CURLINFO_REDIRECT_URL, &location);
  bool redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  if (!redirect || !location || spec.max_redirects <= 0) return false;
  if (t.result.redirects >= spec.max_redirects) {
    t.set_phase(RequestPhase::Redirect);
    t.failure =
        t.make_failure_ptr(ErrorCode::TooManyRedirects, "Maximum number of redirects exceeded");
    return false;
  }
  std::string next = location;
  std::string next_origin = origin_of(next);
  if (!is_http_scheme(next_origin)) {
    t.set_phase(RequestPhase::Redirect);
    t.failure = t.make_failure_ptr(ErrorCode::InvalidUrl,
                                   "Redirected to a URL that is not http or https: " + next);
    return false;
  }
  // Credentials stay with the origin they were given for, and a client's
  // default headers with its base_url's.
  if (next_origin != origin_of(t.url)) {
    for (const char* name : {"Authorization", "Cookie", "Proxy-Authorization"}) {
      t.spec.headers.remove(name);
    }
    if (t.spec.extras) t.spec.extras->auth.reset();
  }
  if (!spec.bound_origin.empty() && next_origin != spec.bound_origin) {
    for (const auto& name : spec.origin_bound_headers) t.spec.headers.remove(name);
  }
  // 303 turns any method but HEAD into GET; 301 and 302 turn POST into GET
  // (what browsers and axios' follow-redirects do). The body goes with it.
  if ((status == 303 && t.method != "HEAD") ||
      ((status == 301 || status == 302) && t.method == "POST")) {
    t.method = "GET";
    t.has_body = false;
    t.payload.clear();
    if (t.mime) curl_mime_free(t.mime);
    t.mime = nullptr;
    t.spec.headers.remove("Content-Type");
    t.spec.headers.remove("Content-Length");
  }
  t.url = std::move(next);
  t.set_phase(RequestPhase::Redirect);
  int redirects = t.result.redirects + 1;
  t.result = TransferResult{};
  t.result.redirects = redirects;
  t.final_headers_done = false;
  t.discard_body = false;
  t.payload_sent = 0;
  curl_easy_reset(t.easy);
  curl_slist_free_all(t.header_list);
  t.header_list = nullptr;
  configure(t);
  t.set_phase(RequestPhase::Connect);
  curl_multi_add_handle(multi_, t.easy);
  return true;
}

void Engine::Loop::check_idle(Clock::time_point now) {
  while (!idle_deadlines_.empty() && idle_deadlines_.begin()->first <= now) {
    auto [due, id] = *idle_deadlines_.begin();
    idle_deadlines_.erase(idle_deadlines_.begin());
    auto it = transfers_.find(id);
    if (it == transfers_.end()) continue;
    Transfer& t = *it->second;
    t.idle_due.reset();
    auto next_due = t.last_activity + t.spec.idle_timeout;
    if (next_due > now) {
      t.idle_due = next_due;
      idle_deadlines_.emplace(next_due, id);
      continue;
    }
    curl_multi_remove_handle(multi_, t.easy);
    ErrorCode c = t.spec.clarify_timeout_error ? ErrorCode::TimedOut : ErrorCode::Timeout;
    complete(t, t.make_failure(c, "idle timeout of " + std::to_string(t.spec.idle_timeout.count()) +
                                      "ms exceeded"));
  }
}

// --- curl callbacks (all on the loop thread) ---

int Engine::Loop::on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void*) {
  auto* loop = static_cast<Loop*>(userp);
  Transfer* t = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
  if (t) t->socket = what == CURL_POLL_REMOVE ? CURL_SOCKET_BAD : s;
  SocketState& state = loop->socket_state(s);
  std::uint32_t events =
      ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
  // Unwatching is lazy: a kept-alive connection is usually wanted again by the
  // next request, so its epoll entry stays (see run() and on_close_socket).
  state.wanted = events != 0;
  if (!state.wanted || state.events == events) return 0;
  epoll_event ev{};
  ev.data.fd = s;
  ev.events = events;
  int op = state.events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(loop->epoll_fd_, op, s, &ev) != 0) {
    epoll_ctl(loop->epoll_fd_, errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s, &ev);
  }
  state.events = events;
  return 0;
}

int Engine::Loop::on_close_socket(void* userp, curl_socket_t s) {
  // Closing drops the epoll entry; forget it so a new socket that gets the
  // same number is added afresh.
  static_cast<Loop*>(userp)->socket_state(s) = SocketState{};
  return close(s);
}

int Engine::Loop::on_timer(CURLM*, long timeout_ms, void* userp) {
  auto* loop = static_cast<Loop*>(userp);
  if (timeout_ms < 0) {
    loop->curl_deadline_.reset();
  } else {
    loop->curl_deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

size_t Engine::Loop::on_write(char* data, size_t size, size_t n, void* userp) {
  auto& t = *static_cast<Transfer*>(userp);
  const size_t len = size * n;
  if (t.spec.idle_timeout.count() > 0) t.last_activity = Clock::now();
  if (t.discard_body) return len;
  const auto& spec = t.spec;
  if (spec.max_content_length >= 0 &&
      t.body_received + len > static_cast<std::uint64_t>(spec.max_content_length)) {
    t.failure = t.make_failure_ptr(
        ErrorCode::BadResponse,
        "maxContentLength size of " + std::to_string(spec.max_content_length) + " exceeded");
    return 0;  // CURLE_WRITE_ERROR: the transfer stops here
  }
  t.body_received += len;
  if (const auto& on_data = spec.options().on_data) {
    try {
      on_data(std::string_view(data, len));
    } catch (...) {
      auto e = Error::from_exception(std::current_exception());
      t.failure = t.make_failure_ptr(e.code(), e.what());
      return 0;
    }
  }
  if (spec.keep_body) t.result.body.append(data, len);
  return len;
}

size_t Engine::Loop::on_read(char* buffer, size_t size, size_t n, void* userp) {
  auto& t = *static_cast<Transfer*>(userp);
  if (t.spec.idle_timeout.count() > 0) t.last_activity = Clock::now();
  size_t left = t.payload.size() - t.payload_sent;
  size_t len = std::min(left, size * n);
  std::memcpy(buffer, t.payload.data() + t.payload_sent, len);
  t.payload_sent += len;
  if (t.payload_sent == t.payload.size()) t.set_phase(RequestPhase::AwaitHeaders);
  return len;
}

int Engine::Loop::on_seek(void* userp, curl_off_t offset, int origin) {
  auto& t = *static_cast<Transfer*>(userp);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > t.payload.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t.payload_sent = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t Engine::Loop::on_header(char* data, size_t size, size_t n, void* userp) {
  auto& t = *static_cast<Transfer*>(userp);
  const size_t len = size * n;
  if (t.spec.idle_timeout.count() > 0) t.last_activity = Clock::now();
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response begins (after a 1xx, or through a proxy's CONNECT).
    t.set_phase(RequestPhase::AwaitHeaders);
    t.result.headers = Headers{};
    t.result.status_text.clear();
    auto sp = line.find(' ');
    if (sp != std::string_view::npos) {
      auto rest = line.substr(sp + 1);
      auto sp2 = rest.find(' ');
      t.result.status = std::atoi(std::string(rest.substr(0, sp2)).c_str());
      if (sp2 != std::string_view::npos) t.result.status_text = std::string(trim(rest.substr(sp2)));
    }
    return len;
  }
  std::string_view content = trim(line);
  if (content.empty()) {  // end of a header block
    if (t.result.status >= 200) {
      t.final_headers_done = true;
      long code = t.result.status;
      bool redirect = code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
      if (redirect && t.spec.max_redirects > 0 && t.result.headers.has("Location")) {
        t.discard_body = true;
      } else {
        t.set_phase(RequestPhase::Body);
      }
    }
    return len;
  }
  auto colon = content.find(':');
  if (colon != std::string_view::npos) {
    t.result.headers.append(std::string(trim(content.substr(0, colon))),
                            std::string(trim(content.substr(colon + 1))));
  }
  return len;
}

int Engine::Loop::on_prereq(void* userp, char*, char*, int, int) {
  auto& t = *static_cast<Transfer*>(userp);
  // The connection is ready and the request goes out now: from here on the
  // server may see it.
  t.spec.status->maybe_delivered.store(true, std::memory_order_relaxed);
  bool body = t.has_body || t.mime;
  t.set_phase(body ? RequestPhase::Send : RequestPhase::AwaitHeaders);
  return CURL_PREREQFUNC_OK;
}

CURLcode Engine::Loop::on_ssl_ctx(CURL*, void*, void* userp) {
  static_cast<Transfer*>(userp)->set_phase(RequestPhase::Tls);
  return CURLE_OK;
}

int Engine::Loop::on_progress(void* userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                              curl_off_t ulnow) {
  auto& t = *static_cast<Transfer*>(userp);
  auto emit = [](const std::function<void(const ProgressEvent&)>& fn, curl_off_t total,
                 curl_off_t now, curl_off_t& last, bool upload) {
    if (!fn || now == last) return;
    ProgressEvent ev;
    ev.loaded = static_cast<std::uint64_t>(now);
    if (total > 0) {
      ev.total = static_cast<std::uint64_t>(total);
      ev.progress = static_cast<double>(now) / static_cast<double>(total);
    }
    ev.bytes = static_cast<std::uint64_t>(now - last);
    ev.upload = upload;
    last = now;
    fn(ev);
  };
  try {
    emit(t.spec.options().on_upload_progress, ultotal, ulnow, t.last_up, true);
    emit(t.spec.options().on_download_progress, dltotal, dlnow, t.last_down, false);
  } catch (...) {
    auto e = Error::from_exception(std::current_exception());
    t.failure = t.make_failure_ptr(e.code(), e.what());
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

// --- Engine ---

std::shared_ptr<Engine> Engine::start() {
  init_curl_once();
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (!(info->features & CURL_VERSION_ASYNCHDNS)) {
    throw Error(ErrorCode::BadOptionValue,
                "tether: this libcurl resolves names synchronously, which would stall the "
                "engine's loop; build it with the threaded resolver or c-ares");
  }
  auto loop = std::make_shared<Loop>();
  loop->thread = std::thread([loop] { loop->run(); });
  loop->thread_id.store(loop->thread.get_id());
  return std::make_shared<Engine>(std::move(loop));
}

Engine::~Engine() {
  shutdown();
}

TransferId Engine::submit(TransferSpec spec, TransferDone done) {
  auto t = std::make_unique<Transfer>();
  t->id = loop_->next_id();
  t->spec = std::move(spec);
  t->done = std::move(done);
  TransferId id = t->id;
  loop_->active.fetch_add(1);
  Command c{Command::Kind::Start, id, std::move(t), {}};
  if (!loop_->push(c)) {
    loop_->active.fetch_sub(1);
    auto& transfer = *c.transfer;
    transfer.done(transfer.make_failure(ErrorCode::Canceled, "canceled"));
  }
  return id;
}

void Engine::cancel(TransferId id) {
  Command c{Command::Kind::Cancel, id, nullptr, {}};
  loop_->push(c);
}

void Engine::post(std::function<void()> task) {
  Command c{Command::Kind::Task, 0, nullptr, std::move(task)};
  if (!loop_->push(c)) default_executor()->post(std::move(c.task));
}

bool Engine::running_in_this_thread() const noexcept {
  return loop_->thread_id.load() == std::this_thread::get_id();
}

std::size_t Engine::active_transfers() const noexcept {
  return loop_->active.load();
}

std::size_t Engine::idle_timers() {
  auto count = std::make_shared<std::promise<std::size_t>>();
  auto loop = loop_;
  post([loop, count] { count->set_value(loop->idle_timer_count()); });
  return count->get_future().get();
}

void Engine::shutdown() {
  {
    std::lock_guard lock(loop_->mu);
    if (loop_->shutdown_requested) return;
    loop_->shutdown_requested = true;
  }
  Command c{Command::Kind::Shutdown, 0, nullptr, {}};
  loop_->push(c);
  if (running_in_this_thread()) {
    loop_->thread.detach();  // the loop exits once the current task returns
  } else if (loop_->thread.joinable()) {
    loop_->thread.join();
  }
}

}  // namespace tether::detail
