#include "stream_printer.hpp"

#include <algorithm>
#include <cctype>

namespace tether::cli {

bool is_event_stream(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  constexpr std::string_view kType = "text/event-stream";
  return media.size() == kType.size() &&
         std::equal(media.begin(), media.end(), kType.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

void StreamPrinter::start(std::string_view content_type) {
  pending_.clear();
  mode_ = is_event_stream(content_type) ? Mode::Events : Mode::Lines;
}

void StreamPrinter::feed(std::string_view chunk) {
  pending_.append(chunk);
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
