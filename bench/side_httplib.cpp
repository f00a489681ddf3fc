// Peer: cpp-httplib, blocking, one thread per request in flight. An abort is
// Client::stop() from another thread, which shuts the request's socket down.
#include "bench_common.hpp"

#if TETHER_BENCH_HAVE_HTTPLIB
#include <httplib.h>

#include <atomic>
#include <thread>

namespace bench {

namespace {

std::unique_ptr<httplib::Client> make_client(const std::string& base) {
  auto client = std::make_unique<httplib::Client>(base);
  client->set_keep_alive(true);
  // Bounds a request that a stop() missed; the slow URL never answers.
  client->set_read_timeout(std::chrono::seconds(120));
  return client;
}

class HttplibGroup : public Group {
 public:
  HttplibGroup(const std::string& url, int n) {
    auto [base, path] = split_url(url);
    clients_.reserve(n);
    threads_.reserve(n);
    for (int i = 0; i < n; ++i) {
      clients_.push_back(make_client(base));
      threads_.emplace_back([this, client = clients_.back().get(), path = path] {
        client->Get(path);
        ++settled_;
      });
    }
  }
  ~HttplibGroup() override {
    abort();
    wait();
  }
  int settled() const override { return settled_.load(); }
  // No batch cancel in cpp-httplib: one stop() a request, on the caller's thread.
  void abort() override {
    for (auto& c : clients_) c->stop();
  }
  void wait() override {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::vector<std::unique_ptr<httplib::Client>> clients_;
  std::vector<std::thread> threads_;
  std::atomic<int> settled_{0};
};

class HttplibSide : public Side {
 public:
  bool get_ok(const std::string& url) override {
    auto [base, path] = split_url(url);
    auto result = make_client(base)->Get(path);
    return result && result->status == 200;
  }
  std::unique_ptr<Group> start(const std::string& url, int n) override {
    return std::make_unique<HttplibGroup>(url, n);
  }
  Throughput throughput(const std::string& url, int total, int concurrency) override;
  // 10,000 threads on a shared 2-core machine measure the scheduler, not the library.
  int max_in_flight() const override { return 1'000; }
};

// `concurrency` threads, each with a keep-alive client of its own.
Throughput HttplibSide::throughput(const std::string& url, int total, int concurrency) {
  auto [base, path] = split_url(url);
  std::atomic<int> next{0}, failed{0};
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&, base = base, path = path] {
      auto client = make_client(base);
      while (next.fetch_add(1) < total) {
        auto result = client->Get(path);
        if (!result || result->status != 200) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto elapsed = Clock::now() - t0;
  double cpu = cpu_seconds() - cpu0;
  return {total / std::chrono::duration<double>(elapsed).count(), cpu * 1000.0 / total,
          failed.load()};
}

}  // namespace

const char* const kHttplibMissing = nullptr;
std::unique_ptr<Side> make_httplib_side() {
  return std::make_unique<HttplibSide>();
}

}  // namespace bench

#else

namespace bench {
const char* const kHttplibMissing =
    "cpp-httplib not found at build time (Debian: libcpp-httplib-dev; scripts/setup installs it)";
std::unique_ptr<Side> make_httplib_side() {
  return nullptr;
}
}  // namespace bench

#endif
