// A command running in a real terminal: a detached tmux session on a private
// server socket, so tests can read the screen (capture-pane) and press keys.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tether::test {

class TmuxSession {
 public:
  // Runs `args` (argv, the first word the program) in a 160x40 terminal; when it
  // exits, the pane shows "[exit <code>]" and stays open.
  explicit TmuxSession(const std::vector<std::string>& args, const std::string& cwd = "");
  ~TmuxSession();  // kills the private tmux server
  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;

  // The visible screen; with `escapes`, its colours as escape sequences.
  std::string screen(bool escapes = false) const;
  // Polls the screen until `pred` holds; returns that screen, or nullopt at the limit.
  std::optional<std::string> wait_for(const std::function<bool(const std::string&)>& pred,
                                      std::chrono::milliseconds limit = std::chrono::seconds(60),
                                      bool escapes = false) const;
  std::optional<std::string> wait_for_text(
      const std::string& text, std::chrono::milliseconds limit = std::chrono::seconds(60)) const;
  // The command's exit code once it has exited (nullopt at the limit).
  std::optional<int> wait_for_exit(
      std::chrono::milliseconds limit = std::chrono::seconds(60)) const;
  void send_keys(const std::string& keys) const;  // tmux key names, e.g. "C-c"

  static bool available();

 private:
  std::string tmux(const std::vector<std::string>& args) const;
  std::string socket_;
};

}  // namespace tether::test
