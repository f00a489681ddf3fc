#include "timeline.hpp"

#include <cstdio>

namespace tether::demo {

namespace {

// Characters, not bytes: UTF-8 continuation bytes do not count.
std::size_t width_of(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string seconds(std::chrono::milliseconds at) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%6.2fs", static_cast<double>(at.count()) / 1000.0);
  return buffer;
}

std::string request_tag(std::uint64_t id) {
  std::string tag = "#" + std::to_string(id);
  tag.resize(std::max<std::size_t>(tag.size(), 4), ' ');
  return tag;
}

std::string key_name(std::string_view key) {
  if (key == "\n") return "Enter";
  if (key == "\b") return "Backspace";
  return "'" + std::string(key) + "'";
}

}  // namespace

std::string Style::paint(std::string_view text, std::string_view code) const {
  if (!color) return std::string(text);
  return "\x1b[" + std::string(code) + "m" + std::string(text) + "\x1b[0m";
}

std::string one_line(std::string_view text, std::size_t width, bool keep_end) {
  std::string flat;
  for (char c : text) {
    if (c == '\n') {
      flat += "\xe2\x8f\x8e";  // ⏎
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      flat += '?';  // never let a control character reach the terminal
    } else {
      flat += c;
    }
  }
  if (width_of(flat) <= width) return flat;
  // Cut on a character boundary, marking the cut with an ellipsis.
  std::size_t keep = width - 1, count = 0;
  if (keep_end) {
    std::size_t i = flat.size();
    while (i > 0 && count < keep) {
      --i;
      if ((static_cast<unsigned char>(flat[i]) & 0xC0) != 0x80) ++count;
    }
    return "\xe2\x80\xa6" + flat.substr(i);
  }
  std::size_t i = 0;
  while (i < flat.size() && count <= keep) {
    if ((static_cast<unsigned char>(flat[i]) & 0xC0) != 0x80) ++count;
    if (count <= keep) ++i;
  }
  return flat.substr(0, i) + "\xe2\x80\xa6";
}

std::string describe(const SessionEvent& e, const Style& s) {
  using Kind = SessionEvent::Kind;
  auto head = s.dim(seconds(e.at)) + "  ";
  auto id = request_tag(e.request);
  auto ms = std::to_string(e.elapsed.count()) + " ms";
  switch (e.kind) {
    case Kind::Key: {
      auto key = key_name(e.detail);
      key.resize(std::max<std::size_t>(width_of(key), 11), ' ');
      return head + s.dim("key      " + key) + " " + one_line(e.text, 50, true);
    }
    case Kind::Sent:
      return head + s.cyan("sent     " + id) + " \"" + one_line(e.text, 56, true) + "\"";
    case Kind::ServerReceived:
      return head + s.blue("server   " + id) + s.dim(" got it; answers in " + ms);
    case Kind::Aborted:
      return head + s.yellow("aborted  " + id) + " outdated by a keystroke" +
             s.dim(e.detail.empty() ? "" : " (" + one_line(e.detail, 40, false) + ")");
    case Kind::Dropped:
      return head + s.yellow("dropped  " + id) + " its reply came as a key was pressed";
    case Kind::ServerSawClose:
      return head + s.magenta("server   " + id) + " saw the connection close after " + ms +
             ", stopped working on it";
    case Kind::Preview:
      return head + s.green("preview  " + id) + " " + one_line(e.text, 60, false);
    case Kind::Failed:
      return head + s.red("error    " + id) + " " + one_line(e.detail, 60, false);
  }
  return head;
}

void Timeline::print(const SessionEvent& event) {
  std::lock_guard lock(mu_);
  out_ << describe(event, style_) << "\n" << std::flush;
}

}  // namespace tether::demo
