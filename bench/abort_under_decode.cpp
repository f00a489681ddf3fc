// Does a big response's decoding delay another request's abort? One request
// fetches a ~50 MB JSON document; while it is being decoded, another request on the same client is
// aborted. Measured: abort() -> future settled, and abort() -> the server saw the connection close
// (which needs the engine loop). Project's test server on loopback: /echo returns the posted
// document as a string inside a JSON envelope, and transform_response parses it (an API client
// unwrapping its envelope), so the decode is the envelope's and the document's.
//
// Run: build/bench/tether_bench_abort_under_decode [rounds] [megabytes]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support/test_server.hpp"
#include "tether/client.hpp"

using Clock = std::chrono::steady_clock;

namespace {

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

void report(const char* what, std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) { return samples[static_cast<std::size_t>(q * (samples.size() - 1))]; };
  std::printf("%-42s p50 %9.1f us   max %9.1f us   (n=%zu)\n", what, at(0.50), samples.back(),
              samples.size());
}

// A JSON array of small objects, about `bytes` long: what an API returns.
std::string json_document(std::size_t bytes) {
  std::string out = "[";
  for (int i = 0; out.size() < bytes; ++i) {
    out += "{\"id\":" + std::to_string(i) + ",\"name\":\"item\",\"ok\":true},";
  }
  out.back() = ']';
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
  const std::size_t megabytes = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 50;
  tether::test::TestServer server;
  tether::Client client;
  const std::string document = json_document(megabytes << 20);

  std::vector<double> settled, closed;
  for (int i = 0; i < rounds; ++i) {
    std::string tag = "v=" + std::to_string(i);
    tether::AbortController controller;
    auto victim = client.get(server.url("/headers-never?" + tag), {.signal = controller.signal()});
    if (!server.wait_for_request(tag, std::chrono::seconds(30))) return 1;

    // The big one; its transform_response says when decoding is under way.
    std::atomic<bool> decoding{false};
    tether::RequestConfig big{.method = "POST", .url = server.url("/echo"), .data = document};
    big.response_type = tether::ResponseType::Json;
    big.transform_response.push_back([&](tether::Data data, const tether::Headers&) {
      decoding = true;
      return tether::Data::from_json(
          nlohmann::json::parse(data.json()["body"].get_ref<const std::string&>()));
    });
    auto response = client.request(std::move(big));
    while (!decoding) std::this_thread::yield();

    auto start = Clock::now();
    controller.abort();
    bool ready = victim.ready();
    auto after = Clock::now();
    auto seen = server.wait_for_client_close(tag, std::chrono::seconds(30));
    if (!ready || !seen) return 1;
    settled.push_back(micros(after - start));
    closed.push_back(micros(*seen - start));
    response.get();  // the big one decodes fine
  }
  std::printf("abort while a %zu MB JSON response is decoded, %d rounds\n", megabytes, rounds);
  report("abort() -> future settled", settled);
  report("abort() -> server saw the close", closed);
  return 0;
}
