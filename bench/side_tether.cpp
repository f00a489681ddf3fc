// Tether as users use it: futures, config merging, response headers parsed,
// body unwrapped by Content-Type, a Response built.
#include <atomic>
#include <future>

#include "bench_common.hpp"
#include "tether/client.hpp"

namespace bench {

namespace {

class TetherGroup : public Group {
 public:
  TetherGroup(tether::Client& client, const std::string& url, int n) {
    futures_.reserve(n);
    for (int i = 0; i < n; ++i)
      futures_.push_back(client.get(url, {.signal = controller_.signal()}));
  }
  int settled() const override {
    return static_cast<int>(
        std::count_if(futures_.begin(), futures_.end(), [](const auto& f) { return f.ready(); }));
  }
  void abort() override { controller_.abort(); }
  void wait() override {
    for (auto& f : futures_) f.wait();
  }

 private:
  tether::AbortController controller_;
  std::vector<tether::Future<tether::Response>> futures_;
};

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
  return timed_run(std::make_shared<Run>(client, url, total), total, concurrency);
}

class TetherSide : public Side {
 public:
  bool get_ok(const std::string& url) override {
    try {
      client_.get(url).get();
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  std::unique_ptr<Group> start(const std::string& url, int n) override {
    return std::make_unique<TetherGroup>(client_, url, n);
  }
  Throughput throughput(const std::string& url, int total, int concurrency) override {
    return tether_throughput(client_, url, total, concurrency);
  }

 private:
  tether::Client client_;
};

}  // namespace

std::unique_ptr<Side> make_tether_side() {
  return std::make_unique<TetherSide>();
}

}  // namespace bench
