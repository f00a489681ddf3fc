// The command mailbox: how other threads reach the loop (start, cancel, a
// task, shutdown), and the abort path, which must cost the aborting thread
// one push and the loop one socket shutdown and one curl removal.
#include <sys/socket.h>
#include <unistd.h>

#include <unordered_set>

#include "transport/loop.hpp"

namespace tether::detail {

bool Engine::Loop::push(Command& command) {
  // Held cancels go first: this thread's commands reach the loop in order.
  if (holding_cancels()) flush_held_cancels();
  bool was_empty;
  {
    std::lock_guard lock(mu);
    if (stopped) return false;
    was_empty = queue.empty();
    queue.push_back(std::move(command));
  }
  wake(was_empty);
  return true;
}

void Engine::Loop::push_cancels(const std::vector<TransferId>& ids) noexcept {
  bool was_empty;
  {
    std::lock_guard lock(mu);
    if (stopped) return;  // the loop has let go of every transfer
    was_empty = queue.empty();
    try {
      queue.reserve(queue.size() + ids.size());
    } catch (...) {
      // Out of memory for all at once: each push_back below may still find
      // room (a Cancel command allocates nothing itself).
    }
    try {
      for (TransferId id : ids) queue.push_back(Command{Command::Kind::Cancel, id, nullptr, {}});
    } catch (...) {
      // None left: the rest run to their end or timeout, their requests
      // already settled (the aborting thread cannot wait for memory).
    }
  }
  wake(was_empty);
}

void Engine::Loop::wake(bool queue_was_empty) noexcept {
  // From the loop itself (a continuation starting the next request) no
  // wake-up is needed: the loop looks at the queue before it sleeps again.
  if (std::this_thread::get_id() == thread_id.load(std::memory_order_relaxed)) {
    local_pending_ = true;
    return;
  }
  // One write per batch: the loop drains the whole queue on each wake-up.
  if (queue_was_empty) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
  }
}

bool Engine::Loop::run_commands() {
  // The two vectors trade places and keep their room: no allocation a request
  // once the queue has grown to its usual depth.
  std::vector<Command> batch = std::move(spare_batch_);
  batch.clear();
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
    try {
      canceled.insert(c.id);
    } catch (...) {
      // Out of memory: that transfer starts, and the cancel below stops it.
    }
    shut_socket(c.id);
  }
  bool keep_running = true;
  for (auto& c : batch) {
    switch (c.kind) {
      case Command::Kind::Start:
        if (canceled.count(c.id)) {
          active.fetch_sub(1);
        } else {
          start_or_fail(c.transfer);
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
  batch.clear();
  spare_batch_ = std::move(batch);
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

void Engine::Loop::shut_socket(TransferId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  Transfer& t = *it->second;
  // An aborted HTTP/1 connection can never be reused: tell the server at once
  // (FIN now, before curl's own clean-up, which costs more per connection the
  // more there are), and make the close abortive (RST), since a FIN queues
  // behind request bytes that a stalled server never reads. An HTTP/2
  // connection is shared: there only the stream is reset.
  // Only where HTTP/1 is certain (a response said so, or nothing else can be
  // spoken): an early shutdown of a shared HTTP/2 connection would kill its
  // other streams. Where it is not certain, the close curl makes on removal
  // is still abortive (remove_abortively).
  long version = 0;
  curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version);
  bool http1 = version != 0
                   ? version != CURL_HTTP_VERSION_2_0
                   : t.spec.http_version == HttpVersion::Http1_1 ||
                         (t.url.rfind("http:", 0) == 0 && t.spec.http_version == HttpVersion::Auto);
  if (http1 && t.socket != CURL_SOCKET_BAD) {
    make_close_abortive(t.socket);
    ::shutdown(t.socket, SHUT_RDWR);
  }
}

void Engine::Loop::remove_abortively(Transfer& t) {
  // curl closes the connection inside this call when it cannot be kept (an
  // HTTP/1 transfer cut short; never a multiplexed one): on_close_socket then
  // makes that close a reset, whatever the protocol turned out to be.
  removing_abortively_ = true;
  curl_multi_remove_handle(multi_, t.easy);
  removing_abortively_ = false;
}

void Engine::Loop::cancel(TransferId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;  // finished already: the abort is ignored
  Transfer& t = *it->second;
  // Removing a transfer that has not finished closes its HTTP/1.1 connection
  // (never returned to the pool half-read) or resets its HTTP/2 stream.
  remove_abortively(t);
  detach(t);  // its done is not called: the canceller settled the request
}

void Engine::Loop::shutdown_all() {
  // Every transfer still in flight fails as canceled.
  while (!transfers_.empty()) {
    Transfer& t = *transfers_.begin()->second;
    remove_abortively(t);
    auto failure = t.make_failure(ErrorCode::Canceled, "canceled");
    complete(t, std::move(failure));
  }
  // Cookies: a jar with a file is saved as its client goes (what fails here
  // cannot be reported; save_cookies() can).
  if (cookie_jar && !cookie_jar->file().empty()) {
    try {
      cookie_jar->save();
    } catch (...) {
    }
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
        t.unbind_flow();
        t.done(t.make_failure(ErrorCode::Canceled, "canceled"));
      }
    }
  }
}

}  // namespace tether::detail
