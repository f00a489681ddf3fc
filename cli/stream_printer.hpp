// --stream: the body printed as it arrives, a whole line at a time, or for a
// server-sent event stream one parsed event at a time (tether::SseParser:
// comments, a BOM and unknown fields dropped, CR / CRLF ends made LF), as
//   event: <type>      (when not "message")
//   id: <last event id> (when there is one)
//   data: <line>       (one per line of data)
//   <blank line>
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <tether/sse_parser.hpp>

namespace tether::cli {

class StreamPrinter {
 public:
  // `emit` receives each complete unit (ending in its newline(s)).
  explicit StreamPrinter(std::function<void(std::string_view)> emit) : emit_(std::move(emit)) {}
  // The event parser calls back into this object.
  StreamPrinter(const StreamPrinter&) = delete;
  StreamPrinter& operator=(const StreamPrinter&) = delete;

  // A response begins: its Content-Type tells an event stream
  // (text/event-stream) from lines. Without it, the body is framed by lines.
  void start(std::string_view content_type);
  void feed(std::string_view chunk);
  void finish();  // emits what is left (a last line without its newline)

  bool event_stream() const noexcept { return mode_ == Mode::Events; }

 private:
  enum class Mode { Lines, Events };

  void print_event(const SseEvent& event);

  std::function<void(std::string_view)> emit_;
  std::string pending_;
  std::unique_ptr<SseParser> events_;  // Mode::Events
  Mode mode_ = Mode::Lines;
};

// Whether a Content-Type names a server-sent event stream.
bool is_event_stream(std::string_view content_type);

}  // namespace tether::cli
