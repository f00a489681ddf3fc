#include "stream_printer.hpp"

#include <array>

namespace tether::cli {

bool looks_like_event_stream(std::string_view start) {
  static constexpr std::array<std::string_view, 5> kFields{"data:", "event:", "id:", "retry:", ":"};
  for (auto field : kFields) {
    if (start.starts_with(field)) return true;
  }
  return false;
}

void StreamPrinter::decide_mode() {
  if (mode_ != Mode::Unknown) return;
  auto newline = pending_.find('\n');
  if (newline == std::string::npos && pending_.size() < 16) return;  // too early to tell
  mode_ = looks_like_event_stream(pending_) ? Mode::Events : Mode::Lines;
}

void StreamPrinter::feed(std::string_view chunk) {
  pending_.append(chunk);
  decide_mode();
  if (mode_ == Mode::Unknown) return;
  std::size_t end = std::string::npos;
  if (mode_ == Mode::Events) {
    // An event ends at a blank line ("\n\n", or "\r\n\r\n").
    auto lf = pending_.rfind("\n\n");
    auto crlf = pending_.rfind("\r\n\r\n");
    if (lf != std::string::npos) end = lf + 2;
    if (crlf != std::string::npos && (end == std::string::npos || crlf + 4 > end)) end = crlf + 4;
  } else {
    auto lf = pending_.rfind('\n');
    if (lf != std::string::npos) end = lf + 1;
  }
  if (end == std::string::npos) return;
  emit_(std::string_view(pending_).substr(0, end));
  pending_.erase(0, end);
}

void StreamPrinter::finish() {
  if (!pending_.empty()) emit_(pending_);
  pending_.clear();
}

}  // namespace tether::cli
