// Tether against raw libcurl, in one run, on loopback. Prints one table.
//
//   1. throughput, small GETs over keep-alive, concurrency 1 and 64
//      (requests/s, and client CPU per 1,000 requests; median of 3 rounds);
//   2. abort latency, one request in flight: abort() -> settled, and
//      abort() -> the server saw the close;
//   3. abort storm: 10,000 in flight, aborted at once: until all settled, and
//      until the server saw every close;
//   4. memory: RSS per request in flight, at 10,000 in flight;
//   5. the abort figures of 2 with 10,000 other requests in flight.
//
// The baseline is the floor of any libcurl-based client: one thread running
// curl_multi_perform / curl_multi_poll, an abort marshalled to it with a
// command and curl_multi_wakeup, then curl_multi_remove_handle.
//
// Run: make bench (or build/bench/tether_bench_http). Figures 3-5 run in a
// child process per client (this executable with --load tether|curl), so each
// starts from a clean heap and its own descriptor budget.
#include <curl/curl.h>
#include <malloc.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/external_servers.hpp"
#include "support/server_process.hpp"
#include "tether/client.hpp"
#include "tether/limits.hpp"

extern char** environ;

using Clock = std::chrono::steady_clock;
using std::chrono::duration;

namespace {

constexpr int kLoad = 10'000;

double micros(Clock::duration d) {
  return duration<double, std::micro>(d).count();
}
double millis(Clock::duration d) {
  return duration<double, std::milli>(d).count();
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto sec = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return sec(usage.ru_utime) + sec(usage.ru_stime);
}

long rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};
Percentiles percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<std::size_t>(q * (v.size() - 1))]; };
  return {at(0.5), at(0.99), v.back()};
}

Clock::time_point from_ns(long long ns) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

// ---------------------------------------------------------------------------
// The baseline: raw libcurl multi on a loop thread of its own.

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
    std::function<void(Transfer&, CURLcode)> done;
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

  // Loop thread only.
  std::uint64_t start(const std::string& url, std::function<void(Transfer&, CURLcode)> done) {
    auto t = std::make_unique<Transfer>();
    t->easy = baseline_easy(url, &t->body, t.get());
    t->done = std::move(done);
    std::uint64_t id = next_id_++;
    ids_[t.get()] = id;
    curl_multi_add_handle(multi_, t->easy);
    transfers_[id] = std::move(t);
    return id;
  }
  void abort(std::uint64_t id) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) return;
    curl_multi_remove_handle(multi_, it->second->easy);
    curl_easy_cleanup(it->second->easy);
    ids_.erase(it->second.get());
    transfers_.erase(it);
  }
  void abort_all() {
    for (auto& [id, t] : transfers_) {
      curl_multi_remove_handle(multi_, t->easy);
      curl_easy_cleanup(t->easy);
    }
    transfers_.clear();
    ids_.clear();
  }
  std::size_t in_flight() const { return transfers_.size(); }

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
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
        CURLcode code = msg->data.result;
        curl_multi_remove_handle(multi_, t->easy);
        auto id = ids_[t];
        auto owned = std::move(transfers_[id]);
        transfers_.erase(id);
        ids_.erase(t);
        owned->done(*owned, code);
        curl_easy_cleanup(owned->easy);
      }
      curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
    }
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

// Throughput, raw: on the calling thread, easy handles reused per slot.
struct Throughput {
  double requests_per_second = 0;
  double cpu_per_1000 = 0;
};

Throughput curl_throughput(const std::string& url, int total, int concurrency) {
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> easies(concurrency);
  std::vector<std::string> bodies(concurrency);
  int started = 0, finished = 0;
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
  return {total / duration<double>(elapsed).count(), cpu * 1000.0 / total};
}

Throughput tether_throughput(tether::Client& client, const std::string& url, int total,
                             int concurrency) {
  // Shared with the continuations, which may still be returning on the engine
  // thread when this function has returned.
  struct Run {
    tether::Client client;
    std::string url;
    std::atomic<int> to_start, left, failed{0};
    std::promise<void> all_done;
    Run(tether::Client c, std::string u, int n)
        : client(std::move(c)), url(std::move(u)), to_start(n), left(n) {}
    // Each completion starts the next request from the engine thread itself.
    static void launch(const std::shared_ptr<Run>& run) {
      auto next = [run](bool ok) {
        if (!ok) ++run->failed;
        if (run->to_start.fetch_sub(1) > 1) launch(run);
        if (run->left.fetch_sub(1) == 1) run->all_done.set_value();
      };
      run->client.get(run->url).then([next](tether::Response) { next(true); },
                                     [next](const tether::Error&) { next(false); });
    }
  };
  auto run = std::make_shared<Run>(client, url, total);
  auto done = run->all_done.get_future();
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  for (int i = 0; i < concurrency && i < total; ++i) Run::launch(run);
  done.wait();
  auto elapsed = Clock::now() - t0;
  double cpu = cpu_seconds() - cpu0;
  if (run->failed)
    std::fprintf(stderr, "tether throughput: %d requests failed\n", run->failed.load());
  return {total / duration<double>(elapsed).count(), cpu * 1000.0 / total};
}

// ---------------------------------------------------------------------------
// Abort latency: start one request, wait until the server has it, abort.

struct AbortFigures {
  std::vector<double> settled_us, closed_us;
};

// Waits until the server has received `n` requests in all.
bool wait_for_requests(const tether::test::TestServerProcess& server, std::size_t n) {
  return server.wait_for("requests", n, std::chrono::seconds(120));
}

AbortFigures tether_aborts(tether::Client& client, tether::test::TestServerProcess& server,
                           int count) {
  AbortFigures f;
  for (int i = 0; i < count; ++i) {
    auto before = server.stats();
    std::size_t accepted = before["requests"].get<std::size_t>() + 1;
    std::size_t closed = before["client_closed"].get<std::size_t>() + 1;
    tether::AbortController controller;
    auto future = client.get(server.url("/headers-never"), {.signal = controller.signal()});
    if (!wait_for_requests(server, accepted)) throw std::runtime_error("request never arrived");
    // "Settled" is when a thread blocked on the future wakes up.
    std::promise<Clock::time_point> woke;
    std::thread waiter([&] {
      future.wait();
      woke.set_value(Clock::now());
    });
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // the waiter is blocked
    auto start = Clock::now();
    controller.abort();
    auto settled = woke.get_future().get();
    waiter.join();
    server.wait_for("client_closed", closed, std::chrono::seconds(60));
    auto seen = from_ns(server.stats()["last_client_close_ns"].get<long long>());
    f.settled_us.push_back(micros(settled - start));
    f.closed_us.push_back(micros(seen - start));
  }
  return f;
}

AbortFigures curl_aborts(RawCurl& raw, tether::test::TestServerProcess& server, int count) {
  AbortFigures f;
  std::string url = server.url("/headers-never");
  for (int i = 0; i < count; ++i) {
    auto before = server.stats();
    std::size_t accepted = before["requests"].get<std::size_t>() + 1;
    std::size_t closed = before["client_closed"].get<std::size_t>() + 1;
    auto id = std::make_shared<std::promise<std::uint64_t>>();
    raw.post(
        [&raw, url, id] { id->set_value(raw.start(url, [](RawCurl::Transfer&, CURLcode) {})); });
    std::uint64_t transfer = id->get_future().get();
    if (!wait_for_requests(server, accepted)) throw std::runtime_error("request never arrived");
    auto settled = std::make_shared<std::promise<Clock::time_point>>();
    auto start = Clock::now();
    raw.post([&raw, transfer, settled] {
      raw.abort(transfer);
      settled->set_value(Clock::now());
    });
    auto settled_at = settled->get_future().get();
    server.wait_for("client_closed", closed, std::chrono::seconds(60));
    auto seen = from_ns(server.stats()["last_client_close_ns"].get<long long>());
    f.settled_us.push_back(micros(settled_at - start));
    f.closed_us.push_back(micros(seen - start));
  }
  return f;
}

// ---------------------------------------------------------------------------
// The load child: 10,000 in flight (memory), aborts under that load, then
// the storm. Prints one JSON object.

nlohmann::json run_load(const std::string& which, int aborts) {
  tether::test::TestServerProcess server;
  const std::string url = server.url("/headers-never");
  malloc_trim(0);
  nlohmann::json out;
  if (which == "tether") {
    tether::Client client;
    client.get(server.url("/ok")).get();  // engine and curl warmed up
    malloc_trim(0);
    long rss0 = rss_bytes();
    tether::AbortController storm;
    std::vector<tether::Future<tether::Response>> futures;
    futures.reserve(kLoad);
    for (int i = 0; i < kLoad; ++i) futures.push_back(client.get(url, {.signal = storm.signal()}));
    if (!wait_for_requests(server, kLoad + 1)) throw std::runtime_error("load never arrived");
    out["rss_per_request"] = static_cast<double>(rss_bytes() - rss0) / kLoad;
    auto figures = tether_aborts(client, server, aborts);
    auto p_settled = percentiles(figures.settled_us), p_closed = percentiles(figures.closed_us);
    out["settled"] = {p_settled.p50, p_settled.p99, p_settled.max};
    out["closed"] = {p_closed.p50, p_closed.p99, p_closed.max};
    std::size_t closed0 = server.stats()["client_closed"].get<std::size_t>();
    auto start = Clock::now();
    storm.abort();
    Clock::time_point all_settled = Clock::now();  // each settles inside abort()
    if (!std::all_of(futures.begin(), futures.end(), [](auto& f) { return f.ready(); })) {
      for (auto& f : futures) f.wait();
      all_settled = Clock::now();
    }
    server.wait_for("client_closed", closed0 + kLoad, std::chrono::seconds(120));
    auto seen = from_ns(server.stats()["last_client_close_ns"].get<long long>());
    out["storm_settled_ms"] = millis(all_settled - start);
    out["storm_closed_ms"] = millis(seen - start);
  } else {
    RawCurl raw;
    {
      auto warm = std::make_shared<std::promise<void>>();
      raw.post([&raw, warm, ok = server.url("/ok")] {
        raw.start(ok, [warm](RawCurl::Transfer&, CURLcode) { warm->set_value(); });
      });
      warm->get_future().wait();
    }
    malloc_trim(0);
    long rss0 = rss_bytes();
    auto started = std::make_shared<std::promise<void>>();
    raw.post([&raw, url, started] {
      for (int i = 0; i < kLoad; ++i) raw.start(url, [](RawCurl::Transfer&, CURLcode) {});
      started->set_value();
    });
    started->get_future().wait();
    if (!wait_for_requests(server, kLoad + 1)) throw std::runtime_error("load never arrived");
    out["rss_per_request"] = static_cast<double>(rss_bytes() - rss0) / kLoad;
    auto figures = curl_aborts(raw, server, aborts);
    auto p_settled = percentiles(figures.settled_us), p_closed = percentiles(figures.closed_us);
    out["settled"] = {p_settled.p50, p_settled.p99, p_settled.max};
    out["closed"] = {p_closed.p50, p_closed.p99, p_closed.max};
    std::size_t closed0 = server.stats()["client_closed"].get<std::size_t>();
    auto settled = std::make_shared<std::promise<Clock::time_point>>();
    auto start = Clock::now();
    raw.post([&raw, settled] {
      raw.abort_all();
      settled->set_value(Clock::now());
    });
    auto all_settled = settled->get_future().get();
    server.wait_for("client_closed", closed0 + kLoad, std::chrono::seconds(120));
    auto seen = from_ns(server.stats()["last_client_close_ns"].get<long long>());
    out["storm_settled_ms"] = millis(all_settled - start);
    out["storm_closed_ms"] = millis(seen - start);
  }
  return out;
}

nlohmann::json spawn_load(const std::string& which, int aborts) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::string self = "/proc/self/exe";
  std::string aborts_arg = std::to_string(aborts);
  char* argv[] = {self.data(), const_cast<char*>("--load"), const_cast<char*>(which.c_str()),
                  aborts_arg.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv, environ) != 0) {
    throw std::runtime_error("posix_spawn");
  }
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) output.append(buffer, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || output.empty()) {
    throw std::runtime_error("the " + which + " load child failed");
  }
  return nlohmann::json::parse(output);
}

// ---------------------------------------------------------------------------

struct Row {
  std::string what;
  double tether, curl;
  std::string unit;
  bool higher_is_better;
};

void print_table(const std::vector<Row>& rows) {
  std::printf("\n%-58s %14s %14s %9s\n", "figure", "tether", "raw libcurl", "ratio");
  std::printf("%s\n", std::string(98, '-').c_str());
  for (const auto& r : rows) {
    double ratio = r.curl != 0 ? r.tether / r.curl : 0;
    std::printf("%-58s %10.1f %-3s %10.1f %-3s %8.2fx\n", r.what.c_str(), r.tether, r.unit.c_str(),
                r.curl, r.unit.c_str(), ratio);
  }
  std::printf("(ratio = tether / raw libcurl; throughput: higher is better, all else lower)\n");
}

}  // namespace

int main(int argc, char** argv) {
  tether::raise_open_file_limit();  // thousands of sockets in flight, for both sides
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (argc >= 3 && std::string(argv[1]) == "--load") {
    int aborts = argc >= 4 ? std::atoi(argv[3]) : 500;
    std::printf("%s\n", run_load(argv[2], aborts).dump().c_str());
    return 0;
  }
  // For profiling one side: --throughput tether|curl <requests> [concurrency, 64].
  if (argc >= 4 && std::string(argv[1]) == "--throughput") {
    int n = std::atoi(argv[3]);
    int concurrency = argc >= 5 ? std::atoi(argv[4]) : 64;
    tether::test::TestServerProcess server;
    std::string url = server.url("/ok");
    tether::Client client;
    auto r = std::string(argv[2]) == "curl" ? curl_throughput(url, n, concurrency)
                                            : tether_throughput(client, url, n, concurrency);
    std::printf("%.0f r/s, %.1f ms CPU per 1,000 requests\n", r.requests_per_second,
                r.cpu_per_1000 * 1000);
    return 0;
  }
  const int requests = argc > 1 ? std::atoi(argv[1]) : 20'000;
  const int aborts = argc > 2 ? std::atoi(argv[2]) : 500;

  // The fast keep-alive server: nginx when installed, else the test server.
  std::optional<tether::test::NginxServer> nginx;
  std::optional<tether::test::TestServerProcess> fast_fallback;
  std::string fast_url;
  if (tether::test::NginxServer::available()) {
    nginx.emplace();
    fast_url = nginx->http_url("/hello.txt");
  } else {
    fast_fallback.emplace();
    fast_url = fast_fallback->url("/ok");
  }
  std::printf("Tether vs raw libcurl %s, loopback, %d requests per throughput figure, %d aborts\n",
              curl_version_info(CURLVERSION_NOW)->version, requests, aborts);
  std::printf("fast server: %s; slow server: the project's test server (own process)\n",
              nginx ? "nginx" : "test server");

  std::vector<Row> rows;
  {
    tether::Client client;
    client.get(fast_url).get();
    curl_throughput(fast_url, 200, 1);  // warm both
    tether_throughput(client, fast_url, 200, 1);
    // Three rounds, the two sides interleaved, and the median of each: the
    // server shares the machine's two cores, so single runs swing by 20%.
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    for (int concurrency : {1, 64}) {
      std::vector<double> c_rate, c_cpu, t_rate, t_cpu;
      for (int round = 0; round < 3; ++round) {
        auto c = curl_throughput(fast_url, requests, concurrency);
        auto t = tether_throughput(client, fast_url, requests, concurrency);
        c_rate.push_back(c.requests_per_second);
        c_cpu.push_back(c.cpu_per_1000);
        t_rate.push_back(t.requests_per_second);
        t_cpu.push_back(t.cpu_per_1000);
      }
      auto label = "concurrency " + std::to_string(concurrency);
      rows.push_back({"1. throughput, " + label, median(t_rate), median(c_rate), "r/s", true});
      rows.push_back({"1. client CPU per 1,000 requests, " + label, median(t_cpu) * 1000,
                      median(c_cpu) * 1000, "ms", false});
    }
  }
  {
    tether::test::TestServerProcess slow;
    tether::Client client;
    auto t = tether_aborts(client, slow, aborts);
    RawCurl raw;
    auto c = curl_aborts(raw, slow, aborts);
    auto ts = percentiles(t.settled_us), cs = percentiles(c.settled_us);
    auto tc = percentiles(t.closed_us), cc = percentiles(c.closed_us);
    rows.push_back({"2. abort -> settled p50", ts.p50, cs.p50, "us", false});
    rows.push_back({"2. abort -> settled p99", ts.p99, cs.p99, "us", false});
    rows.push_back({"2. abort -> settled max", ts.max, cs.max, "us", false});
    rows.push_back({"2. abort -> server saw close p50", tc.p50, cc.p50, "us", false});
    rows.push_back({"2. abort -> server saw close p99", tc.p99, cc.p99, "us", false});
    rows.push_back({"2. abort -> server saw close max", tc.max, cc.max, "us", false});
  }
  auto t = spawn_load("tether", aborts);
  auto c = spawn_load("curl", aborts);
  rows.push_back({"3. storm of 10,000: all settled", t["storm_settled_ms"], c["storm_settled_ms"],
                  "ms", false});
  rows.push_back({"3. storm of 10,000: server saw every close", t["storm_closed_ms"],
                  c["storm_closed_ms"], "ms", false});
  rows.push_back({"4. RSS per request in flight (10,000)",
                  t["rss_per_request"].get<double>() / 1024,
                  c["rss_per_request"].get<double>() / 1024, "KiB", false});
  const char* names[] = {"p50", "p99", "max"};
  for (int i = 0; i < 3; ++i) {
    rows.push_back({std::string("5. under load: abort -> settled ") + names[i], t["settled"][i],
                    c["settled"][i], "us", false});
  }
  for (int i = 0; i < 3; ++i) {
    rows.push_back({std::string("5. under load: abort -> server saw close ") + names[i],
                    t["closed"][i], c["closed"][i], "us", false});
  }
  print_table(rows);
  return 0;
}
