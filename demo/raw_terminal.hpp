// The interactive demo's terminal: raw mode (no echo, no line editing, no
// signals from Ctrl-C: the demo reads it as a key) on the alternate screen.
// Restored when the RawTerminal goes away, and also when the process is told
// to stop (SIGTERM, SIGHUP, SIGINT, SIGQUIT) while it is raw.
#pragma once

#include <termios.h>

namespace tether::demo {

class RawTerminal {
 public:
  // Throws std::runtime_error when `fd` is not a terminal.
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
};

}  // namespace tether::demo
