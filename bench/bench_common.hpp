// What every side of the HTTP benchmark shares: the clock, the figures, and
// the interface each client under test (Tether, raw libcurl, the peers) fills.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}
inline double millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

inline double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto sec = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return sec(usage.ru_utime) + sec(usage.ru_stime);
}

struct Throughput {
  double requests_per_second = 0;
  double cpu_per_1000 = 0;  // seconds of client CPU per 1,000 requests
  int failed = 0;           // transfers that did not complete with a response
};

// Times a closed-loop run: `launch(run)` starts one of `concurrency` request
// chains, each starting the next as one completes; `run->all_done` is set when
// `total` have completed and `run->failed` counts those that failed.
template <class Run>
Throughput timed_run(const std::shared_ptr<Run>& run, int total, int concurrency) {
  auto done = run->all_done.get_future();
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  for (int i = 0; i < concurrency && i < total; ++i) Run::launch(run);
  done.wait();
  auto elapsed = Clock::now() - t0;
  double cpu = cpu_seconds() - cpu0;
  return {total / std::chrono::duration<double>(elapsed).count(), cpu * 1000.0 / total,
          run->failed.load()};
}

struct AbortFigures {
  std::vector<double> settled_us, closed_us;
  int failed = 0;  // requests that settled on their own before the abort
};

// "http://127.0.0.1:8080/path" -> {"http://127.0.0.1:8080", "/path"}.
inline std::pair<std::string, std::string> split_url(const std::string& url) {
  auto slash = url.find('/', url.find("//") + 2);
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

// Requests started together and aborted together, as a user cancels a batch.
class Group {
 public:
  virtual ~Group() = default;
  // How many requests of the group have settled so far. Before the abort, a
  // settled request is a failure: the slow URL never answers.
  virtual int settled() const = 0;
  // The call a user makes to cancel the whole group (timed as "the abort() call").
  virtual void abort() = 0;
  // Blocks until every request of the group has settled.
  virtual void wait() = 0;
};

// One client under test.
class Side {
 public:
  virtual ~Side() = default;
  // One request, waited for (warms connections up); false if it failed.
  virtual bool get_ok(const std::string& url) = 0;
  virtual std::unique_ptr<Group> start(const std::string& url, int n) = 0;
  virtual Throughput throughput(const std::string& url, int total, int concurrency) = 0;
  // The largest group the side can hold (a thread per request has its limits).
  virtual int max_in_flight() const { return 10'000; }
};

// The sides. A peer whose library was not found at build time is nullptr.
std::unique_ptr<Side> make_tether_side();
std::unique_ptr<Side> make_curl_side();
std::unique_ptr<Side> make_cpprest_side();
std::unique_ptr<Side> make_httplib_side();
extern const char* const kCpprestMissing;  // why the peer is absent, or nullptr
extern const char* const kHttplibMissing;

// Exits with a clear message when the machine cannot hold `sockets` client
// connections at once (descriptor limit, ephemeral ports); raises the soft
// descriptor limit to the hard one when that is enough.
void check_preconditions(int sockets);

}  // namespace bench
