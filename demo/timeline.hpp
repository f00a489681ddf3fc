// The demo's timeline: one line per SessionEvent, coloured for a terminal
// (ANSI escapes) or plain when piped.
#pragma once

#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

#include "session_event.hpp"

namespace tether::demo {

// ANSI styles, or nothing at all when colour is off.
struct Style {
  bool color = false;
  std::string paint(std::string_view text, std::string_view code) const;
  std::string dim(std::string_view t) const { return paint(t, "2"); }
  std::string bold(std::string_view t) const { return paint(t, "1"); }
  std::string red(std::string_view t) const { return paint(t, "1;31"); }
  std::string green(std::string_view t) const { return paint(t, "1;32"); }
  std::string yellow(std::string_view t) const { return paint(t, "33"); }
  std::string blue(std::string_view t) const { return paint(t, "34"); }
  std::string magenta(std::string_view t) const { return paint(t, "35"); }
  std::string cyan(std::string_view t) const { return paint(t, "36"); }
};

// Text on one line: newlines shown as "⏎", at most `width` characters (the
// end kept for the text being typed, the start for a preview).
std::string one_line(std::string_view text, std::size_t width, bool keep_end);

// The event as one timeline line, without the newline.
std::string describe(const SessionEvent& event, const Style& style);

class Timeline {
 public:
  Timeline(std::ostream& out, Style style) : out_(out), style_(style) {}
  void print(const SessionEvent& event);  // thread-safe

 private:
  std::mutex mu_;
  std::ostream& out_;
  Style style_;
};

}  // namespace tether::demo
