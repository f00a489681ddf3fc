// Peer: cpprestsdk (Microsoft's C++ REST SDK), asynchronous on its own thread
// pool (Boost.Asio on Linux); a request is canceled through a
// pplx::cancellation_token, as a group here.
#include "bench_common.hpp"

#if TETHER_BENCH_HAVE_CPPREST
#include <cpprest/http_client.h>

#include <atomic>
#include <future>

namespace bench {

namespace {

using web::http::http_response;
using web::http::methods;
using web::http::client::http_client;

class CpprestGroup : public Group {
 public:
  CpprestGroup(const std::string& url, int n) : client_(url) {
    tasks_.reserve(n);
    for (int i = 0; i < n; ++i) {
      tasks_.push_back(client_.request(methods::GET, cancel_.get_token())
                           .then([this](pplx::task<http_response> t) {
                             try {
                               t.get();
                             } catch (...) {
                               // canceled, or the connection failed: settled all the same
                             }
                             ++settled_;
                           }));
    }
  }
  // The continuations hold `this`: none may outlive the group.
  ~CpprestGroup() override {
    cancel_.cancel();
    wait();
  }
  int settled() const override { return settled_.load(); }
  void abort() override { cancel_.cancel(); }
  void wait() override {
    for (auto& t : tasks_) t.wait();
  }

 private:
  http_client client_;
  pplx::cancellation_token_source cancel_;
  std::vector<pplx::task<void>> tasks_;
  std::atomic<int> settled_{0};
};

class CpprestSide : public Side {
 public:
  bool get_ok(const std::string& url) override {
    try {
      http_client client(url);
      return client.request(methods::GET)
                 .then([](http_response r) { return r.extract_string(); })
                 .wait() == pplx::completed;
    } catch (const std::exception&) {
      return false;
    }
  }
  std::unique_ptr<Group> start(const std::string& url, int n) override {
    return std::make_unique<CpprestGroup>(url, n);
  }
  Throughput throughput(const std::string& url, int total, int concurrency) override;
};

// `concurrency` chains of requests on one client; each completion starts the next.
Throughput CpprestSide::throughput(const std::string& url, int total, int concurrency) {
  struct Run {
    http_client client;
    std::atomic<int> to_start, left, failed{0};
    std::promise<void> all_done;
    Run(const std::string& u, int n) : client(u), to_start(n), left(n) {}
    static void launch(const std::shared_ptr<Run>& run) {
      run->client.request(methods::GET)
          .then([](http_response r) { return r.extract_string(); })
          .then([run](pplx::task<std::string> body) {
            try {
              body.get();
            } catch (...) {
              ++run->failed;
            }
            if (run->to_start.fetch_sub(1) > 1) launch(run);
            if (run->left.fetch_sub(1) == 1) run->all_done.set_value();
          });
    }
  };
  return timed_run(std::make_shared<Run>(url, total), total, concurrency);
}

}  // namespace

const char* const kCpprestMissing = nullptr;
std::unique_ptr<Side> make_cpprest_side() {
  return std::make_unique<CpprestSide>();
}

}  // namespace bench

#else

namespace bench {
const char* const kCpprestMissing =
    "cpprestsdk not found at build time (Debian: libcpprest-dev; scripts/setup installs it)";
std::unique_ptr<Side> make_cpprest_side() {
  return nullptr;
}
}  // namespace bench

#endif
