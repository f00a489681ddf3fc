#include "demo.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "demo_options.hpp"

namespace tether::demo {

namespace {

// Parses the command line; nullopt-like: returns false with `status` set when
// the demo should not run (help, or a bad option).
bool parse(int argc, char** argv, DemoOptions& o, int& status) {
  CLI::App app{
      "Tether's live-preview demo: the reference article's comment preview, "
      "with an embedded slow server."};
  app.name("tether demo");
  bool color = false, no_color = false;
  long long min_latency = o.min_latency.count(), max_latency = o.max_latency.count();
  long long debounce = o.debounce.count();
  bool no_cancel = false;
  app.add_flag("--interactive,-i", o.interactive, "type yourself (needs a terminal)");
  app.add_option("--seed", o.seed, "seed of the typing rhythm and the server's latencies");
  app.add_flag("--color", color, "colour even when not on a terminal");
  app.add_flag("--no-color", no_color, "no colour even on a terminal");
  app.add_flag("--no-cancel", no_cancel,
               "the control experiment: abort nothing (outdated previews get shown)");
  app.add_option("--speed", o.speed, "typing speed factor (2: twice as fast)")
      ->check(CLI::Range(0.1, 100.0));
  app.add_option("--min-latency", min_latency, "server latency, lowest (ms)")
      ->check(CLI::Range(0, 10'000));
  app.add_option("--max-latency", max_latency, "server latency, highest (ms)")
      ->check(CLI::Range(0, 10'000));
  app.add_option("--debounce", debounce, "quiet period before a preview request (ms)")
      ->check(CLI::Range(0, 10'000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    status = app.exit(e);
    return false;
  }
  if (min_latency > max_latency) {
    std::cerr << "tether demo: --min-latency is above --max-latency\n";
    status = 2;
    return false;
  }
  // https://no-color.org: NO_COLOR set (and not empty) means no colour by default.
  const char* no_color_env = std::getenv("NO_COLOR");
  bool env_off = no_color_env != nullptr && *no_color_env != '\0';
  o.color = color || (!no_color && !env_off && ::isatty(STDOUT_FILENO));
  o.cancel = !no_cancel;
  o.min_latency = std::chrono::milliseconds(min_latency);
  o.max_latency = std::chrono::milliseconds(max_latency);
  o.debounce = std::chrono::milliseconds(debounce);
  return true;
}

}  // namespace

int run(int argc, char** argv) {
  try {
    DemoOptions options;
    int status = 0;
    if (!parse(argc, argv, options, status)) return status == 0 ? 0 : 2;
    return options.interactive ? run_interactive(options) : run_scripted(options);
  } catch (const std::exception& e) {
    std::cerr << "tether demo: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace tether::demo
