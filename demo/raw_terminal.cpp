#include "raw_terminal.hpp"

#include <unistd.h>

#include <csignal>
#include <cstring>
#include <stdexcept>

namespace tether::demo {

namespace {

// What the signal handler needs, set before the terminal goes raw. Only
// async-signal-safe calls touch them there.
int g_fd = -1;
termios g_saved{};
constexpr char kEnter[] = "\x1b[?1049h\x1b[H\x1b[2J";  // alternate screen, cleared
constexpr char kLeave[] = "\x1b[?25h\x1b[?1049l";      // cursor shown, main screen back

void restore(int fd) {
  ::tcsetattr(fd, TCSAFLUSH, &g_saved);
  [[maybe_unused]] auto n = ::write(STDOUT_FILENO, kLeave, sizeof kLeave - 1);
}

extern "C" void on_stop_signal(int sig) {
  if (g_fd >= 0) restore(g_fd);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

constexpr int kStopSignals[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT};

}  // namespace

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (!::isatty(fd) || ::tcgetattr(fd, &g_saved) != 0) {
    throw std::runtime_error("--interactive needs a terminal (stdin is not one)");
  }
  termios raw = g_saved;
  raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON | ISIG | IEXTEN);
  raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL | INLCR | ISTRIP);
  raw.c_cc[VMIN] = 0;  // reads never block: the demo polls
  raw.c_cc[VTIME] = 0;
  g_fd = fd;
  for (int sig : kStopSignals) std::signal(sig, on_stop_signal);
  if (::tcsetattr(fd, TCSAFLUSH, &raw) != 0) {
    g_fd = -1;
    throw std::runtime_error(std::string("cannot set the terminal raw: ") + std::strerror(errno));
  }
  [[maybe_unused]] auto n = ::write(STDOUT_FILENO, kEnter, sizeof kEnter - 1);
}

RawTerminal::~RawTerminal() {
  restore(fd_);
  g_fd = -1;
  for (int sig : kStopSignals) std::signal(sig, SIG_DFL);
}

}  // namespace tether::demo
