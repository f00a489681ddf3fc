// The interactive demo: type markdown in a raw terminal and watch the preview
// follow, with the requests in flight and the aborted ones on screen.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

#include "demo_options.hpp"
#include "preview_server.hpp"
#include "preview_session.hpp"
#include "raw_terminal.hpp"
#include "session_relay.hpp"
#include "timeline.hpp"

namespace tether::demo {

namespace {

constexpr std::size_t kLogLines = 10;
constexpr int kRefreshMs = 250;
constexpr int kEscapeWaitMs = 50;  // an Esc alone, or the start of an arrow key's sequence

// What the screen shows of the session, fed by its events (on other threads).
class LiveView {
 public:
  LiveView(Style style, int wake_fd) : style_(style), wake_fd_(wake_fd) {}

  void on_event(const SessionEvent& e) {
    using Kind = SessionEvent::Kind;
    {
      std::lock_guard lock(mu_);
      switch (e.kind) {
        case Kind::Key:
          return;  // the text area shows the keys
        case Kind::Sent:
          in_flight_[e.request] = "sent, waiting for the server";
          break;
        case Kind::ServerReceived:
          in_flight_[e.request] =
              "the server answers in " + std::to_string(e.elapsed.count()) + " ms";
          break;
        case Kind::Preview:
          preview_ = e.text;
          preview_id_ = e.request;
          [[fallthrough]];
        case Kind::Aborted:
        case Kind::Dropped:
        case Kind::Failed:
          in_flight_.erase(e.request);
          break;
        case Kind::ServerSawClose:
          break;
      }
      log_.push_back(describe(e, style_));
      if (log_.size() > kLogLines) log_.pop_front();
    }
    char byte = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &byte, 1);
  }

  void render(std::ostream& out) const {
    std::lock_guard lock(mu_);
    out << style_.bold("preview") << (preview_id_ ? " of #" + std::to_string(preview_id_) : "")
        << "\n";
    std::istringstream lines(preview_);
    for (std::string line; std::getline(lines, line);)
      out << "  " << one_line(line, 110, false) << "\n";
    out << "\n" << style_.bold("in flight") << "\n";
    if (in_flight_.empty()) out << style_.dim("  (none)") << "\n";
    for (const auto& [id, state] : in_flight_) out << "  #" << id << "  " << state << "\n";
    out << "\n" << style_.bold("timeline") << "\n";
    for (const auto& line : log_) out << line << "\n";
  }

 private:
  mutable std::mutex mu_;
  Style style_;
  int wake_fd_;
  std::map<std::uint64_t, std::string> in_flight_;
  std::string preview_;
  std::uint64_t preview_id_ = 0;
  std::deque<std::string> log_;
};

// Turns the bytes typed into edits of the text: printable characters (UTF-8
// kept whole), Enter, Backspace; escape sequences (arrows…) are skipped.
class Editor {
 public:
  enum class Action { None, Edited, Quit };

  Action feed(unsigned char c, bool escape_alone) {
    if (escape_ != Escape::None) return skip_escape(c);
    if (c == 3 || c == 4) return Action::Quit;  // Ctrl-C, Ctrl-D
    if (c == 27) {
      if (escape_alone) return Action::Quit;
      escape_ = Escape::Started;
      return Action::None;
    }
    if (c == 'q' && text_.empty()) return Action::Quit;
    if (c == 127 || c == 8) return backspace();
    if (c == '\r' || c == '\n') return add("\n", "\n");
    if (c >= 0x80) return add_utf8(c);
    if (c >= 0x20)
      return add(std::string(1, static_cast<char>(c)), std::string(1, static_cast<char>(c)));
    return Action::None;
  }

  const std::string& text() const { return text_; }
  const std::string& key() const { return key_; }

 private:
  enum class Escape { None, Started, Sequence };

  Action skip_escape(unsigned char c) {
    if (escape_ == Escape::Started && (c == '[' || c == 'O')) {
      escape_ = Escape::Sequence;
    } else if (escape_ == Escape::Started || (c >= 0x40 && c <= 0x7e)) {
      escape_ = Escape::None;
    }
    return Action::None;
  }

  Action add(std::string key, const std::string& bytes) {
    key_ = std::move(key);
    text_ += bytes;
    return Action::Edited;
  }

  Action add_utf8(unsigned char c) {
    if ((c & 0xC0) != 0x80) pending_.clear();  // a lead byte starts afresh
    pending_ += static_cast<char>(c);
    auto lead = static_cast<unsigned char>(pending_[0]);
    std::size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (want == 0) return pending_.clear(), Action::None;  // a stray continuation byte
    if (pending_.size() < want) return Action::None;
    auto character = std::move(pending_);
    pending_.clear();
    return add(character, character);
  }

  Action backspace() {
    if (text_.empty()) return Action::None;
    auto end = text_.size() - 1;
    while (end > 0 && (static_cast<unsigned char>(text_[end]) & 0xC0) == 0x80) --end;
    text_.erase(end);
    key_ = "\b";
    return Action::Edited;
  }

  std::string text_;
  std::string key_;
  std::string pending_;  // an incomplete UTF-8 character
  Escape escape_ = Escape::None;
};

void draw(const DemoOptions& o, const PreviewServer& server, const Editor& editor,
          const PreviewSession& session, const LiveView& view, const Style& s) {
  std::ostringstream out;
  out << "\x1b[?25l\x1b[H\x1b[2J";  // cursor hidden while drawing, screen cleared
  out << s.bold("Tether live preview") << " - type markdown; the preview follows. "
      << "Esc or Ctrl-C quits (q too, before you type).\n"
      << s.dim("server " + server.url() + ", latency " + std::to_string(o.min_latency.count()) +
               "-" + std::to_string(o.max_latency.count()) + " ms, debounce " +
               std::to_string(o.debounce.count()) + " ms")
      << "\n\n"
      << s.bold("your text") << "\n";
  std::istringstream lines(editor.text() + "\x01");  // \x01 marks the cursor
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\x01') line.back() = '_';
    out << "  " << line << "\n";
  }
  auto st = session.stats();
  out << s.dim("  keystrokes " + std::to_string(st.keystrokes) + "  sent " +
               std::to_string(st.sent) + "  aborted " + std::to_string(st.aborted) +
               "  server saw " + std::to_string(st.server_closes) + " closes  previews " +
               std::to_string(st.previews))
      << "\n\n";
  view.render(out);
  std::cout << out.str() << std::flush;
}

// True when more bytes follow within a moment (an escape sequence, not Esc).
bool more_input_soon(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, kEscapeWaitMs) > 0;
}

// Reads and applies what was typed; false once the user quits.
bool handle_input(Editor& editor, PreviewSession& session) {
  unsigned char buffer[256];
  auto n = ::read(STDIN_FILENO, buffer, sizeof buffer);
  if (n <= 0) return n < 0 && errno == EINTR;  // EOF: the terminal went away
  for (ssize_t i = 0; i < n; ++i) {
    bool alone = buffer[i] == 27 && i + 1 == n && !more_input_soon(STDIN_FILENO);
    auto action = editor.feed(buffer[i], alone);
    if (action == Editor::Action::Quit) return false;
    if (action == Editor::Action::Edited) session.edit(editor.key(), editor.text());
  }
  return true;
}

// The self-pipe that wakes the loop when an event comes; outlives the session.
struct WakePipe {
  int fds[2] = {-1, -1};
  WakePipe() {
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
  }
  ~WakePipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  WakePipe(const WakePipe&) = delete;
  WakePipe& operator=(const WakePipe&) = delete;
  void drain() const {
    char buffer[64];
    while (::read(fds[0], buffer, sizeof buffer) > 0) {
    }
  }
};

void print_summary(const PreviewSession& session, const Style& s) {
  auto st = session.stats();
  auto check = session.check();
  std::cout << "tether demo: " << st.keystrokes << " keystrokes, " << st.sent << " requests sent, "
            << st.aborted << " aborted (the server saw " << st.server_closes << " close), "
            << st.previews << " previews shown.\n";
  if (check.stale.empty()) {
    std::cout << s.green("no stale preview was ever shown") << " (" << check.checked
              << " checked against the text on screen)\n";
  } else {
    std::cout << s.red("stale previews: ") << check.stale.size() << " of " << check.checked << "\n";
  }
}

}  // namespace

int run_interactive(const DemoOptions& o) {
  if (!::isatty(STDIN_FILENO)) {
    std::cerr << "tether demo: --interactive needs a terminal\n";
    return 2;
  }
  WakePipe wake;
  Style style{.color = o.color};
  LiveView view(style, wake.fds[1]);
  SessionRelay relay;
  PreviewServer server({.min_latency = o.min_latency,
                        .max_latency = o.max_latency,
                        .seed = o.seed,
                        .on_event = [&relay](const ServerEvent& e) { relay.forward(e); }});
  PreviewSession session(server.url(), [&view](const SessionEvent& e) { view.on_event(e); },
                         {.debounce = o.debounce, .cancel = o.cancel});
  {
    RelayAttachment attachment(relay, session);
    RawTerminal terminal(STDIN_FILENO);
    Editor editor;
    bool running = true;
    while (running) {
      draw(o, server, editor, session, view, style);
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake.fds[0], POLLIN, 0}};
      if (::poll(fds, 2, kRefreshMs) < 0 && errno != EINTR) break;
      wake.drain();
      if (fds[0].revents & (POLLIN | POLLHUP)) running = handle_input(editor, session);
    }
  }
  print_summary(session, style);
  return session.check().stale.empty() ? 0 : 1;
}

}  // namespace tether::demo
