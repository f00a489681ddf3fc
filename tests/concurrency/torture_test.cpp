// The torture suite (issue 12, races): thousands of requests where abort,
// completion, timeout, redirect, retry back-off, interceptors (plain, async,
// throwing), Latest::next(), streaming and client destruction race at random
// points. Seeded and reproducible (TETHER_TORTURE_SEED replays a run, the seed
// is in every failure), sized by TETHER_TORTURE_SCALE (1 = 80,000 requests;
// smaller under sanitizers), bounded in time (every wait, and a watchdog that
// aborts with the seed if the whole test hangs).
//
// What it holds the library to:
// - every future settles exactly once (its continuation runs once, get() returns);
// - no callback runs after its registration or owner is gone: an abort callback
//   after its AbortRegistration was destroyed, an interceptor after its client
//   was destroyed, on_data after its request settled;
// - nothing leaks: every user callback carries a counted token, and the count
//   is back to zero once clients and futures are gone (LeakSanitizer does the
//   rest under ASan);
// - a request whose interceptor threw never succeeds, and fails with its message;
// - no error is ErrorCode::Unknown (a promise dropped unsettled would be one).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::AbortController;
using tether::Client;
using tether::Error;
using tether::ErrorCode;
using tether::Future;
using tether::RequestConfig;
using tether::Response;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr double kDefaultScale = 0.25;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
constexpr double kDefaultScale = 0.25;
#else
constexpr double kDefaultScale = 1.0;
#endif
#else
constexpr double kDefaultScale = 1.0;
#endif

constexpr int kPerRound = 100;
constexpr auto kBound = 60s;      // any single wait
constexpr auto kWatchdog = 270s;  // the whole test (ctest's limit is 300 s)

std::uint64_t seed() {
  if (const char* s = std::getenv("TETHER_TORTURE_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}() ^
         static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

int rounds() {
  double scale = kDefaultScale;
  if (const char* s = std::getenv("TETHER_TORTURE_SCALE")) scale = std::strtod(s, nullptr);
  return std::max(1, static_cast<int>(800 * scale));
}

// --- what the callbacks report ---

std::atomic<long> live_tokens{0};
// Carried by copy in every user callback: the library must drop them all.
struct Token {
  Token() { ++live_tokens; }
  Token(const Token&) { ++live_tokens; }
  Token& operator=(const Token&) = default;
  ~Token() { --live_tokens; }
};

std::mutex violations_mu;
std::vector<std::string> violations;
void violation(std::string what) {
  std::lock_guard lock(violations_mu);
  if (violations.size() < 20) violations.push_back(std::move(what));
}

// A flag a callback checks: the thing it belongs to is gone.
struct Sentinel {
  std::atomic<bool> gone{false};
};

struct Request {
  AbortController controller;
  bool refused = false;               // its interceptor throws
  std::atomic<int> continuations{0};  // must end at exactly 1
  std::atomic<bool> settled{false};   // its continuation ran
  std::optional<Future<void>> done;
};

// The process must not hang: if the test is not over in time, say the seed and
// stop (a deadlock cannot be failed from the thread that is stuck in it).
class Watchdog {
 public:
  explicit Watchdog(std::uint64_t seed) {
    thread_ = std::thread([this, seed] {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, kWatchdog, [&] { return done_; })) {
        std::fprintf(stderr, "torture: no progress for %llds: deadlock? TETHER_TORTURE_SEED=%llu\n",
                     static_cast<long long>(kWatchdog.count()),
                     static_cast<unsigned long long>(seed));
        std::abort();
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Interceptors of a client: a plain one, an asynchronous one, one that throws
// for requests marked X-Refuse. Each checks that its client still exists.
void add_interceptors(std::mt19937_64& random, Client& client,
                      const std::shared_ptr<Sentinel>& client_gone) {
  auto check = [client_gone](const char* who) {
    if (client_gone->gone.load())
      violation(std::string(who) + " ran after its client was destroyed");
  };
  client.interceptors().request.use([check, t = Token()](RequestConfig c) {
    check("request interceptor");
    if (c.headers.has("X-Refuse")) throw std::runtime_error("torture: interceptor refused");
    return c;
  });
  if (random() % 2) {
    client.interceptors().request.use([check, t = Token()](RequestConfig c) {
      check("async request interceptor");
      auto promise = std::make_shared<tether::Promise<RequestConfig>>();
      auto future = promise->get_future();
      tether::default_executor()->post(
          [promise, c = std::move(c)]() mutable { promise->set_value(std::move(c)); });
      return future;
    });
  }
  if (random() % 2) {
    client.interceptors().response.use(
        [check, t = Token()](Response r) {
          check("response interceptor");
          return r;
        },
        [check, t = Token()](const Error& e) -> Response {
          check("response error interceptor");
          throw e;
        });
  }
}

RequestConfig random_config(std::mt19937_64& random, const tether::test::TestServerProcess& server,
                            const std::shared_ptr<Request>& request, tether::Latest& latest,
                            int round, int index) {
  static const char* paths[] = {"/ok",
                                "/delay/3",
                                "/redirect/2",
                                "/bytes/200000",
                                "/headers-never",
                                "/status/503",
                                "/drip?bytes=4&interval_ms=2",
                                "/reset",
                                "/reset-mid-body",
                                "/flaky?fail=1&key="};
  std::string path = paths[random() % std::size(paths)];
  if (path.back() == '=') path += std::to_string(round) + "-" + std::to_string(index);
  RequestConfig config{.url = server.url(path)};
  switch (random() % 3) {
    case 0:
      config.signal = request->controller.signal();
      break;
    case 1:
      config.signal = latest.next();  // aborts the one handed out before
      break;
    default:
      config.signal = tether::AbortSignal::any(
          {request->controller.signal(),
           tether::AbortSignal::timeout(std::chrono::milliseconds(1 + random() % 20))});
  }
  if (random() % 3 == 0) config.timeout = std::chrono::milliseconds(1 + random() % 15);
  if (random() % 3 == 0) config.idle_timeout = std::chrono::milliseconds(5 + random() % 20);
  if (random() % 3 == 0) {
    config.retry = tether::RetryPolicy{.retries = 2, .delay = 1ms, .jitter = false};
  }
  if (random() % 5 == 0) config.max_redirects = 1;
  if (random() % 4 == 0) config.max_content_length = 50000;
  if (random() % 3 == 0) {
    std::weak_ptr<Request> weak = request;
    config.on_data = [weak, t = Token()](std::string_view) {
      auto r = weak.lock();
      if (!r) return violation("on_data ran after its request was gone");
      if (r->settled.load()) violation("on_data ran after its request settled");
    };
  }
  if (random() % 10 == 0) {
    request->refused = true;
    config.headers.set("X-Refuse", "1");
  }
  return config;
}

std::atomic<long> values{0}, cancels{0}, failures{0};  // for the summary line

void check_outcome(const Request& r, const tether::Result<Response>* value, const Error* error) {
  ++(value ? values : error->is_cancel() ? cancels : failures);
  if (value && r.refused) violation("a request whose interceptor threw succeeded");
  if (!error) return;
  bool refusal = std::string(error->what()) == "torture: interceptor refused";
  if (error->code() == ErrorCode::Unknown && !refusal) {
    violation(std::string("an error with no code: ") + error->what());
  }
  if (r.refused && error->code() != ErrorCode::Canceled && !refusal) {
    violation(std::string("a refused request failed otherwise: ") + error->what());
  }
}

// Abort callbacks registered and released while the signal aborts: after the
// registration's destructor returns, the callback never runs.
void race_registrations(std::mt19937_64& random, std::vector<std::shared_ptr<Request>>& requests,
                        std::vector<std::thread>& threads) {
  auto sentinels = std::make_shared<std::vector<std::shared_ptr<Sentinel>>>();
  auto registrations = std::make_shared<std::vector<tether::AbortRegistration>>();
  for (int i = 0; i < 10; ++i) {
    auto s = std::make_shared<Sentinel>();
    auto& r = requests[random() % requests.size()];
    registrations->push_back(r->controller.signal().on_abort([s, t = Token()](const auto&) {
      if (s->gone.load()) violation("an abort callback ran after its registration was destroyed");
    }));
    sentinels->push_back(std::move(s));
  }
  threads.emplace_back([sentinels, registrations, pause = random() % 3000] {
    std::this_thread::sleep_for(std::chrono::microseconds(pause));
    for (std::size_t i = 0; i < registrations->size(); ++i) {
      (*registrations)[i] = tether::AbortRegistration{};  // releases it
      (*sentinels)[i]->gone.store(true);
    }
  });
}

void run_round(std::mt19937_64& random, const tether::test::TestServerProcess& server, int round) {
  auto client_gone = std::make_shared<Sentinel>();
  auto client = std::make_unique<Client>();
  add_interceptors(random, *client, client_gone);
  std::optional<Client> child;  // shares the engine; also has to go
  if (random() % 2) {
    child.emplace(client->create(RequestConfig{}));  // interceptors of its own (axios.create)
    add_interceptors(random, *child, client_gone);
  }
  auto latest = std::make_unique<tether::Latest>();

  std::vector<std::shared_ptr<Request>> requests;
  for (int i = 0; i < kPerRound; ++i) {
    auto r = std::make_shared<Request>();
    auto config = random_config(random, server, r, *latest, round, i);
    Client& via = child && random() % 2 ? *child : *client;
    std::weak_ptr<Request> weak = r;
    r->done.emplace(via.request(std::move(config))
                        .then(
                            [weak, t = Token()](Response response) {
                              auto r = weak.lock();
                              if (!r) return violation("a continuation outlived its request");
                              ++r->continuations;
                              r->settled.store(true);
                              tether::Result<Response> v(std::move(response));
                              check_outcome(*r, &v, nullptr);
                            },
                            [weak, t = Token()](const Error& e) {
                              auto r = weak.lock();
                              if (!r) return violation("a continuation outlived its request");
                              ++r->continuations;
                              r->settled.store(true);
                              check_outcome(*r, nullptr, &e);
                            }));
    requests.push_back(std::move(r));
  }

  std::vector<std::thread> threads;
  race_registrations(random, requests, threads);
  // Aborts and Latest::next() from other threads, at random points.
  std::vector<std::size_t> order(requests.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), random);
  threads.emplace_back([&requests, order, aborts = random() % kPerRound, pauses = random()] {
    std::mt19937_64 pause(pauses);
    for (std::size_t i = 0; i < aborts; ++i) {
      if (pause() % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(pause() % 500));
      requests[order[i]]->controller.abort({"AbortError", "torture"});
    }
  });
  threads.emplace_back([&latest, n = random() % 5, pauses = random()] {
    std::mt19937_64 pause(pauses);
    for (std::size_t i = 0; i < n; ++i) {
      std::this_thread::sleep_for(std::chrono::microseconds(pause() % 2000));
      latest->next();
    }
  });
  // The clients go at once, a little later, or once most requests are done.
  std::thread destroyer([&, how = random() % 4, pause = random() % 50000] {
    if (how == 1) std::this_thread::sleep_for(std::chrono::microseconds(pause % 2000));
    if (how == 2) std::this_thread::sleep_for(std::chrono::microseconds(pause));
    if (how == 3) {
      auto until = std::chrono::steady_clock::now() + 2s;
      auto ready = [&] {
        return std::count_if(requests.begin(), requests.end(),
                             [](const auto& r) { return r->done->ready(); });
      };
      while (ready() < kPerRound * 9 / 10 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(100us);
      }
    }
    child.reset();
    client.reset();  // fails what is left with "client destroyed"
    client_gone->gone.store(true);
  });
  destroyer.join();
  for (auto& t : threads) t.join();

  for (auto& r : requests) {
    ASSERT_TRUE(r->done->wait_for(kBound)) << "a request never settled";
    r->done->get();  // its continuation does not throw
    ASSERT_EQ(r->continuations.load(), 1) << "settled more than once";
  }
  for (auto& r : requests) r->controller.abort();  // after settlement: nothing happens
  latest.reset();
  requests.clear();
}

}  // namespace

TEST(Torture, EverythingRacesAndEverySettlesOnce) {
  const std::uint64_t s = seed();
  const std::string replay = "TETHER_TORTURE_SEED=" + std::to_string(s);
  SCOPED_TRACE(replay);
  std::printf("torture: %s, %d rounds of %d requests\n", replay.c_str(), rounds(), kPerRound);
  Watchdog watchdog(s);
  std::mt19937_64 random(s);
  long tokens_before = live_tokens.load();
  {
    // In its own process: descriptors the engine closes and the server accepts
    // never alias (TSan tracks descriptor numbers process-wide).
    tether::test::TestServerProcess server;
    for (int round = 0; round < rounds(); ++round) {
      run_round(random, server, round);
      if (HasFatalFailure()) return;
    }
  }
  // Tokens are dropped by whichever thread releases the last reference (a
  // worker finishing a task): wait for that state, bounded.
  auto until = std::chrono::steady_clock::now() + kBound;
  while (live_tokens.load() != tokens_before && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(live_tokens.load(), tokens_before) << "user callbacks kept alive (leaked)";
  std::printf("torture: %ld values, %ld canceled, %ld other errors\n", values.load(),
              cancels.load(), failures.load());
  std::lock_guard lock(violations_mu);
  for (const auto& v : violations) ADD_FAILURE() << v;
}
