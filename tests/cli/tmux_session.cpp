#include "tmux_session.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <stdexcept>
#include <thread>

namespace tether::test {
namespace {

std::string quote(const std::string& word) {
  std::string q = "'";
  for (char ch : word) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string run_tmux(const std::vector<std::string>& args) {
  // TMUX unset: the tests may themselves run inside a tmux session.
  std::vector<std::string> argv{"/usr/bin/env", "-u", "TMUX", "tmux"};
  argv.insert(argv.end(), args.begin(), args.end());
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    std::vector<char*> v;
    for (auto& a : argv) v.push_back(a.data());
    v.push_back(nullptr);
    execv(v[0], v.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return text;
}

}  // namespace

bool TmuxSession::available() {
  return access("/usr/bin/tmux", X_OK) == 0;
}

TmuxSession::TmuxSession(const std::vector<std::string>& args, const std::string& cwd) {
  static std::atomic<int> serial{0};
  socket_ = "tether-cli-" + std::to_string(getpid()) + "-" + std::to_string(++serial);
  std::string command;
  for (const auto& a : args) command += quote(a) + " ";
  // The shell traps SIGINT (so Ctrl-C reaches only the command's handling and
  // the shell lives on to print the exit code), then keeps the pane open.
  std::string script = "trap 'true' INT; " + command + "; echo \"[exit $?]\"; exec sleep 3600";
  std::vector<std::string> tmux_args{"-f", "/dev/null", "-L", socket_, "new-session", "-d",
                                     "-s", "cli",       "-x", "160",   "-y",          "40"};
  if (!cwd.empty()) {
    tmux_args.push_back("-c");
    tmux_args.push_back(cwd);
  }
  tmux_args.insert(tmux_args.end(), {"env", "TERM=xterm-256color", "bash", "-c", script});
  tmux(tmux_args);
}

TmuxSession::~TmuxSession() {
  tmux({"-L", socket_, "kill-server"});
}

std::string TmuxSession::tmux(const std::vector<std::string>& args) const {
  return run_tmux(args);
}

std::string TmuxSession::screen(bool escapes) const {
  std::vector<std::string> args{"-L", socket_, "capture-pane", "-p", "-J", "-t", "cli"};
  if (escapes) args.push_back("-e");
  return tmux(args);
}

std::optional<std::string> TmuxSession::wait_for(
    const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds limit,
    bool escapes) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto s = screen(escapes);
    if (pred(s)) return s;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    // A polling interval, not an assertion on time.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::optional<std::string> TmuxSession::wait_for_text(const std::string& text,
                                                      std::chrono::milliseconds limit) const {
  return wait_for([&](const std::string& s) { return s.find(text) != std::string::npos; }, limit);
}

std::optional<int> TmuxSession::wait_for_exit(std::chrono::milliseconds limit) const {
  static const std::regex kExit(R"(\[exit (\d+)\])");
  std::smatch m;
  auto s = wait_for([&](const std::string& text) { return std::regex_search(text, kExit); }, limit);
  if (!s || !std::regex_search(*s, m, kExit)) return std::nullopt;
  return std::stoi(m[1]);
}

void TmuxSession::send_keys(const std::string& keys) const {
  tmux({"-L", socket_, "send-keys", "-t", "cli", keys});
}

}  // namespace tether::test
