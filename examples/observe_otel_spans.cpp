// Spans with the shape OpenTelemetry uses, built from the client's event hook
// without depending on OpenTelemetry: a trace id and a span id, a name, start
// and end times, and attributes named as OTel's HTTP client semantic
// conventions (http.request.method, url.full, http.response.status_code,
// error.type, http.request.resend_count). Printed as JSON, close to what an
// OTLP exporter sends; swap the printer for your exporter.
#include <tether/tether.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

namespace {

std::string random_hex(std::size_t bytes) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", static_cast<unsigned>(rng() & 0xff));
    out += pair;
  }
  return out;
}

// Steady-clock event times mapped onto the wall clock, in Unix nanoseconds.
std::int64_t unix_nanos(std::chrono::steady_clock::time_point t) {
  auto offset = std::chrono::system_clock::now().time_since_epoch() -
                std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch() + offset)
      .count();
}

class SpanRecorder {
 public:
  explicit SpanRecorder(std::string trace_id) : trace_id_(std::move(trace_id)) {}

  // Runs on the engine thread, one event at a time.
  void on_event(const tether::RequestEvent& e) {
    std::lock_guard lock(mu_);
    if (e.kind == tether::EventKind::Started) {
      open_[e.request_id] = {
          {"trace_id", trace_id_},
          {"span_id", random_hex(8)},
          {"name", std::string(e.method)},  // OTel: the method alone ("GET")
          {"kind", "SPAN_KIND_CLIENT"},
          {"start_time_unix_nano", unix_nanos(e.time)},
          {"attributes",
           {{"http.request.method", std::string(e.method)}, {"url.full", std::string(e.url)}}},
          {"events", nlohmann::json::array()},
      };
      return;
    }
    auto it = open_.find(e.request_id);
    if (it == open_.end()) return;
    nlohmann::json& span = it->second;
    if (e.kind == tether::EventKind::Redirected || e.kind == tether::EventKind::Retried ||
        e.kind == tether::EventKind::Aborted) {
      span["events"].push_back(
          {{"name", tether::to_string(e.kind)}, {"time_unix_nano", unix_nanos(e.time)}});
    }
    if (e.kind != tether::EventKind::Finished) return;
    span["end_time_unix_nano"] = unix_nanos(e.time);
    auto& attributes = span["attributes"];
    if (e.attempt > 1) attributes["http.request.resend_count"] = e.attempt - 1;
    if (e.status != 0) attributes["http.response.status_code"] = e.status;
    if (e.error) {
      // OTel: error.type is a low-cardinality class; the status says ERROR.
      attributes["error.type"] =
          e.error->is_cancel() ? "canceled" : tether::to_string(e.error->code());
      span["status"] = {{"code", "STATUS_CODE_ERROR"}, {"message", e.error->what()}};
    }
    if (e.transfer && e.transfer->available) {
      attributes["http.response.body.size"] = e.transfer->body_bytes_received;
    }
    finished_.push_back(std::move(span));
    open_.erase(it);
  }

  nlohmann::json finished() {
    std::lock_guard lock(mu_);
    return finished_;
  }

 private:
  std::mutex mu_;
  std::string trace_id_;
  std::map<std::uint64_t, nlohmann::json> open_;
  nlohmann::json finished_ = nlohmann::json::array();
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  SpanRecorder spans(random_hex(16));
  {
    tether::Client client({.base_url = argv[1]},
                          {.on_event = [&](const tether::RequestEvent& e) { spans.on_event(e); }});
    auto ok = client.get("/foo/bar").result();
    auto missing = client.get("/no/such/path").result();
    if (!ok || missing) {
      std::cerr << "expected a success and a failure\n";
      return 1;
    }
  }  // the client's destruction delivers what is queued

  nlohmann::json result = spans.finished();
  std::cout << result.dump(2) << '\n';
  bool shaped = result.size() == 2;
  for (const auto& span : result) {
    shaped = shaped && span["trace_id"].get<std::string>().size() == 32 &&
             span["span_id"].get<std::string>().size() == 16 &&
             span["end_time_unix_nano"].get<std::int64_t>() >=
                 span["start_time_unix_nano"].get<std::int64_t>() &&
             span["attributes"].contains("url.full");
  }
  if (!shaped || !result[1]["attributes"].contains("error.type")) {
    std::cerr << "the spans are not shaped as expected\n";
    return 1;
  }
  return 0;
}
