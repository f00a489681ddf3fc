// --stream: the body printed as it arrives, a whole line at a time, or for a
// server-sent event stream a whole event (up to its blank line) at a time.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace tether::cli {

class StreamPrinter {
 public:
  // `emit` receives each complete unit (ending in its newline(s)).
  explicit StreamPrinter(std::function<void(std::string_view)> emit) : emit_(std::move(emit)) {}

  void feed(std::string_view chunk);
  void finish();  // emits what is left (a last line without its newline)

  bool event_stream() const noexcept { return mode_ == Mode::Events; }

 private:
  enum class Mode { Unknown, Lines, Events };
  void decide_mode();

  std::function<void(std::string_view)> emit_;
  std::string pending_;
  Mode mode_ = Mode::Unknown;
};

// Whether a body starts as text/event-stream does ("data:", "event:", "id:",
// "retry:" or a ":" comment). Tether has no response-headers callback yet, so
// while streaming the tool tells an event stream by its first line.
bool looks_like_event_stream(std::string_view start);

}  // namespace tether::cli
