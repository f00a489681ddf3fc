/// \file
/// SseParser: the WHATWG "text/event-stream" parser, on its own. EventSource
/// (tether/sse.hpp) uses it; use it directly on any byte stream that carries
/// server-sent events (an on_data of a POST, as LLM APIs stream, a file, a test).
///
/// Pure and single-threaded: feed() it bytes in any split; it calls back, on the
/// calling thread, each event as its blank line arrives.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace tether {

/// One server-sent event (the DOM's MessageEvent, as EventSource dispatches it).
struct SseEvent {
  std::string type = "message";  ///< the `event:` field; "message" when none was given
  std::string data{};            ///< the `data:` lines, joined with "\n"
  std::string id{};              ///< the last event ID at this event (`id:` fields persist)
  friend bool operator==(const SseEvent&, const SseEvent&) = default;
};

/// The WHATWG "text/event-stream" parser, on its own, for any byte stream that
/// carries server-sent events. Single-threaded: feed() it bytes in any split; it
/// calls back, on the calling thread, each event as its blank line arrives.
class SseParser {
 public:
  using EventHandler = std::function<void(const SseEvent&)>;            ///< gets each event
  using RetryHandler = std::function<void(std::chrono::milliseconds)>;  ///< gets each `retry:`

  /// `on_event` gets each event dispatched (one with empty data is not);
  /// `on_retry` each valid `retry:` field (ASCII digits only; others are
  /// ignored). `max_event_bytes` (0: no limit) bounds what one event may buffer
  /// (its line and its data): past it, feed() throws tether::Error
  /// (BadResponse), so a stream with no line breaks cannot grow memory forever.
  explicit SseParser(EventHandler on_event, RetryHandler on_retry = {},
                     std::size_t max_event_bytes = 0);

  /// Parses `bytes`: lines may end in CRLF, LF or CR and be split anywhere
  /// across calls; a leading UTF-8 BOM is dropped; lines starting with ':' are
  /// comments. What a handler throws leaves feed() (the parser stays usable).
  void feed(std::string_view bytes);

  /// The stream ended (a connection closed): a partial line or event is
  /// discarded, as the spec requires, and the next bytes may start with a BOM
  /// again. The last event ID is kept (a reconnection sends it).
  void reset();

  /// The last event ID seen (`id:` fields persist across events and reset()).
  const std::string& last_event_id() const noexcept { return last_event_id_; }
  /// Sets the last event ID (resuming a stream).
  void set_last_event_id(std::string id) { last_event_id_ = id_buffer_ = std::move(id); }

 private:
  void line(std::string_view text);
  void field(std::string_view name, std::string_view value);
  void dispatch();
  void check_size(std::size_t pending) const;

  EventHandler on_event_;
  RetryHandler on_retry_;
  std::size_t max_event_bytes_ = 0;
  std::string partial_{};        ///< the start of a line a later chunk ends
  std::string data_{};           ///< the data buffer (each line followed by "\n")
  std::string type_{};           ///< the event type buffer
  std::string id_buffer_{};      ///< the last event ID buffer
  std::string last_event_id_{};  ///< the event source's last event ID string
  std::size_t bom_seen_ = 0;     ///< bytes of a leading BOM matched so far
  bool at_start_ = true;         ///< no byte of this stream parsed yet (BOM check)
  bool after_cr_ = false;        ///< the last line ended in CR: a following LF is its end
};

}  // namespace tether
