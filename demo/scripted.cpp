// The scripted session: a short markdown note typed at human speed, with
// pauses, through the live preview; then a summary and the checked verdict.
#include <algorithm>
#include <iostream>
#include <random>
#include <string>
#include <thread>

#include "demo_options.hpp"
#include "preview_server.hpp"
#include "preview_session.hpp"
#include "session_relay.hpp"
#include "timeline.hpp"

namespace tether::demo {

namespace {

using std::chrono::milliseconds;

constexpr std::string_view kScript =
    "# Tether\n"
    "Type, *abort*, preview.\n"
    "- **Latest** wins\n"
    "- `Debouncer` waits\n";

// How long a person waits before typing `next` after `previous`: quick within
// a word, a little longer after a space, a pause to think after punctuation.
milliseconds think_time(char previous, std::mt19937_64& rng) {
  auto between = [&](int lo, int hi) {
    return milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng));
  };
  if (previous == '\n' || previous == '.' || previous == ',') return between(700, 1600);
  if (previous == ' ') return between(90, 230);
  if (std::uniform_int_distribution<int>(0, 24)(rng) == 0)
    return between(400, 700);  // a hesitation
  return between(55, 150);
}

milliseconds scaled(milliseconds ms, double speed) {
  return milliseconds(static_cast<long long>(static_cast<double>(ms.count()) / speed));
}

// Waits (bounded) until the server has finished every request: answered it or
// seen its connection close, so the summary can count what it saw.
void wait_for_server(const PreviewServer& server) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.in_progress() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
}

void print_header(const DemoOptions& o, const PreviewServer& server, const Style& s) {
  std::cout << s.bold("Tether live preview") << " - the reference article's comment preview, "
            << "on a slow 3G link, with no network.\n"
            << "Server  " << server.url() << " (latency " << o.min_latency.count() << "-"
            << o.max_latency.count() << " ms, seed " << o.seed << "); debounce "
            << o.debounce.count() << " ms; "
            << (o.cancel ? "each keystroke aborts the request in flight"
                         : "--no-cancel: nothing is aborted")
            << "\nTyping  \"" << one_line(kScript, 90, false) << "\"\n\n";
}

bool print_summary(const PreviewSession& session, const Style& s, bool settled) {
  auto stats = session.stats();
  auto check = session.check();
  auto row = [&](std::string_view name, std::uint64_t n, std::string_view note = {}) {
    std::string label(name);
    label.resize(18, ' ');
    std::cout << "  " << label << n << (note.empty() ? "" : "  ") << note << "\n";
  };
  std::cout << "\n" << s.bold("Summary") << "\n";
  row("keystrokes", stats.keystrokes);
  row("requests sent", stats.sent);
  row("aborted", stats.aborted,
      "(the server saw " + std::to_string(stats.server_closes) +
          " of them close the connection mid-request)");
  if (stats.dropped > 0) row("dropped", stats.dropped, "(the reply came as a key was pressed)");
  row("previews shown", stats.previews);
  if (stats.failed > 0) row("errors", stats.failed);
  bool ok = settled && check.ok() && stats.failed == 0;
  if (ok) {
    std::cout << s.green("Verdict: no stale preview was ever shown") << " - each of the "
              << check.checked
              << " previews matched the text on screen when it was shown, the last one "
                 "is of the final text.\n";
    return true;
  }
  std::cout << s.red("Verdict: FAILED") << "\n";
  if (!settled) std::cout << "  the requests did not settle within 20 s\n";
  if (!check.stale.empty()) {
    std::cout << "  " << check.stale.size() << " of " << check.checked
              << " previews were stale (not the text on screen):\n";
    for (const auto& stale : check.stale)
      std::cout << "    " << one_line(stale, 110, false) << "\n";
  }
  if (!check.final_shown) std::cout << "  the final text's preview was not the last one shown\n";
  if (check.checked == 0) std::cout << "  no preview was shown\n";
  if (stats.failed > 0) std::cout << "  " << stats.failed << " requests failed\n";
  return false;
}

}  // namespace

int run_scripted(const DemoOptions& o) {
  Style style{.color = o.color};
  Timeline timeline(std::cout, style);
  SessionRelay relay;
  PreviewServer server({.min_latency = o.min_latency,
                        .max_latency = o.max_latency,
                        .seed = o.seed,
                        .on_event = [&relay](const ServerEvent& e) { relay.forward(e); }});
  print_header(o, server, style);

  PreviewSession session(server.url(), [&timeline](const SessionEvent& e) { timeline.print(e); },
                         {.debounce = o.debounce, .cancel = o.cancel});
  RelayAttachment attachment(relay, session);

  std::mt19937_64 rng(o.seed);
  std::string text;
  char previous = 0;
  for (char c : kScript) {
    if (previous != 0) std::this_thread::sleep_for(scaled(think_time(previous, rng), o.speed));
    text += c;
    session.edit(std::string(1, c), text);
    previous = c;
  }
  bool settled = session.wait_idle(milliseconds(20'000));
  wait_for_server(server);
  return print_summary(session, style, settled) ? 0 : 1;
}

}  // namespace tether::demo
