// The baseline: the floor of any libcurl-based client. One thread runs
// curl_multi_perform / curl_multi_poll; an abort is a command marshalled to it
// with curl_multi_wakeup, then curl_multi_remove_handle.
#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "bench_common.hpp"

namespace bench {

namespace {

size_t keep_body(char* data, size_t size, size_t n, void* userp) {
  static_cast<std::string*>(userp)->append(data, size * n);
  return size * n;
}

// An easy handle for the baseline: a GET of `url` into `body`, asking for
// compressed bodies as Tether does by default (as axios and fetch do).
CURL* baseline_easy(const std::string& url, std::string* body, void* private_data) {
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, private_data);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  return easy;
}

class RawCurl {
 public:
  struct Transfer {
    CURL* easy = nullptr;
    std::string body;
    std::function<void(CURLcode)> done;
  };

  RawCurl() : multi_(curl_multi_init()), thread_([this] { run(); }) {}
  ~RawCurl() {
    post([this] { running_ = false; });
    thread_.join();
    for (auto& [id, t] : transfers_) {
      curl_multi_remove_handle(multi_, t->easy);
      curl_easy_cleanup(t->easy);
    }
    curl_multi_cleanup(multi_);
  }

  // Any thread: runs fn on the loop thread.
  void post(std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      commands_.push_back(std::move(fn));
    }
    curl_multi_wakeup(multi_);
  }

  // Loop thread only. `done` runs on the loop thread when the transfer
  // completes on its own (never after abort()).
  std::uint64_t start(const std::string& url, std::function<void(CURLcode)> done) {
    auto t = std::make_unique<Transfer>();
    t->easy = baseline_easy(url, &t->body, t.get());
    t->done = std::move(done);
    std::uint64_t id = next_id_++;
    ids_[t.get()] = id;
    curl_multi_add_handle(multi_, t->easy);
    transfers_[id] = std::move(t);
    return id;
  }
  // Loop thread only; false if the transfer had already completed.
  bool abort(std::uint64_t id) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) return false;
    curl_multi_remove_handle(multi_, it->second->easy);
    curl_easy_cleanup(it->second->easy);
    ids_.erase(it->second.get());
    transfers_.erase(it);
    return true;
  }

 private:
  void run() {
    while (running_) {
      std::deque<std::function<void()>> batch;
      {
        std::lock_guard lock(mu_);
        batch.swap(commands_);
      }
      for (auto& fn : batch) fn();
      if (!running_) break;
      int still = 0;
      curl_multi_perform(multi_, &still);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg == CURLMSG_DONE) finish(msg->easy_handle, msg->data.result);
      }
      curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
    }
  }
  void finish(CURL* easy, CURLcode code) {
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
    curl_multi_remove_handle(multi_, easy);
    auto id = ids_[t];
    auto owned = std::move(transfers_[id]);
    transfers_.erase(id);
    ids_.erase(t);
    if (owned->done) owned->done(code);
    curl_easy_cleanup(owned->easy);
  }

  CURLM* multi_;
  std::mutex mu_;
  std::deque<std::function<void()>> commands_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Transfer>> transfers_;
  std::unordered_map<Transfer*, std::uint64_t> ids_;
  std::uint64_t next_id_ = 1;
  bool running_ = true;
  std::thread thread_;
};

// A group's transfers live on the loop thread. The count is shared with the
// loop's commands and callbacks, which may still be returning when wait() has
// seen the last one settle and the group is gone.
class CurlGroup : public Group {
 public:
  CurlGroup(RawCurl& raw, const std::string& url, int n)
      : raw_(raw), state_(std::make_shared<State>()) {
    state_->n = n;
    raw_.post([&raw, url, state = state_] {
      state->ids.reserve(state->n);
      for (int i = 0; i < state->n; ++i) {
        state->ids.push_back(raw.start(url, [state](CURLcode) { state->settle(1); }));
      }
    });
  }
  int settled() const override { return state_->settled.load(); }
  void abort() override {
    raw_.post([&raw = raw_, state = state_] {
      int aborted = 0;
      for (auto id : state->ids) aborted += raw.abort(id) ? 1 : 0;
      state->settle(aborted);
    });
  }
  void wait() override {
    auto& settled = state_->settled;
    for (int seen = settled.load(); seen < state_->n; seen = settled.load()) settled.wait(seen);
  }

 private:
  struct State {
    int n = 0;
    std::vector<std::uint64_t> ids;  // loop thread only
    std::atomic<int> settled{0};
    void settle(int k) {
      if (k > 0 && settled.fetch_add(k) + k == n) settled.notify_all();
    }
  };
  RawCurl& raw_;
  std::shared_ptr<State> state_;
};

// Throughput, raw: on the calling thread, easy handles reused per slot.
Throughput curl_throughput(const std::string& url, int total, int concurrency) {
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> easies(concurrency);
  std::vector<std::string> bodies(concurrency);
  int started = 0, finished = 0, failed = 0;
  auto launch = [&](int slot) {
    bodies[slot].clear();
    curl_multi_add_handle(multi, easies[slot]);
    ++started;
  };
  for (int i = 0; i < concurrency; ++i) {
    easies[i] = baseline_easy(url, &bodies[i], reinterpret_cast<void*>(static_cast<intptr_t>(i)));
  }
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  for (int i = 0; i < concurrency && started < total; ++i) launch(i);
  while (finished < total) {
    int still = 0;
    curl_multi_perform(multi, &still);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      if (msg->data.result != CURLE_OK) ++failed;
      void* slot_ptr = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot_ptr);
      int slot = static_cast<int>(reinterpret_cast<intptr_t>(slot_ptr));
      curl_multi_remove_handle(multi, msg->easy_handle);
      ++finished;
      if (started < total) launch(slot);
    }
    if (finished < total) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  auto elapsed = Clock::now() - t0;
  double cpu = cpu_seconds() - cpu0;
  for (CURL* e : easies) curl_easy_cleanup(e);
  curl_multi_cleanup(multi);
  return {total / std::chrono::duration<double>(elapsed).count(), cpu * 1000.0 / total, failed};
}

class CurlSide : public Side {
 public:
  bool get_ok(const std::string& url) override {
    std::promise<CURLcode> result;
    raw_.post([&] { raw_.start(url, [&result](CURLcode code) { result.set_value(code); }); });
    return result.get_future().get() == CURLE_OK;
  }
  std::unique_ptr<Group> start(const std::string& url, int n) override {
    return std::make_unique<CurlGroup>(raw_, url, n);
  }
  Throughput throughput(const std::string& url, int total, int concurrency) override {
    return curl_throughput(url, total, concurrency);
  }

 private:
  RawCurl raw_;
};

}  // namespace

std::unique_ptr<Side> make_curl_side() {
  return std::make_unique<CurlSide>();
}

}  // namespace bench
