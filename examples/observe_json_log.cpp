// Structured logs from the client's event hook: one JSON object per line
// (JSON Lines), ready for jq, Loki or any log pipeline. Every request's events
// share its request_id; Finished carries the timings.
#include <tether/tether.hpp>

#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

namespace {

double ms(tether::TransferInfo::Duration d) {
  return static_cast<double>(d.count()) / 1000.0;
}

nlohmann::json log_line(const tether::RequestEvent& e) {
  nlohmann::json line = {
      {"event", tether::to_string(e.kind)},
      {"request_id", e.request_id},
      {"method", e.method},
      {"url", e.url},  // userinfo already redacted
      {"phase", tether::to_string(e.phase)},
      {"attempt", e.attempt},
  };
  if (e.status != 0) line["status"] = e.status;
  if (e.kind == tether::EventKind::Retried) line["delay_ms"] = e.delay.count();
  if (e.reason) line["reason"] = e.reason->message;
  if (e.error)
    line["error"] = {{"code", tether::to_string(e.error->code())}, {"message", e.error->what()}};
  if (e.transfer && e.transfer->available) {
    const auto& t = *e.transfer;
    line["timings_ms"] = {{"dns", ms(t.name_lookup)}, {"connect", ms(t.connect)},
                          {"tls", ms(t.tls)},         {"first_byte", ms(t.first_byte)},
                          {"total", ms(t.total)},     {"redirect", ms(t.redirect)}};
    line["bytes_received"] = t.body_bytes_received;
    line["reused"] = t.reused;
  }
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  std::mutex out;  // the hook runs on the engine thread; main prints too
  int finished = 0;
  bool succeeded = false, canceled = false;
  {
    tether::Client client({.base_url = argv[1]}, {.on_event = [&](const tether::RequestEvent& e) {
                            std::lock_guard lock(out);
                            std::cout << log_line(e).dump() << '\n';
                            if (e.kind == tether::EventKind::Finished) ++finished;
                          }});
    succeeded = static_cast<bool>(client.get("/foo/bar").result());
    tether::AbortController controller;
    auto slow =
        client.get("/foo/bar", {.params = {{"delay", 2000}}, .signal = controller.signal()});
    controller.abort({"AbortError", "the user navigated away"});
    auto aborted = slow.result();
    canceled = !aborted && aborted.error().is_cancel();
  }  // events are delivered on the engine thread: its shutdown delivers what is queued

  std::lock_guard lock(out);
  if (!succeeded || !canceled || finished != 2) {
    std::cerr << "expected one success, one abort and two finished events\n";
    return 1;
  }
  return 0;
}
