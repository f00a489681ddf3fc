#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "support/gzip_bomb.hpp"

namespace tether::test {
namespace {

using Clock = TestServer::Clock;
using namespace std::chrono_literals;

constexpr std::uint64_t kListenKey = ~std::uint64_t{0};
constexpr std::uint64_t kWakeKey = ~std::uint64_t{0} - 1;
constexpr std::size_t kMaxHeaderBytes = 1 << 20;
constexpr std::size_t kMaxReadPerEvent = 1 << 20;  // fairness between connections
constexpr std::size_t kMaxBufferedWhileResponding = 1 << 20;
constexpr std::size_t kGenerateChunk = 64 * 1024;

// gzip (RFC 1952, mtime 0) of TestServer::kGzipPlain, made once with zlib.
constexpr unsigned char kGzipBytes[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
                                        0x03, 0xab, 0x56, 0x4a, 0xaf, 0xca, 0x2c, 0x28, 0x48,
                                        0x4d, 0x51, 0xb2, 0x2a, 0x29, 0x2a, 0x4d, 0xad, 0x05,
                                        0x00, 0x53, 0x92, 0x98, 0x8b, 0x10, 0x00, 0x00, 0x00};

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// Query-string decoding: %XX and '+' as space.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    if (key == name) {
      return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

template <typename T>
std::optional<T> parse_number(std::string_view s, int base = 10) {
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

template <typename T>
T query_number(std::string_view query, std::string_view name, T fallback) {
  auto text = query_param(query, name);
  if (!text) return fallback;
  return parse_number<T>(*text).value_or(fallback);
}

std::string_view reason_phrase(int status) {
  static constexpr std::pair<int, std::string_view> kReasons[] = {
      {100, "Continue"},
      {101, "Switching Protocols"},
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {204, "No Content"},
      {206, "Partial Content"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {303, "See Other"},
      {304, "Not Modified"},
      {307, "Temporary Redirect"},
      {308, "Permanent Redirect"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {410, "Gone"},
      {413, "Content Too Large"},
      {418, "I'm a teapot"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"}};
  for (auto& [code, text] : kReasons) {
    if (code == status) return text;
  }
  return "Unknown";
}

struct Request {
  std::string method;
  std::string target;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  bool keep_body = false;  // only /echo stores the body
  bool head = false;
  bool close = false;  // Connection: close, or HTTP/1.0 without keep-alive
  bool expect_continue = false;
};

enum class Phase {
  kHeaders,     // reading request headers
  kBody,        // reading the request body
  kResponding,  // the request is complete; a response is pending or being written
  kIdle,        // never answering (or done stalling): read and discard, watch for EOF
  kSink,        // not reading at all; only watching for RDHUP/HUP/ERR
};
enum class BodyMode { kNone, kLength, kChunked };
enum class ChunkState { kSize, kData, kDataEnd, kTrailer };
enum class TimerKind { kDelay, kDrip, kAcceptRetry, kSseScript };

// Event i of /sse.
std::string sse_event(std::uint64_t i) {
  return "event: tick\ndata: event " + std::to_string(i) + "\n\n";
}

struct Conn {
  int fd = -1;
  std::uint64_t id = 0;
  bool dead = false;
  std::uint32_t events = 0;
  Phase phase = Phase::kHeaders;
  std::string in;
  Request req;
  BodyMode body_mode = BodyMode::kNone;
  std::uint64_t body_remaining = 0;
  ChunkState chunk_state = ChunkState::kSize;
  // Output.
  std::string out;
  std::size_t out_off = 0;
  std::uint64_t gen_remaining = 0;  // /bytes: still to generate
  std::uint64_t gen_offset = 0;
  std::uint64_t drip_remaining = 0;  // /drip: bytes still to send on timers
  std::uint64_t drip_offset = 0;
  std::chrono::milliseconds drip_interval{0};
  bool drip_events = false;    // /sse: each tick sends one whole event, not one byte
  bool delay_pending = false;  // /delay: waiting for its timer
  bool close_after = false;    // close once the response is written
  bool idle_after = false;     // /stall: go idle once what is queued is written
  bool processing = false;     // inside process_input (no re-entry)
  std::uint32_t served = 0;    // requests dispatched on this connection
  // Server-sent events: /sse-script and /sse-resume write these parts one per
  // tick (drip_interval; drip_remaining counts what is left), then close the
  // connection, or fall silent and keep it open (idle_after).
  std::vector<std::string> sse_parts;
  std::string delay_body{};  // hedging routes: what the delayed response says ("ok" if empty)
};

}  // namespace

struct TestServer::Impl {
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::uint16_t port = 0;
  std::thread thread;

  // Loop-thread state.
  std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns;
  std::vector<std::uint64_t> dead;
  std::multimap<Clock::time_point, std::pair<std::uint64_t, TimerKind>> timers;
  std::uint64_t next_id = 1;
  bool accept_paused = false;

  // Shared with the test threads.
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<TestServer::Connection> records;  // records[id - 1]
  std::size_t open = 0;
  std::size_t client_closes = 0;
  Clock::time_point last_client_close{};  // of connections not in control_conns
  std::set<std::uint64_t> control_conns;  // connections that asked for /stats
  std::size_t control_closes = 0;
  std::size_t requests_seen = 0;           // request heads received, /stats ones left out
  std::map<std::string, int> flaky_tries;  // loop thread only
  // Hedging routes: requests seen per key, and the slow tail's dice (loop thread only).
  std::map<std::string, int> hedge_counts;
  std::mt19937 tail_dice{14};

  Impl();
  ~Impl();
  void run();

  // Loop helpers.
  void accept_all();
  void set_listen_enabled(bool on);
  void handle_event(Conn& c, std::uint32_t ev);
  void on_readable(Conn& c);
  void process_input(Conn& c);
  bool parse_headers(Conn& c);
  bool consume_body(Conn& c);
  void start_sink(Conn& c);
  void dispatch(Conn& c);
  void raw_framing(Conn& c, std::string_view kind);
  void raw_fault(Conn& c, std::string_view kind);  // /fault/<kind> (faults_test)
  void respond(Conn& c, int status, std::vector<std::pair<std::string, std::string>> headers,
               std::string_view body, std::optional<std::uint64_t> content_length = {},
               bool has_length = true);
  void flush(Conn& c);
  void on_response_complete(Conn& c);
  void reset_request(Conn& c);
  void on_timer(std::uint64_t id, TimerKind kind);
  // Server-sent events (/sse-script, /sse-resume).
  bool sse_route(Conn& c);
  void sse_start(Conn& c, std::vector<std::string> parts, std::uint64_t interval_ms, bool stall);
  void sse_tick(Conn& c);
  void hedging_route(Conn& c, const std::string& path, const std::string& query);
  void update_events(Conn& c);
  void client_closed(Conn& c);
  void close_conn(Conn& c, bool by_server, bool rst = false);
  int next_timeout_ms() const;

  template <typename F>
  void with_record(const Conn& c, F&& f) {
    {
      std::lock_guard lock(mu);
      f(records[c.id - 1]);
    }
    cv.notify_all();
  }
};

TestServer::Impl::Impl() {
  // Many concurrent connections: take every file descriptor we may have.
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }

  listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd < 0) throw_errno("TestServer: socket");
  int one = 1;
  ::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  auto fail = [&](const char* what) {
    int saved = errno;
    if (listen_fd >= 0) ::close(listen_fd);
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (wake_fd >= 0) ::close(wake_fd);
    errno = saved;
    throw_errno(what);
  };
  if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    fail("TestServer: bind");
  }
  if (::listen(listen_fd, 4096) != 0) fail("TestServer: listen");
  socklen_t len = sizeof addr;
  if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    fail("TestServer: getsockname");
  }
  port = ntohs(addr.sin_port);

  epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) fail("TestServer: epoll_create1");
  wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) fail("TestServer: eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenKey;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) fail("TestServer: epoll_ctl");
  ev.data.u64 = kWakeKey;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev) != 0) fail("TestServer: epoll_ctl");

  thread = std::thread([this] { run(); });
}

TestServer::Impl::~Impl() {
  std::uint64_t one = 1;
  while (::write(wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
  if (thread.joinable()) thread.join();
  ::close(listen_fd);
  ::close(epoll_fd);
  ::close(wake_fd);
}

int TestServer::Impl::next_timeout_ms() const {
  if (timers.empty()) return -1;
  auto left = timers.begin()->first - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  // Round up so a timer never fires early.
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

void TestServer::Impl::run() {
  std::vector<epoll_event> events(512);
  bool stop = false;
  while (!stop) {
    int n =
        ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), next_timeout_ms());
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // epoll itself failed: nothing sensible left to do
    }
    for (int i = 0; i < n; ++i) {
      std::uint64_t key = events[i].data.u64;
      if (key == kWakeKey) {
        stop = true;
      } else if (key == kListenKey) {
        accept_all();
      } else if (auto it = conns.find(key); it != conns.end() && !it->second->dead) {
        handle_event(*it->second, events[i].events);
      }
    }
    // Due timers.
    auto now = Clock::now();
    while (!stop && !timers.empty() && timers.begin()->first <= now) {
      auto [id, kind] = timers.begin()->second;
      timers.erase(timers.begin());
      on_timer(id, kind);
    }
    for (auto id : dead) conns.erase(id);
    dead.clear();
  }
  // Shutdown: close every connection (the server closed them).
  for (auto& [id, c] : conns) {
    if (!c->dead) close_conn(*c, /*by_server=*/true);
  }
  conns.clear();
  dead.clear();
}

void TestServer::Impl::set_listen_enabled(bool on) {
  epoll_event ev{};
  ev.events = on ? EPOLLIN : 0;
  ev.data.u64 = kListenKey;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
  accept_paused = !on;
}

void TestServer::Impl::accept_all() {
  for (;;) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: stop accepting until a connection closes (or a bit later).
        set_listen_enabled(false);
        timers.emplace(Clock::now() + 20ms, std::pair{std::uint64_t{0}, TimerKind::kAcceptRetry});
      }
      return;  // EAGAIN, or paused
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    c->id = next_id++;
    c->events = EPOLLIN | EPOLLRDHUP;
    epoll_event ev{};
    ev.events = c->events;
    ev.data.u64 = c->id;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      ::close(fd);
      continue;
    }
    {
      std::lock_guard lock(mu);
      TestServer::Connection rec;
      rec.id = c->id;
      rec.accepted = Clock::now();
      records.push_back(std::move(rec));
      ++open;
    }
    cv.notify_all();
    conns.emplace(c->id, std::move(c));
  }
}

void TestServer::Impl::update_events(Conn& c) {
  if (c.dead) return;
  std::uint32_t want = EPOLLRDHUP;
  if (c.phase != Phase::kSink) want |= EPOLLIN;
  if (c.out_off < c.out.size()) want |= EPOLLOUT;
  if (want == c.events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  c.events = want;
}

void TestServer::Impl::handle_event(Conn& c, std::uint32_t ev) {
  if ((ev & EPOLLOUT) && c.out_off < c.out.size()) flush(c);
  if (c.dead) return;
  if (c.phase == Phase::kSink) {
    // Not reading: the only thing to learn is that the client went away.
    if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) client_closed(c);
    return;
  }
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c);
}

void TestServer::Impl::on_readable(Conn& c) {
  char buf[64 * 1024];
  std::size_t total = 0;
  while (!c.dead && c.phase != Phase::kSink && total < kMaxReadPerEvent) {
    ssize_t n = ::read(c.fd, buf, sizeof buf);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      switch (c.phase) {
        case Phase::kHeaders:
        case Phase::kBody:
          c.in.append(buf, static_cast<std::size_t>(n));
          process_input(c);
          break;
        case Phase::kResponding:
          // Pipelined data: keep (bounded) for after the response.
          if (c.in.size() < kMaxBufferedWhileResponding)
            c.in.append(buf, static_cast<std::size_t>(n));
          break;
        case Phase::kIdle:
        case Phase::kSink:
          break;  // discard
      }
    } else if (n == 0) {
      client_closed(c);
      return;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return;
    } else {
      client_closed(c);  // ECONNRESET and friends
      return;
    }
  }
}

void TestServer::Impl::reset_request(Conn& c) {
  c.req = Request{};
  c.phase = Phase::kHeaders;
  c.body_mode = BodyMode::kNone;
  c.body_remaining = 0;
  c.chunk_state = ChunkState::kSize;
}

void TestServer::Impl::process_input(Conn& c) {
  if (c.processing) return;
  c.processing = true;
  while (!c.dead) {
    if (c.phase == Phase::kHeaders) {
      if (!parse_headers(c)) break;
    } else if (c.phase == Phase::kBody) {
      if (!consume_body(c)) break;
      dispatch(c);
    } else {
      break;
    }
  }
  c.processing = false;
  update_events(c);
}

// Returns true once a full header block was parsed (phase moves on).
bool TestServer::Impl::parse_headers(Conn& c) {
  // Tolerate empty lines before the request line.
  std::size_t lead = 0;
  while (lead < c.in.size() && (c.in[lead] == '\r' || c.in[lead] == '\n')) ++lead;
  if (lead) c.in.erase(0, lead);
  if (c.in.empty()) return false;

  std::size_t end = c.in.find("\r\n\r\n");
  std::size_t skip = 4;
  if (auto lf = c.in.find("\n\n");
      lf != std::string::npos && (end == std::string::npos || lf < end)) {
    end = lf;
    skip = 2;
  }
  if (end == std::string::npos) {
    if (c.in.size() > kMaxHeaderBytes) {
      c.close_after = true;
      c.phase = Phase::kResponding;
      respond(c, 431, {{"Content-Type", "text/plain"}}, "request headers too large\n");
    }
    return false;
  }
  std::string block = c.in.substr(0, end);
  c.in.erase(0, end + skip);

  auto bad = [&] {
    c.close_after = true;
    c.phase = Phase::kResponding;
    respond(c, 400, {{"Content-Type", "text/plain"}}, "bad request\n");
    return false;
  };

  std::string_view rest = block;
  auto next_line = [&rest]() {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };

  std::string_view request_line = next_line();
  auto sp1 = request_line.find(' ');
  auto sp2 = request_line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return bad();
  Request& req = c.req;
  req = Request{};
  req.method = std::string(request_line.substr(0, sp1));
  req.target = std::string(trim(request_line.substr(sp1 + 1, sp2 - sp1 - 1)));
  std::string_view version = request_line.substr(sp2 + 1);
  if (req.method.empty() || req.target.empty() || version.substr(0, 5) != "HTTP/") return bad();
  // An absolute-form target ("GET http://host/path", as sent to a proxy) is
  // served by its path, so the server doubles as a forward proxy in tests.
  std::string_view origin_form = req.target;
  if (origin_form.rfind("http://", 0) == 0) {
    auto slash = origin_form.find('/', 7);
    origin_form = slash == std::string_view::npos ? "/" : origin_form.substr(slash);
  }
  auto q = origin_form.find('?');
  req.path = std::string(origin_form.substr(0, q));
  req.query = q == std::string_view::npos ? std::string{} : std::string(origin_form.substr(q + 1));
  req.head = req.method == "HEAD";

  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive_token = false;
  while (!rest.empty()) {
    std::string_view line = next_line();
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return bad();
    std::string name = lower(line.substr(0, colon));
    std::string value(trim(line.substr(colon + 1)));
    if (name == "content-length") {
      auto n = parse_number<std::uint64_t>(value);
      if (!n) return bad();
      content_length = n;
    } else if (name == "transfer-encoding") {
      std::string v = lower(value);
      chunked = v.size() >= 7 && v.compare(v.size() - 7, 7, "chunked") == 0;
    } else if (name == "connection") {
      std::string v = lower(value);
      if (v.find("close") != std::string::npos) req.close = true;
      if (v.find("keep-alive") != std::string::npos) keep_alive_token = true;
    } else if (name == "expect") {
      req.expect_continue = lower(value) == "100-continue";
    }
    req.headers.emplace_back(std::move(name), std::move(value));
  }
  if (version == "HTTP/1.0" && !keep_alive_token) req.close = true;
  req.keep_body = req.path == "/echo";

  // Record the request.
  auto now = Clock::now();
  with_record(c, [&](TestServer::Connection& rec) {
    rec.targets.push_back(req.target);
    rec.request_times.push_back(now);
  });
  {
    std::lock_guard lock(mu);
    if (req.path == "/stats") {
      control_conns.insert(c.id);
    } else {
      ++requests_seen;
    }
  }

  if (chunked) {
    c.body_mode = BodyMode::kChunked;
    c.chunk_state = ChunkState::kSize;
  } else if (content_length && *content_length > 0) {
    c.body_mode = BodyMode::kLength;
    c.body_remaining = *content_length;
  } else {
    c.body_mode = BodyMode::kNone;
  }

  if (req.path == "/sink-stall") {
    start_sink(c);
    return false;
  }
  if (req.expect_continue && c.body_mode != BodyMode::kNone && req.path != "/headers-never") {
    c.out += "HTTP/1.1 100 Continue\r\n\r\n";
    flush(c);
    if (c.dead) return false;
  }
  c.phase = Phase::kBody;
  return true;
}

void TestServer::Impl::start_sink(Conn& c) {
  // Count what already arrived with the headers, then never read again.
  std::size_t already = 0;
  if (c.body_mode == BodyMode::kLength) {
    already = static_cast<std::size_t>(std::min<std::uint64_t>(c.in.size(), c.body_remaining));
  } else if (c.body_mode == BodyMode::kChunked) {
    already = c.in.size();
  }
  c.in.clear();
  c.phase = Phase::kSink;
  if (already)
    with_record(c, [&](TestServer::Connection& rec) { rec.body_bytes_received += already; });
  if (c.req.expect_continue && c.body_mode != BodyMode::kNone) {
    c.out += "HTTP/1.1 100 Continue\r\n\r\n";
    flush(c);
  }
  update_events(c);
}

// Consumes body bytes from c.in; true once the body is complete.
bool TestServer::Impl::consume_body(Conn& c) {
  std::size_t counted = 0;
  auto take = [&](std::size_t n) {
    if (c.req.keep_body) c.req.body.append(c.in, 0, n);
    c.in.erase(0, n);
    counted += n;
  };
  bool done = false;
  bool error = false;
  switch (c.body_mode) {
    case BodyMode::kNone:
      done = true;
      break;
    case BodyMode::kLength: {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(c.in.size(), c.body_remaining));
      take(n);
      c.body_remaining -= n;
      done = c.body_remaining == 0;
      break;
    }
    case BodyMode::kChunked:
      while (!done && !error) {
        if (c.chunk_state == ChunkState::kData) {
          auto n = static_cast<std::size_t>(std::min<std::uint64_t>(c.in.size(), c.body_remaining));
          take(n);
          c.body_remaining -= n;
          if (c.body_remaining > 0) break;
          c.chunk_state = ChunkState::kDataEnd;
          continue;
        }
        auto nl = c.in.find('\n');
        if (nl == std::string::npos) {
          if (c.in.size() > kMaxHeaderBytes) error = true;
          break;
        }
        std::string line = c.in.substr(0, nl);
        c.in.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (c.chunk_state == ChunkState::kDataEnd) {
          if (!line.empty()) error = true;
          c.chunk_state = ChunkState::kSize;
        } else if (c.chunk_state == ChunkState::kSize) {
          std::string_view size = trim(std::string_view(line).substr(0, line.find(';')));
          auto n = parse_number<std::uint64_t>(size, 16);
          if (!n) {
            error = true;
          } else if (*n == 0) {
            c.chunk_state = ChunkState::kTrailer;
          } else {
            c.body_remaining = *n;
            c.chunk_state = ChunkState::kData;
          }
        } else {  // kTrailer: until an empty line
          if (line.empty()) done = true;
        }
      }
      break;
  }
  if (counted) {
    with_record(c, [&](TestServer::Connection& rec) { rec.body_bytes_received += counted; });
  }
  if (error) {
    c.close_after = true;
    c.phase = Phase::kResponding;
    respond(c, 400, {{"Content-Type", "text/plain"}}, "bad chunked body\n");
    return false;
  }
  return done;
}

void TestServer::Impl::respond(Conn& c, int status,
                               std::vector<std::pair<std::string, std::string>> headers,
                               std::string_view body, std::optional<std::uint64_t> content_length,
                               bool has_length) {
  if (c.req.close) c.close_after = true;
  std::string head =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) + "\r\n";
  for (auto& [name, value] : headers) head += name + ": " + value + "\r\n";
  if (has_length) {
    head += "Content-Length: " + std::to_string(content_length.value_or(body.size())) + "\r\n";
  }
  if (c.close_after) head += "Connection: close\r\n";
  head += "\r\n";
  c.out += head;
  if (!c.req.head) c.out += body;
  c.phase = Phase::kResponding;
  flush(c);
}

void TestServer::Impl::dispatch(Conn& c) {
  Request& req = c.req;
  const std::string& path = req.path;
  c.phase = Phase::kResponding;
  ++c.served;
  auto starts = [&](std::string_view prefix) { return path.rfind(prefix, 0) == 0; };
  auto json = [](const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  const std::vector<std::pair<std::string, std::string>> kJson = {
      {"Content-Type", "application/json"}};
  auto not_found = [&] {
    respond(c, 404, kJson, json({{"type", "NotFound"}, {"message", "no such endpoint"}}));
  };

  if (sse_route(c)) {
    // handled: a server-sent events script
  } else if (path == "/ok") {
    respond(c, 200, {{"Content-Type", "text/plain"}}, "ok");
  } else if (path == "/echo") {
    nlohmann::json headers = nlohmann::json::object();
    for (auto& [name, value] : req.headers) {
      if (headers.contains(name)) {
        headers[name] = headers[name].get<std::string>() + ", " + value;
      } else {
        headers[name] = value;
      }
    }
    nlohmann::json j = {{"method", req.method}, {"target", req.target}, {"path", req.path},
                        {"query", req.query},   {"headers", headers},   {"body", req.body}};
    respond(c, 200, kJson, json(j));
  } else if (starts("/status/")) {
    auto code = parse_number<int>(std::string_view(path).substr(8));
    if (!code || *code < 100 || *code > 999) return not_found();
    auto body = query_param(req.query, "body");
    auto ctype = query_param(req.query, "ctype");
    std::string text = body ? *body : json({{"status", *code}});
    std::string type = ctype ? *ctype : (body ? "text/plain" : "application/json");
    bool no_body = (*code >= 100 && *code < 200) || *code == 204 || *code == 304;
    if (no_body) {
      respond(c, *code, {}, "", {}, /*has_length=*/false);
    } else {
      respond(c, *code, {{"Content-Type", type}}, text);
    }
  } else if (starts("/delay/")) {
    auto ms = parse_number<std::uint64_t>(std::string_view(path).substr(7));
    if (!ms) return not_found();
    c.delay_pending = true;
    timers.emplace(Clock::now() + std::chrono::milliseconds(*ms),
                   std::pair{c.id, TimerKind::kDelay});
  } else if (path == "/headers-never") {
    c.phase = Phase::kIdle;
  } else if (path == "/stall") {
    auto bytes = query_number<std::uint64_t>(req.query, "bytes", 16);
    auto length = query_number<std::uint64_t>(req.query, "length", 1000000);
    std::string body;
    for (std::uint64_t i = 0; i < bytes; ++i) body += TestServer::pattern_byte(i);
    if (!req.head) c.idle_after = true;
    respond(c, 200, {{"Content-Type", "application/octet-stream"}}, body, length);
  } else if (path == "/drip") {
    auto bytes = query_number<std::uint64_t>(req.query, "bytes", 10);
    auto interval = query_number<std::uint64_t>(req.query, "interval_ms", 100);
    if (!req.head && bytes > 0) {
      c.drip_remaining = bytes;
      c.drip_offset = 0;
      c.drip_events = false;
      c.drip_interval = std::chrono::milliseconds(interval);
      timers.emplace(Clock::now() + c.drip_interval, std::pair{c.id, TimerKind::kDrip});
    }
    respond(c, 200, {{"Content-Type", "application/octet-stream"}}, "", bytes);
  } else if (path == "/sse") {
    auto events = query_number<std::uint64_t>(req.query, "events", 3);
    auto interval = query_number<std::uint64_t>(req.query, "interval_ms", 100);
    std::uint64_t length = 0;
    for (std::uint64_t i = 0; i < events; ++i) length += sse_event(i).size();
    if (!req.head && events > 0) {
      c.drip_remaining = events;
      c.drip_offset = 0;
      c.drip_events = true;
      c.drip_interval = std::chrono::milliseconds(interval);
      timers.emplace(Clock::now() + c.drip_interval, std::pair{c.id, TimerKind::kDrip});
    }
    respond(c, 200, {{"Content-Type", "text/event-stream"}}, "", length);
  } else if (starts("/bytes/")) {
    auto n = parse_number<std::uint64_t>(std::string_view(path).substr(7));
    if (!n) return not_found();
    if (!req.head) {
      c.gen_remaining = *n;
      c.gen_offset = 0;
    }
    respond(c, 200, {{"Content-Type", "application/octet-stream"}}, "", *n);
  } else if (path == "/reset") {
    close_conn(c, /*by_server=*/true, /*rst=*/true);
  } else if (path == "/close") {
    close_conn(c, /*by_server=*/true);
  } else if (path == "/reset-mid-body") {
    // Headers promising 1000 bytes, 16 of them, then RST.
    std::string body;
    for (int i = 0; i < 16; ++i) body += TestServer::pattern_byte(i);
    respond(c, 200, {{"Content-Type", "application/octet-stream"}}, body, 1000);
    if (!c.dead) close_conn(c, /*by_server=*/true, /*rst=*/true);
  } else if (path == "/close-second") {
    // The first request of a connection gets 200; any later one is read in
    // full (body included), then the connection closes without an answer: a
    // kept-alive connection dying under a request the server already has.
    if (c.served > 1) return close_conn(c, /*by_server=*/true);
    respond(c, 200, {{"Content-Type", "text/plain"}}, "ok");
  } else if (starts("/framing/")) {
    raw_framing(c, path.substr(9));
  } else if (starts("/fault/")) {
    raw_fault(c, path.substr(7));
  } else if (path == "/big-header") {
    auto bytes = query_number<std::uint64_t>(req.query, "bytes", 1 << 20);
    respond(c, 200, {{"Content-Type", "text/plain"}, {"X-Big", std::string(bytes, 'b')}}, "ok");
  } else if (path == "/malformed") {
    c.out += "HTTP/1.1 abc\r\nthis is not http\r\n\r\n";
    c.close_after = true;
    flush(c);
  } else if (starts("/redirect/")) {
    auto n = parse_number<std::uint64_t>(std::string_view(path).substr(10));
    if (!n) return not_found();
    std::string location = *n == 0 ? "/ok" : "/redirect/" + std::to_string(*n - 1);
    respond(c, 302, {{"Location", location}}, "");
  } else if (path == "/redirect-to") {
    auto location = query_param(req.query, "url");
    if (!location) {
      return respond(c, 400, {{"Content-Type", "text/plain"}}, "missing url\n");
    }
    int status = query_number<int>(req.query, "status", 302);
    if (status < 100 || status > 999) status = 302;
    respond(c, status, {{"Location", *location}}, "");
  } else if (path == "/gzip") {
    std::string_view body(reinterpret_cast<const char*>(kGzipBytes), sizeof kGzipBytes);
    respond(c, 200, {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}}, body);
  } else if (path == "/gzip-bomb") {
    // Security tests: a few MiB on the wire that decode to `mib` MiB of zeros.
    auto mib = std::min<std::uint32_t>(query_number<std::uint32_t>(req.query, "mib", 1024), 4096);
    static std::mutex bombs_mu;
    static std::map<std::uint32_t, std::string> bombs;
    std::string body;
    {
      std::lock_guard lock(bombs_mu);
      auto& made = bombs[mib];
      if (made.empty()) made = gzip_bomb(mib);
      body = made;
    }
    respond(c, 200, {{"Content-Type", "application/octet-stream"}, {"Content-Encoding", "gzip"}},
            body);
  } else if (path == "/flaky") {
    // The first `fail` requests for `key` fail (with `status`, or hang when
    // mode=hang), later ones get 200 {"tries": n}. retry_after adds that header.
    std::string key = query_param(req.query, "key").value_or("");
    int fail = query_number<int>(req.query, "fail", 1);
    int tries = ++flaky_tries[key];
    auto mode = query_param(req.query, "mode").value_or("");
    if (mode == "half") {
      // 1000 pattern bytes promised; a failing try sends 500, then closes.
      std::string body;
      for (std::size_t i = 0; i < (tries <= fail ? 500u : 1000u); ++i)
        body += TestServer::pattern_byte(i);
      respond(c, 200, {{"Content-Type", "application/octet-stream"}}, body, 1000);
      if (tries <= fail && !c.dead) close_conn(c, /*by_server=*/true);
      return;
    }
    if (tries <= fail) {
      if (mode == "hang") return;  // never answers
      int status = query_number<int>(req.query, "status", 503);
      std::vector<std::pair<std::string, std::string>> headers = kJson;
      if (auto after = query_param(req.query, "retry_after"))
        headers.emplace_back("Retry-After", *after);
      respond(c, status, headers, json({{"tries", tries}}));
    } else {
      respond(c, 200, kJson, json({{"tries", tries}}));
    }
  } else if (path == "/stats") {
    nlohmann::json stats;
    {
      std::lock_guard lock(mu);
      // Connections that asked for /stats are the test's own: not counted.
      stats = {{"accepted", records.size() - control_conns.size()},
               {"requests", requests_seen},
               {"open", open},
               {"client_closed", client_closes - control_closes},
               {"last_client_close_ns", std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            last_client_close.time_since_epoch())
                                            .count()}};
    }
    respond(c, 200, kJson, json(stats));
  } else if (path == "/hedge" || path == "/counted" || path == "/count" || path == "/tail") {
    hedging_route(c, path, req.query);
  } else if (path == "/set-cookie") {
    respond(c, 200,
            {{"Content-Type", "text/plain"},
             {"Set-Cookie", "a=1; Path=/"},
             {"Set-Cookie", "b=2; Path=/; HttpOnly"}},
            "ok");
  } else {
    not_found();
  }
}

// Hedging and coalescing routes (text bodies):
//   /hedge?key=&slow_ms=  the first request for key answers after slow_ms (never
//                         without it), later ones at once; the body is the request's
//                         number for key (1, 2, ...)
//   /counted?key=&ms=     answers after ms (default 0) with the request's number for key
//   /count?key=           how many /hedge or /counted requests key has had so far
//   /tail?pct=&ms=        pct% of requests (default 5, drawn at random with a fixed
//                         seed) answer after ms (default 200), the others at once
void TestServer::Impl::hedging_route(Conn& c, const std::string& path, const std::string& query) {
  const std::vector<std::pair<std::string, std::string>> kText = {{"Content-Type", "text/plain"}};
  auto later = [&](std::uint64_t ms, std::string body) {
    c.delay_pending = true;
    c.delay_body = std::move(body);
    timers.emplace(Clock::now() + std::chrono::milliseconds(ms),
                   std::pair{c.id, TimerKind::kDelay});
  };
  std::string key = query_param(query, "key").value_or("");
  if (path == "/count") return respond(c, 200, kText, std::to_string(hedge_counts[key]));
  if (path == "/tail") {
    auto pct = query_number<std::uint64_t>(query, "pct", 5);
    auto ms = query_number<std::uint64_t>(query, "ms", 200);
    if (std::uniform_int_distribution<std::uint64_t>(0, 99)(tail_dice) < pct)
      return later(ms, "ok");
    return respond(c, 200, kText, "ok");
  }
  std::string n = std::to_string(++hedge_counts[key]);
  if (path == "/counted") {
    auto ms = query_number<std::uint64_t>(query, "ms", 0);
    if (ms > 0) return later(ms, n);
    return respond(c, 200, kText, n);
  }
  if (n != "1") return respond(c, 200, kText, n);
  if (query_param(query, "slow_ms"))
    return later(query_number<std::uint64_t>(query, "slow_ms", 0), n);
  // The first copy never answers.
}

// Responses whose framing is ambiguous or broken (RFC 9112 §6.3), written raw.
void TestServer::Impl::raw_framing(Conn& c, std::string_view kind) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
  if (kind == "two-lengths") {
    head += "Content-Length: 5\r\nContent-Length: 6\r\n";
  } else if (kind == "same-lengths") {
    head += "Content-Length: 5\r\nContent-Length: 5\r\n";
  } else if (kind == "bad-length") {
    head += "Content-Length: 5x\r\n";
  } else if (kind == "length-list") {
    head += "Content-Length: 5, 6\r\n";
  } else {
    head += "Content-Length: 5\r\n";
  }
  c.out += head + "Connection: close\r\n\r\nhello!";
  c.close_after = true;
  flush(c);
}

// --- faults (tests/integration/faults_test.cpp): broken replies, written raw ---
//   /fault/<kind>  then close: reset-in-headers / close-in-headers (half a header
//                  block, then RST / FIN), non-http (an SSH banner), bad-chunk (a
//                  chunked body with the chunk size "zz")
void TestServer::Impl::raw_fault(Conn& c, std::string_view kind) {
  bool rst = false;
  if (kind == "reset-in-headers" || kind == "close-in-headers") {
    c.out += "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Len";
    rst = kind == "reset-in-headers";
  } else if (kind == "non-http") {
    c.out += "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\nProtocol mismatch.\r\n";
  } else if (kind == "bad-chunk") {
    c.out +=
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n";
  } else {
    return respond(c, 404, {{"Content-Type", "text/plain"}}, "no such fault\n");
  }
  flush(c);  // small: written at once
  if (!c.dead) close_conn(c, /*by_server=*/true, rst);
}

void TestServer::Impl::flush(Conn& c) {
  while (!c.dead) {
    if (c.out_off == c.out.size()) {
      c.out.clear();
      c.out_off = 0;
      if (c.gen_remaining == 0) break;
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(c.gen_remaining, kGenerateChunk));
      c.out.reserve(n);
      for (std::size_t i = 0; i < n; ++i) c.out += TestServer::pattern_byte(c.gen_offset + i);
      c.gen_offset += n;
      c.gen_remaining -= n;
    }
    ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      update_events(c);  // wait for EPOLLOUT
      return;
    } else {
      client_closed(c);  // EPIPE / ECONNRESET
      return;
    }
  }
  if (c.dead) return;
  update_events(c);
  if (c.phase == Phase::kResponding && c.gen_remaining == 0 && c.drip_remaining == 0 &&
      !c.delay_pending) {
    on_response_complete(c);
  }
}

void TestServer::Impl::on_response_complete(Conn& c) {
  if (c.close_after) {
    close_conn(c, /*by_server=*/true);
    return;
  }
  if (c.idle_after) {
    c.phase = Phase::kIdle;
    update_events(c);
    return;
  }
  reset_request(c);
  update_events(c);
  if (!c.in.empty()) process_input(c);  // no-op when already inside process_input
}

void TestServer::Impl::on_timer(std::uint64_t id, TimerKind kind) {
  if (kind == TimerKind::kAcceptRetry) {
    if (accept_paused) set_listen_enabled(true);
    return;
  }
  auto it = conns.find(id);
  if (it == conns.end() || it->second->dead) return;
  Conn& c = *it->second;
  if (kind == TimerKind::kSseScript) return sse_tick(c);
  if (kind == TimerKind::kDelay) {
    c.delay_pending = false;
    respond(c, 200, {{"Content-Type", "text/plain"}}, c.delay_body.empty() ? "ok" : c.delay_body);
  } else if (kind == TimerKind::kDrip && c.drip_remaining > 0) {
    if (c.drip_events) {
      c.out += sse_event(c.drip_offset++);
    } else {
      c.out += TestServer::pattern_byte(c.drip_offset++);
    }
    --c.drip_remaining;
    if (c.drip_remaining > 0) {
      timers.emplace(Clock::now() + c.drip_interval, std::pair{c.id, TimerKind::kDrip});
    }
    flush(c);
  }
}

// --- Server-sent events: scripted streams -----------------------------------

// /sse-script?body=&chunk=&interval_ms=&end=close|stall&status=&ctype=
//   `body` (percent-encoded: any bytes, a BOM, CR / CRLF / LF) written in parts
//   of `chunk` bytes (default: all at once, so a line may split mid-way), one
//   part every interval_ms (default 10), then the connection closes (the body
//   is close-delimited) or, with end=stall, stays open and silent. `status`
//   (default 200; 204 has no body) and `ctype` (default text/event-stream).
// /sse-resume?events=&per_conn=&retry=&interval_ms=&end=close|stall
//   events `id: i` / `data: event i` for i from Last-Event-ID + 1 (0 without
//   one), at most per_conn (default 2) per connection, then a drop (close, or
//   silence with end=stall); `retry` (ms) is sent first when given. Once all
//   `events` (default 5) were sent, the next request gets 204 (stop).
bool TestServer::Impl::sse_route(Conn& c) {
  const Request& req = c.req;
  if (req.path != "/sse-script" && req.path != "/sse-resume") return false;
  auto interval = query_number<std::uint64_t>(req.query, "interval_ms", 10);
  bool stall = query_param(req.query, "end").value_or("close") == "stall";
  std::vector<std::string> parts;
  if (req.path == "/sse-script") {
    int status = query_number<int>(req.query, "status", 200);
    if (status == 204 || status < 200 || status > 599) {
      respond(c, status == 204 ? 204 : 400, {}, "", {}, /*has_length=*/false);
      return true;
    }
    std::string body = query_param(req.query, "body").value_or("");
    auto chunk =
        std::max<std::size_t>(1, query_number<std::size_t>(req.query, "chunk", body.size()));
    for (std::size_t i = 0; i < body.size(); i += chunk) parts.push_back(body.substr(i, chunk));
    std::string type = query_param(req.query, "ctype").value_or("text/event-stream");
    sse_start(c, std::move(parts), interval, stall);
    respond(c, status, {{"Content-Type", type}}, "", {}, /*has_length=*/false);
    return true;
  }
  auto events = query_number<std::uint64_t>(req.query, "events", 5);
  auto per_conn = std::max<std::uint64_t>(1, query_number<std::uint64_t>(req.query, "per_conn", 2));
  std::uint64_t first = 0;
  for (const auto& [name, value] : req.headers) {
    if (name == "last-event-id") first = parse_number<std::uint64_t>(value).value_or(0) + 1;
  }
  if (first >= events) {
    respond(c, 204, {}, "", {}, /*has_length=*/false);
    return true;
  }
  if (auto retry = query_param(req.query, "retry")) parts.push_back("retry: " + *retry + "\n");
  for (std::uint64_t i = first; i < std::min(events, first + per_conn); ++i) {
    parts.push_back("id: " + std::to_string(i) + "\ndata: event " + std::to_string(i) + "\n\n");
  }
  sse_start(c, std::move(parts), interval, stall);
  respond(c, 200, {{"Content-Type", "text/event-stream"}}, "", {}, /*has_length=*/false);
  return true;
}

void TestServer::Impl::sse_start(Conn& c, std::vector<std::string> parts, std::uint64_t interval_ms,
                                 bool stall) {
  // Close-delimited: the connection's end is the stream's end.
  c.close_after = !stall;
  c.idle_after = stall;
  c.drip_offset = 0;
  c.drip_remaining = parts.size();
  c.sse_parts = std::move(parts);
  c.drip_interval = std::chrono::milliseconds(interval_ms);
  if (c.req.head) {
    c.drip_remaining = 0;
  } else if (c.drip_remaining > 0) {
    timers.emplace(Clock::now() + c.drip_interval, std::pair{c.id, TimerKind::kSseScript});
  }
}

void TestServer::Impl::sse_tick(Conn& c) {
  if (c.drip_remaining == 0) return;
  c.out += c.sse_parts[c.drip_offset++];
  if (--c.drip_remaining > 0) {
    timers.emplace(Clock::now() + c.drip_interval, std::pair{c.id, TimerKind::kSseScript});
  }
  flush(c);
}

void TestServer::Impl::client_closed(Conn& c) {
  if (c.dead) return;
  auto now = Clock::now();
  {
    std::lock_guard lock(mu);
    auto& rec = records[c.id - 1];
    if (!rec.client_closed) {
      rec.client_closed = now;
      ++client_closes;
      if (control_conns.count(c.id)) {
        ++control_closes;
      } else {
        last_client_close = std::max(last_client_close, now);
      }
    }
  }
  close_conn(c, /*by_server=*/false);
}

void TestServer::Impl::close_conn(Conn& c, bool by_server, bool rst) {
  if (c.dead) return;
  // Record first: a test that has just seen the EOF/RST must find it recorded.
  {
    std::lock_guard lock(mu);
    if (by_server) records[c.id - 1].server_closed = true;
    --open;
  }
  ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
  if (rst) {
    linger lg{1, 0};
    ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  ::close(c.fd);
  c.fd = -1;
  c.dead = true;
  dead.push_back(c.id);
  cv.notify_all();
  if (accept_paused) set_listen_enabled(true);
}

// ---------------------------------------------------------------------------

TestServer::TestServer() : impl_(std::make_unique<Impl>()) {}
TestServer::~TestServer() = default;

std::uint16_t TestServer::port() const {
  return impl_->port;
}

std::string TestServer::url(std::string_view path_and_query) const {
  std::string out = "http://127.0.0.1:" + std::to_string(impl_->port);
  if (path_and_query.empty() || path_and_query.front() != '/') out += '/';
  out += path_and_query;
  return out;
}

std::vector<TestServer::Connection> TestServer::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->records;
}

std::size_t TestServer::accepted_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->records.size();
}

std::size_t TestServer::open_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->open;
}

std::size_t TestServer::client_closed_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->client_closes;
}

namespace {

// Index of the connection (and of the request on it) whose target contains tag.
std::optional<std::pair<std::size_t, std::size_t>> find_tagged(
    const std::vector<TestServer::Connection>& records, std::string_view tag) {
  for (std::size_t i = records.size(); i-- > 0;) {
    const auto& targets = records[i].targets;
    for (std::size_t j = 0; j < targets.size(); ++j) {
      if (targets[j].find(tag) != std::string::npos) return std::pair{i, j};
    }
  }
  return std::nullopt;
}

}  // namespace

// Waits until the request tagged `tag` has been recorded and `when` (a time
// picked from its connection's record) has a value.
template <class When>
std::optional<TestServer::Clock::time_point> TestServer::wait_for_tagged(
    std::string_view tag, std::chrono::milliseconds limit, When when) const {
  std::unique_lock lock(impl_->mu);
  std::optional<Clock::time_point> result;
  impl_->cv.wait_for(lock, limit, [&] {
    if (auto found = find_tagged(impl_->records, tag)) {
      result = when(impl_->records[found->first], found->second);
    }
    return result.has_value();
  });
  return result;
}

std::optional<TestServer::Clock::time_point> TestServer::wait_for_request(
    std::string_view tag, std::chrono::milliseconds limit) const {
  return wait_for_tagged(tag, limit, [](const Connection& c, std::size_t request) {
    return std::optional(c.request_times[request]);
  });
}

std::optional<TestServer::Clock::time_point> TestServer::wait_for_client_close(
    std::string_view tag, std::chrono::milliseconds limit) const {
  return wait_for_tagged(tag, limit,
                         [](const Connection& c, std::size_t) { return c.client_closed; });
}

bool TestServer::wait_for_client_closes(std::size_t n, std::chrono::milliseconds limit) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, limit, [&] { return impl_->client_closes >= n; });
}

std::string_view TestServer::gzip_body() {
  return {reinterpret_cast<const char*>(kGzipBytes), sizeof kGzipBytes};
}

}  // namespace tether::test
