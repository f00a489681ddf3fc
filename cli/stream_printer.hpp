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

  // A response begins: its Content-Type tells an event stream
  // (text/event-stream) from lines. Without it, the body is framed by lines.
  void start(std::string_view content_type);
  void feed(std::string_view chunk);
  void finish();  // emits what is left (a last line without its newline)

  bool event_stream() const noexcept { return mode_ == Mode::Events; }

 private:
  enum class Mode { Lines, Events };

  std::function<void(std::string_view)> emit_;
  std::string pending_;
  Mode mode_ = Mode::Lines;
};

// Whether a Content-Type names a server-sent event stream.
bool is_event_stream(std::string_view content_type);

}  // namespace tether::cli
