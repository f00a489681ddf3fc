#include "preview_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <list>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>

#include "http_message.hpp"
#include "routes.hpp"

namespace tether::demo {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kIdleTimeout{15'000};  // a keep-alive connection's silence
constexpr milliseconds kMaxDelay{10'000};
constexpr std::size_t kMaxConnections = 256;  // past it, a new connection is closed at once

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Closes a descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// route() may throw (nlohmann refuses to dump invalid UTF-8): a 500, never a crash.
HttpResponse safe_route(const HttpRequest& request) {
  try {
    return route(request);
  } catch (const std::exception&) {
    return {.status = 500,
            .body = R"({"type":"ServerError","message":"The server could not answer."})"};
  }
}

}  // namespace

struct PreviewServer::State {
  ServerOptions options;
  int listener = -1;
  int wake = -1;  // eventfd: readable once stop() begins, and for good
  std::uint16_t port = 0;
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> closes{0};
  std::atomic<std::uint64_t> finished{0};  // replied, seen closed, or given up on
  std::atomic<std::uint64_t> anonymous{0};

  std::mutex mu;  // guards rng, connections, stopped
  std::mt19937_64 rng;
  struct Connection {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Connection> connections;
  std::thread acceptor;
  bool stopped = false;

  void emit(const ServerEvent& event) const {
    if (!options.on_event) return;
    try {
      options.on_event(event);
    } catch (...) {  // an observer's bug must not take the server down
    }
  }

  milliseconds latency_for(const HttpRequest& request) {
    if (auto delay = request.query("delay")) {
      try {
        return std::min(milliseconds(std::stoll(*delay)), kMaxDelay);
      } catch (const std::exception&) {  // a malformed delay: the drawn latency
      }
    }
    std::lock_guard lock(mu);
    auto lo = options.min_latency.count();
    auto hi = std::max(lo, options.max_latency.count());
    return milliseconds(std::uniform_int_distribution<long long>(lo, hi)(rng));
  }

  void accept_loop();
  void serve(int fd);
  // Waits `latency` watching the socket: false if the client closed it (or
  // the server is stopping) first.
  bool wait_watching(int fd, milliseconds latency, bool& client_closed) const;
  // Reads until `buffer` holds a whole request: false on EOF, error, idle or stop.
  bool read_request(int fd, std::string& buffer, HttpRequest& request, HttpResponse& bad) const;
};

PreviewServer::PreviewServer(ServerOptions options) : state_(std::make_shared<State>()) {
  auto& s = *state_;
  s.options = std::move(options);
  s.rng.seed(s.options.seed);
  s.wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s.wake < 0) throw_errno("eventfd");
  s.listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s.listener < 0) throw_errno("socket");
  int one = 1;
  ::setsockopt(s.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(s.listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw_errno("bind");
  }
  if (::listen(s.listener, 128) != 0) throw_errno("listen");
  socklen_t len = sizeof addr;
  ::getsockname(s.listener, reinterpret_cast<sockaddr*>(&addr), &len);
  s.port = ntohs(addr.sin_port);
  s.acceptor = std::thread([state = state_] { state->accept_loop(); });
}

PreviewServer::~PreviewServer() {
  stop();
}

std::string PreviewServer::url() const {
  return "http://127.0.0.1:" + std::to_string(state_->port);
}
std::uint16_t PreviewServer::port() const {
  return state_->port;
}
std::uint64_t PreviewServer::requests_received() const {
  return state_->received.load();
}
std::uint64_t PreviewServer::closes_seen() const {
  return state_->closes.load();
}

std::uint64_t PreviewServer::in_progress() const {
  return state_->received.load() - state_->finished.load();
}

void PreviewServer::stop() {
  auto& s = *state_;
  {
    std::lock_guard lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(s.wake, &one, sizeof one);
  if (s.acceptor.joinable()) s.acceptor.join();
  std::list<State::Connection> connections;
  {
    std::lock_guard lock(s.mu);
    connections.swap(s.connections);
  }
  for (auto& c : connections) c.thread.join();
  ::close(s.listener);
  ::close(s.wake);
}

void PreviewServer::State::accept_loop() {
  while (true) {
    pollfd fds[2] = {{listener, POLLIN, 0}, {wake, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    if (!(fds[0].revents & POLLIN)) continue;
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard lock(mu);
    connections.remove_if([](Connection& c) {  // reap the finished ones
      if (!c.done->load()) return false;
      c.thread.join();
      return true;
    });
    if (connections.size() >= kMaxConnections) {
      ::close(fd);
      continue;
    }
    try {
      auto done = std::make_shared<std::atomic<bool>>(false);
      connections.push_back({std::thread([this, fd, done] {
                               serve(fd);
                               done->store(true);
                             }),
                             done});
    } catch (const std::system_error&) {  // no thread to be had: refuse this one
      ::close(fd);
    }
  }
}

bool PreviewServer::State::read_request(int fd, std::string& buffer, HttpRequest& request,
                                        HttpResponse& bad) const {
  while (true) {
    std::size_t consumed = 0;
    switch (parse_request(buffer, request, consumed)) {
      case ParseStatus::Complete:
        buffer.erase(0, consumed);
        return true;
      case ParseStatus::Bad:
        bad = {.status = 400, .body = R"({"type":"BadRequest","message":"Malformed request."})"};
        return false;
      case ParseStatus::HeadersTooLarge:
        bad = {.status = 431, .body = R"({"type":"BadRequest","message":"Headers too large."})"};
        return false;
      case ParseStatus::BodyTooLarge:
        bad = {.status = 413, .body = R"({"type":"BadRequest","message":"Body too large."})"};
        return false;
      case ParseStatus::Incomplete:
        break;
    }
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake, POLLIN, 0}};
    int ready = ::poll(fds, 2, static_cast<int>(kIdleTimeout.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || fds[1].revents) return false;
    char chunk[16 * 1024];
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

bool PreviewServer::State::wait_watching(int fd, milliseconds latency, bool& client_closed) const {
  auto deadline = Clock::now() + latency;
  while (true) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left <= milliseconds(0)) return true;
    // POLLRDHUP alone: data the client pipelines must not wake this loop.
    pollfd fds[2] = {{fd, POLLRDHUP, 0}, {wake, POLLIN, 0}};
    int ready = ::poll(fds, 2, static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (fds[1].revents) return false;
    if (fds[0].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
      client_closed = true;
      return false;
    }
  }
}

void PreviewServer::State::serve(int raw_fd) {
  Fd fd(raw_fd);
  std::string buffer;
  while (true) {
    HttpRequest request;
    HttpResponse bad;
    if (!read_request(fd.fd, buffer, request, bad)) {
      if (bad.status != 200) {
        auto out = serialize_response(bad, false);
        ::send(fd.fd, out.data(), out.size(), MSG_NOSIGNAL);
      }
      return;
    }
    auto started = Clock::now();
    ServerEvent event{
        .kind = ServerEvent::Kind::Received,
        .request_id = request.header("x-demo-request").value_or("s" + std::to_string(++anonymous)),
        .method = request.method,
        .path = request.path(),
        .latency = latency_for(request)};
    received.fetch_add(1);
    emit(event);
    bool client_closed = false;
    bool waited = wait_watching(fd.fd, event.latency, client_closed);
    event.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    if (!waited) {
      finished.fetch_add(1);
      if (!client_closed) return;  // stopping
      closes.fetch_add(1);
      event.kind = ServerEvent::Kind::ClientClosed;
      emit(event);
      return;
    }
    auto out = serialize_response(safe_route(request), request.keep_alive());
    bool sent =
        ::send(fd.fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
    finished.fetch_add(1);
    if (!sent) return;
    event.kind = ServerEvent::Kind::Replied;
    emit(event);
    if (!request.keep_alive()) return;
  }
}

}  // namespace tether::demo
