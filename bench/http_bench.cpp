// Tether against raw libcurl and the peers a user would pick instead
// (cpprestsdk, cpp-httplib), in one run, on loopback. Prints one table and
// writes the figures as JSON (--json FILE) for bench/plot.py.
//
//   1. throughput, small GETs over keep-alive, concurrency 1 and 64
//      (requests/s, and client CPU per 1,000 requests; median of 3 rounds);
//   2. abort latency, one request in flight: abort() -> settled, and
//      abort() -> the server saw the close;
//   3. abort storms of 1,000 and 10,000 in flight on one signal: the abort()
//      call itself, until all settled, until the server saw every close;
//   4. memory: RSS per request in flight, at 10,000 in flight;
//   5. the abort figures of 2 with 10,000 other requests in flight;
//   6. (JSON and plot) throughput and abort latency against concurrency
//      1, 8, 64, 256, Tether and raw libcurl.
//
// "Settled" is when a thread blocked on the result wakes up, for every side.
// Figures 3-5 run in a child process per client (this executable with
// --load <side>), so each starts from a clean heap and its own descriptors.
#include <curl/curl.h>
#include <malloc.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_common.hpp"
#include "support/external_servers.hpp"
#include "support/server_process.hpp"

extern char** environ;

using namespace bench;
using nlohmann::json;
using tether::test::TestServerProcess;

namespace {

constexpr int kLoad = 10'000;
constexpr int kSmallStorm = 1'000;
constexpr std::array<const char*, 4> kSides = {"tether", "curl", "cpprest", "httplib"};
constexpr std::array<const char*, 4> kSideTitles = {"tether", "raw libcurl", "cpprestsdk",
                                                    "cpp-httplib"};

std::unique_ptr<Side> make_side(const std::string& name) {
  if (name == "tether") return make_tether_side();
  if (name == "curl") return make_curl_side();
  if (name == "cpprest") return make_cpprest_side();
  if (name == "httplib") return make_httplib_side();
  throw std::invalid_argument("unknown side " + name + " (tether, curl, cpprest, httplib)");
}

const char* missing_reason(std::size_t side) {
  if (side == 2) return kCpprestMissing;
  if (side == 3) return kHttplibMissing;
  return nullptr;
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
std::optional<Percentiles> percentiles(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<std::size_t>(q * (v.size() - 1))]; };
  return Percentiles{at(0.5), at(0.99), v.back()};
}
json to_json(const std::optional<Percentiles>& p) {
  return p ? json{p->p50, p->p99, p->max} : json();
}

Clock::time_point from_ns(long long ns) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

// Until the server has received the `n` requests of `group` (counted from
// `requests0`), or they failed; false after two minutes.
bool wait_in_flight(const TestServerProcess& server, std::size_t requests0, int n,
                    const Group& group) {
  auto limit = Clock::now() + std::chrono::minutes(2);
  while (Clock::now() < limit) {
    auto arrived = server.stats()["requests"].get<std::size_t>() - requests0;
    if (arrived + static_cast<std::size_t>(group.settled()) >= static_cast<std::size_t>(n))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

std::size_t stat(const TestServerProcess& server, const char* field) {
  return server.stats()[field].get<std::size_t>();
}

// One request in flight, aborted once the server has it, `count` times.
AbortFigures single_aborts(Side& side, const TestServerProcess& server, int count) {
  AbortFigures f;
  const std::string url = server.url("/headers-never");
  for (int i = 0; i < count; ++i) {
    auto before = server.stats();
    auto requests0 = before["requests"].get<std::size_t>();
    auto closed0 = before["client_closed"].get<std::size_t>();
    auto group = side.start(url, 1);
    if (!wait_in_flight(server, requests0, 1, *group) || group->settled() > 0) {
      ++f.failed;
      group->abort();
      group->wait();
      continue;
    }
    std::promise<Clock::time_point> woke;
    std::thread waiter([&] {
      group->wait();
      woke.set_value(Clock::now());
    });
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // the waiter is blocked
    auto start = Clock::now();
    group->abort();
    auto settled = woke.get_future().get();
    waiter.join();
    server.wait_for("client_closed", closed0 + 1, std::chrono::seconds(60));
    auto seen = from_ns(server.stats()["last_client_close_ns"].get<long long>());
    f.settled_us.push_back(micros(settled - start));
    f.closed_us.push_back(micros(seen - start));
  }
  return f;
}

// Aborts a group in flight at once: the call itself, until every request has
// settled, and until the server saw every close.
json storm(const TestServerProcess& server, Group& group, int n) {
  int failed = group.settled();
  auto closed0 = stat(server, "client_closed");
  auto start = Clock::now();
  group.abort();
  auto called = Clock::now();
  group.wait();
  auto settled = Clock::now();
  bool all_closed =
      server.wait_for("client_closed", closed0 + (n - failed), std::chrono::minutes(2));
  auto seen = from_ns(server.stats()["last_client_close_ns"].get<long long>());
  return {{"call_ms", millis(called - start)},
          {"settled_ms", millis(settled - start)},
          {"closed_ms", all_closed ? json(millis(seen - start)) : json()},
          {"failed", failed}};
}

json storm_of(Side& side, const TestServerProcess& server, int n) {
  auto requests0 = stat(server, "requests");
  auto group = side.start(server.url("/headers-never"), n);
  if (!wait_in_flight(server, requests0, n, *group)) throw std::runtime_error("load never arrived");
  return storm(server, *group, n);
}

// The load child: 10,000 in flight (memory), aborts under that load, the
// storm of 10,000, then a storm of 1,000. Prints one JSON object.
json run_load(const std::string& which, int aborts) {
  TestServerProcess server;
  auto side = make_side(which);
  if (!side) throw std::runtime_error(which + " is not built in");
  if (!side->get_ok(server.url("/ok"))) throw std::runtime_error("the warm-up request failed");
  malloc_trim(0);
  json out;
  if (side->max_in_flight() >= kLoad) {
    long rss0 = rss_bytes();
    auto requests0 = stat(server, "requests");
    auto group = side->start(server.url("/headers-never"), kLoad);
    if (!wait_in_flight(server, requests0, kLoad, *group))
      throw std::runtime_error("load never arrived");
    out["rss_per_request"] = static_cast<double>(rss_bytes() - rss0) / kLoad;
    auto figures = single_aborts(*side, server, aborts);
    out["settled"] = to_json(percentiles(figures.settled_us));
    out["closed"] = to_json(percentiles(figures.closed_us));
    out["aborts_failed"] = figures.failed;
    out["storm10000"] = storm(server, *group, kLoad);
  }
  out["storm1000"] = storm_of(*side, server, kSmallStorm);
  return out;
}

// Runs the load child for one side; nullopt (its column left empty) if it failed.
std::optional<json> spawn_load(const std::string& which, int aborts) {
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
  if (posix_spawn(&pid, self.c_str(), &actions, nullptr, argv, environ) != 0) {
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
    std::fprintf(stderr, "the %s load child failed (%s %d): its figures 3-5 are left empty\n",
                 which.c_str(), WIFEXITED(status) ? "exit status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return std::nullopt;
  }
  return json::parse(output);
}

// ---------------------------------------------------------------------------
// The table: one row a figure, one column a side; a figure that does not
// apply to a side, or that failed, is left empty.

struct Row {
  std::string what;
  std::string unit;
  std::array<std::optional<double>, 4> values;
};

std::optional<double> number(const json& j) {
  if (j.is_number()) return j.get<double>();
  return std::nullopt;
}

void print_table(const std::vector<Row>& rows) {
  std::printf("\n%-48s %14s %14s %7s %14s %14s\n", "figure", kSideTitles[0], kSideTitles[1],
              "ratio", kSideTitles[2], kSideTitles[3]);
  std::printf("%s\n", std::string(116, '-').c_str());
  auto cell = [](const std::optional<double>& v, const std::string& unit) {
    char text[32];
    // Counts are whole; small figures (the abort() call) keep three decimals.
    const char* format = unit.empty()   ? "%10.0f %-3s"
                         : v && *v < 10 ? "%10.3f %-3s"
                                        : "%10.1f %-3s";
    if (v)
      std::snprintf(text, sizeof text, format, *v, unit.c_str());
    else
      std::snprintf(text, sizeof text, "%10s %-3s", "-", "");
    return std::string(text);
  };
  for (const auto& r : rows) {
    const auto& v = r.values;
    char ratio[16] = "      -";
    if (v[0] && v[1] && *v[1] != 0) {
      double x = *v[0] / *v[1];
      std::snprintf(ratio, sizeof ratio, x < 100 ? "%6.2fx" : "%6.0fx", x);
    }
    std::printf("%-48s %s %s %7s %s %s\n", r.what.c_str(), cell(v[0], r.unit).c_str(),
                cell(v[1], r.unit).c_str(), ratio, cell(v[2], r.unit).c_str(),
                cell(v[3], r.unit).c_str());
  }
  std::printf(
      "(ratio = tether / raw libcurl; throughput: higher is better, all else lower; "
      "- = does not apply, or failed)\n");
}

json rows_json(const std::vector<Row>& rows) {
  json out = json::array();
  for (const auto& r : rows) {
    json row{{"figure", r.what}, {"unit", r.unit}};
    for (std::size_t s = 0; s < kSides.size(); ++s)
      row[kSides[s]] = r.values[s] ? json(*r.values[s]) : json();
    out.push_back(row);
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

using Sides = std::array<std::unique_ptr<Side>, 4>;

// Figure 1: three rounds, the sides interleaved, the median of each: the
// server shares the machine's two cores, so single runs swing by 20%.
void throughput_rows(Sides& sides, const std::string& url, int requests, std::vector<Row>& rows,
                     std::array<int, 4>& failed) {
  for (auto& side : sides) {
    if (side) side->throughput(url, 200, 1);  // warm
  }
  for (int concurrency : {1, 64}) {
    std::array<std::vector<double>, 4> rate, cpu;
    for (int round = 0; round < 3; ++round) {
      for (std::size_t s = 0; s < sides.size(); ++s) {
        if (!sides[s]) continue;
        auto t = sides[s]->throughput(url, requests, concurrency);
        rate[s].push_back(t.requests_per_second);
        cpu[s].push_back(t.cpu_per_1000 * 1000);
        failed[s] += t.failed;
      }
    }
    Row r{"1. throughput, concurrency " + std::to_string(concurrency), "r/s", {}};
    Row c{"1. client CPU per 1,000 requests, c. " + std::to_string(concurrency), "ms", {}};
    for (std::size_t s = 0; s < sides.size(); ++s) {
      if (rate[s].empty()) continue;
      r.values[s] = median(rate[s]);
      c.values[s] = median(cpu[s]);
    }
    rows.push_back(r);
    rows.push_back(c);
  }
}

// Figure 2: one request in flight, aborted, on the slow server.
void abort_rows(Sides& sides, int aborts, std::vector<Row>& rows, std::array<int, 4>& failed) {
  TestServerProcess slow;
  std::array<std::optional<Percentiles>, 4> settled, closed;
  for (std::size_t s = 0; s < sides.size(); ++s) {
    if (!sides[s]) continue;
    auto f = single_aborts(*sides[s], slow, aborts);
    settled[s] = percentiles(f.settled_us);
    closed[s] = percentiles(f.closed_us);
    failed[s] += f.failed;
  }
  const char* names[] = {"p50", "p99", "max"};
  for (auto [label, p] : {std::pair{"settled", &settled}, std::pair{"server saw close", &closed}}) {
    for (int i = 0; i < 3; ++i) {
      Row r{std::string("2. abort -> ") + label + " " + names[i], "us", {}};
      for (std::size_t s = 0; s < sides.size(); ++s) {
        if (const auto& q = (*p)[s]) r.values[s] = i == 0 ? q->p50 : i == 1 ? q->p99 : q->max;
      }
      rows.push_back(r);
    }
  }
}

// Figures 3-5, from the load children.
void load_rows(const std::array<std::optional<json>, 4>& load, std::vector<Row>& rows,
               std::array<int, 4>& failed) {
  auto row = [&](std::string what, std::string unit, auto pick) {
    Row r{std::move(what), std::move(unit), {}};
    for (std::size_t s = 0; s < load.size(); ++s) {
      if (load[s]) r.values[s] = pick(*load[s]);
    }
    rows.push_back(r);
  };
  for (auto [n, key] : {std::pair{"1,000", "storm1000"}, std::pair{"10,000", "storm10000"}}) {
    std::string storm = std::string("3. storm of ") + n + ": ";
    row(storm + "the abort() call", "ms",
        [key](const json& j) { return number(j.value(key, json())["call_ms"]); });
    row(storm + "all settled", "ms",
        [key](const json& j) { return number(j.value(key, json())["settled_ms"]); });
    row(storm + "server saw every close", "ms",
        [key](const json& j) { return number(j.value(key, json())["closed_ms"]); });
  }
  row("4. RSS per request in flight (10,000)", "KiB", [](const json& j) {
    auto v = number(j.value("rss_per_request", json()));
    return v ? std::optional<double>(*v / 1024) : std::nullopt;
  });
  const char* names[] = {"p50", "p99", "max"};
  for (auto [label, key] :
       {std::pair{"settled", "settled"}, std::pair{"server saw close", "closed"}}) {
    for (int i = 0; i < 3; ++i) {
      row(std::string("5. under load: abort -> ") + label + " " + names[i], "us",
          [key, i](const json& j) {
            auto v = j.value(key, json());
            return v.is_array() ? number(v[i]) : std::nullopt;
          });
    }
  }
  for (std::size_t s = 0; s < load.size(); ++s) {
    if (!load[s]) continue;
    const json& j = *load[s];
    failed[s] += j.value("aborts_failed", 0);
    for (const char* key : {"storm1000", "storm10000"}) {
      if (j.contains(key)) failed[s] += j[key].value("failed", 0);
    }
  }
}

// Figure 6 (JSON and plot): Tether and raw libcurl against concurrency. The
// abort latency is a single abort with `c - 1` other requests in flight.
json concurrency_sweep(Sides& sides, const std::string& fast_url, int requests, int aborts,
                       std::array<int, 4>& failed) {
  json sweep = json::array();
  TestServerProcess slow;
  for (int c : {1, 8, 64, 256}) {
    json point{{"concurrency", c}};
    for (std::size_t s = 0; s < 2; ++s) {
      auto t = sides[s]->throughput(fast_url, requests, c);
      failed[s] += t.failed;
      std::unique_ptr<Group> others;
      if (c > 1) {
        auto requests0 = stat(slow, "requests");
        others = sides[s]->start(slow.url("/headers-never"), c - 1);
        wait_in_flight(slow, requests0, c - 1, *others);
      }
      auto f = single_aborts(*sides[s], slow, aborts);
      failed[s] += f.failed;
      if (others) {
        failed[s] += others->settled();
        others->abort();
        others->wait();
      }
      point[kSides[s]] = {{"rps", t.requests_per_second},
                          {"cpu_per_1000_ms", t.cpu_per_1000 * 1000},
                          {"abort_settled_us", to_json(percentiles(f.settled_us))},
                          {"abort_closed_us", to_json(percentiles(f.closed_us))}};
    }
    sweep.push_back(point);
  }
  return sweep;
}

int run_all(int requests, int aborts, const std::string& json_path) {
  // The fast keep-alive server: nginx when installed, else the test server.
  std::optional<tether::test::NginxServer> nginx;
  std::optional<TestServerProcess> fast_fallback;
  std::string fast_url;
  if (tether::test::NginxServer::available()) {
    nginx.emplace();
    fast_url = nginx->http_url("/hello.txt");
  } else {
    fast_fallback.emplace();
    fast_url = fast_fallback->url("/ok");
  }
  std::printf(
      "Tether vs raw libcurl %s and peers, loopback, %d requests per throughput figure, "
      "%d aborts\n",
      curl_version_info(CURLVERSION_NOW)->version, requests, aborts);
  std::printf("fast server: %s; slow server: the project's test server (own process)\n",
              nginx ? "nginx" : "test server");
  Sides sides;
  for (std::size_t s = 0; s < kSides.size(); ++s) {
    sides[s] = make_side(kSides[s]);
    const char* why = missing_reason(s);
    if (!sides[s]) std::printf("peer missing: %s; its column is empty\n", why ? why : kSides[s]);
  }
  std::fflush(stdout);

  std::vector<Row> rows;
  std::array<int, 4> failed{};
  throughput_rows(sides, fast_url, requests, rows, failed);
  abort_rows(sides, aborts, rows, failed);
  std::array<std::optional<json>, 4> load;
  for (std::size_t s = 0; s < kSides.size(); ++s) {
    if (sides[s]) load[s] = spawn_load(kSides[s], aborts);
  }
  load_rows(load, rows, failed);
  json sweep = concurrency_sweep(sides, fast_url, requests / 2, std::max(aborts / 5, 20), failed);
  Row failures{"failed transfers (all figures)", "", {}};
  for (std::size_t s = 0; s < kSides.size(); ++s) {
    if (sides[s]) failures.values[s] = failed[s];
  }
  rows.push_back(failures);
  print_table(rows);
  if (!json_path.empty()) {
    json out{{"curl_version", curl_version_info(CURLVERSION_NOW)->version},
             {"requests", requests},
             {"aborts", aborts},
             {"rows", rows_json(rows)},
             {"sweep", sweep}};
    std::ofstream(json_path) << out.dump(2) << "\n";
    std::printf("figures written to %s\n", json_path.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  check_preconditions(kLoad);  // the storm of 1,000 runs after the load is gone
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "--load") {
    int aborts = args.size() >= 3 ? std::stoi(args[2]) : 500;
    std::printf("%s\n", run_load(args[1], aborts).dump().c_str());
    return 0;
  }
  // For profiling one side: --throughput <side> <requests> [concurrency, 64].
  if (args.size() >= 3 && args[0] == "--throughput") {
    int concurrency = args.size() >= 4 ? std::stoi(args[3]) : 64;
    TestServerProcess server;
    auto side = make_side(args[1]);
    if (!side) throw std::runtime_error(args[1] + " is not built in");
    auto r = side->throughput(server.url("/ok"), std::stoi(args[2]), concurrency);
    std::printf("%.0f r/s, %.1f ms CPU per 1,000 requests, %d failed\n", r.requests_per_second,
                r.cpu_per_1000 * 1000, r.failed);
    return 0;
  }
  std::string json_path;
  std::vector<int> numbers;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json" && i + 1 < args.size())
      json_path = args[++i];
    else
      numbers.push_back(std::stoi(args[i]));
  }
  return run_all(numbers.size() > 0 ? numbers[0] : 5'000, numbers.size() > 1 ? numbers[1] : 300,
                 json_path);
} catch (const std::exception& e) {
  std::fprintf(stderr, "tether_bench_http: %s\n", e.what());
  return 1;
}
