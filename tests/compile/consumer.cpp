// What a user writes, compiled with -Wall -Wextra -Werror by g++ and clang:
// every public header, and designated initializers that leave fields out.
// Compiling is the test (tests/compile/CMakeLists.txt); main() is never run.
#include <tether/abort.hpp>
#include <tether/body.hpp>
#include <tether/cancel_token.hpp>
#include <tether/client.hpp>
#include <tether/combinators.hpp>
#include <tether/coroutine.hpp>
#include <tether/data.hpp>
#include <tether/error.hpp>
#include <tether/executor.hpp>
#include <tether/future.hpp>
#include <tether/headers.hpp>
#include <tether/interceptors.hpp>
#include <tether/limits.hpp>
#include <tether/params.hpp>
#include <tether/request.hpp>
#include <tether/response.hpp>
#include <tether/tether.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

tether::Future<int> status_of(tether::Client& client, std::string url) {
  co_return (co_await client.get(std::move(url))).status;
}

tether::Future<void> fetch_both(tether::Client& client, std::string a, std::string b) {
  tether::AbortController controller;
  tether::RequestConfig config{.timeout = 5s, .signal = controller.signal()};
  auto first = co_await client.get(a, config);
  auto second = co_await client.post(std::move(b), tether::Body("x"), std::move(config));
  (void)first;
  (void)second;
}

[[maybe_unused]] void configs(tether::Client& client) {
  tether::AbortController controller;
  auto f1 = client.get("http://127.0.0.1/", {.signal = controller.signal()});
  auto f2 = client.get("http://127.0.0.1/", {.headers = {{"Accept", "application/json"}},
                                             .params = {{"q", "x"}, {"page", 2}},
                                             .timeout = 2s});
  auto f3 = client.request({.method = "PUT", .url = "http://127.0.0.1/", .data = "body"});
  tether::Client api({.base_url = "http://127.0.0.1:1/api", .timeout = 10s});
  tether::RetryPolicy retry{.retries = 2};
  (void)retry;
  std::vector<tether::Future<tether::Response>> fs;
  fs.push_back(std::move(f1));
  fs.push_back(std::move(f2));
  auto all = tether::when_all(std::move(fs));
  auto any = tether::when_any(std::vector<tether::Future<tether::Response>>{});
  auto settled = tether::all_settled(std::vector<tether::Future<int>>{});
  auto s = status_of(client, "http://127.0.0.1/");
  auto v = fetch_both(client, "http://127.0.0.1/a", "http://127.0.0.1/b");
  (void)f3;
}

}  // namespace

int main() {}
