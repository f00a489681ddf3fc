// The live-preview demo (`make demo`, `tether demo`): the reference article's
// scenario, with no network. See docs/demo.md.
#pragma once

namespace tether::demo {

// Runs the demo; argv as a command line gives it (argv[0] is the program):
//   (none)             the scripted typing session, then a summary and a verdict
//   --interactive      type yourself (a terminal is required)
//   --seed N           the typing rhythm's and the server latencies' seed
//   --no-color / --color   plain or coloured output (default: colour on a terminal)
//   --no-cancel        the control experiment: nothing is aborted (the check fails)
//   --speed X          typing speed factor (2 = twice as fast)
//   --min-latency MS, --max-latency MS, --debounce MS
// Returns the exit status: 0 when the check passed, 1 when it failed, 2 for a
// bad command line. Never throws.
int run(int argc, char** argv);

}  // namespace tether::demo
