// The reactor: one thread waiting in epoll on curl's sockets and the eventfd
// that other threads write to, driving curl with curl_multi_socket_action.
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "transport/loop.hpp"

namespace tether::detail {

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
  // Room for every spare handle now: detach() must not allocate (it ends a
  // transfer when memory has run out).
  spare_handles_.reserve(256);
  transfers_.reserve(64);  // (and the first start() needs no bucket array)
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

namespace {
thread_local bool t_engine_thread = false;
}  // namespace

bool on_engine_thread() noexcept {
  return t_engine_thread;
}

void Engine::Loop::run() {
  t_engine_thread = true;
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
    try {
      dispatch(events.data(), n);
      int running = 0;
      if (curl_deadline_ && Clock::now() >= *curl_deadline_) {
        curl_deadline_.reset();
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      reap();
      if (oom_sweep_) fail_out_of_memory();
      if (!idle_deadlines_.empty()) check_idle(Clock::now());
    } catch (...) {
      // The thread's top level: nothing may end it. Each step fails its own
      // transfer when an allocation fails; this is the last resort.
    }
  }
  shutdown_all();
}

void Engine::Loop::dispatch(const epoll_event* events, int n) {
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

int Engine::Loop::on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void*) try {
  auto* loop = static_cast<Loop*>(userp);
  Transfer* t = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
  SocketState& state = loop->socket_state(s);
  if (t) {
    t->socket = what == CURL_POLL_REMOVE ? CURL_SOCKET_BAD : s;
    state.owner = t->id;
  }
  std::uint32_t events =
      ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
  // Unwatching is lazy: a kept-alive connection is usually wanted again by the
  // next request, so its epoll entry stays (see dispatch() and on_close_socket).
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
} catch (...) {
  // Out of memory growing the socket table. Returning -1 would make curl
  // fail every transfer of the engine for good; instead the transfer whose
  // socket cannot be watched is failed by the loop (fail_out_of_memory).
  Transfer* t = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
  if (t) t->out_of_memory = true;
  static_cast<Loop*>(userp)->oom_sweep_ = true;
  return 0;
}

void Engine::Loop::fail_out_of_memory() noexcept {
  oom_sweep_ = false;
  for (auto it = transfers_.begin(); it != transfers_.end();) {
    Transfer& t = *it->second;
    ++it;  // (complete() takes t out of the map)
    if (t.out_of_memory) fail_in_place(t);
  }
}

int Engine::Loop::on_close_socket(void* userp, curl_socket_t s) {
  auto* loop = static_cast<Loop*>(userp);
  if (static_cast<std::size_t>(s) >= loop->sockets_.size()) {
    // Never watched (nothing to forget): no growing of the table, which could
    // throw through curl.
    if (loop->removing_abortively_) make_close_abortive(s);
    return close(s);
  }
  SocketState& state = loop->socket_state(s);
  // curl closes the connection of a transfer whose timeout fired, gracefully:
  // make it abortive, as for an abort, so that the close reaches a server
  // that stopped reading (a FIN would wait behind the unread request bytes).
  if (loop->removing_abortively_) {
    make_close_abortive(s);
  } else if (state.owner != 0) {
    auto it = loop->transfers_.find(state.owner);
    if (it != loop->transfers_.end() && it->second->past_deadline(Clock::now())) {
      make_close_abortive(s);
    }
  }
  // Closing drops the epoll entry; forget it so a new socket that gets the
  // same number is added afresh.
  state = SocketState{};
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

void make_close_abortive(curl_socket_t s) {
  linger abortive{1, 0};
  setsockopt(s, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
}

}  // namespace tether::detail
