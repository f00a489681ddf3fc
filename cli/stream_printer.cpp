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
  events_.reset();
  if (mode_ == Mode::Events) {
    // A terminal is no place for an endless line: 16 MiB bounds one event.
    events_ = std::make_unique<SseParser>([this](const SseEvent& e) { print_event(e); },
                                          SseParser::RetryHandler{}, std::size_t{16} << 20);
  }
}

void StreamPrinter::print_event(const SseEvent& event) {
  std::string out;
  if (event.type != "message") out += "event: " + event.type + "\n";
  if (!event.id.empty()) out += "id: " + event.id + "\n";
  std::string_view data = event.data;
  for (;;) {
    auto lf = data.find('\n');
    out += "data: ";
    out += data.substr(0, lf);
    out += '\n';
    if (lf == std::string_view::npos) break;
    data.remove_prefix(lf + 1);
  }
  out += '\n';
  emit_(out);
}

void StreamPrinter::feed(std::string_view chunk) {
  // (An event over the bound throws: the request ends with that error.)
  if (events_) return events_->feed(chunk);
  pending_.append(chunk);
  std::size_t end = std::string::npos;
  auto lf = pending_.rfind('\n');
  if (lf != std::string::npos) end = lf + 1;
  if (end == std::string::npos) return;
  emit_(std::string_view(pending_).substr(0, end));
  pending_.erase(0, end);
}

void StreamPrinter::finish() {
  // An event cut off before its blank line is not an event (as EventSource).
  if (events_) events_->reset();
  if (!pending_.empty()) emit_(pending_);
  pending_.clear();
}

}  // namespace tether::cli
