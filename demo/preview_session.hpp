// The article's live preview, in C++: each edit goes through a Debouncer (wait
// for a pause in the typing), a Latest (only the newest request matters) and an
// ApiClient (make_request to the embedded server's /preview). An edit also
// aborts the request in flight at once: its text is no longer the text on
// screen. Everything that happens is reported as SessionEvents.
//
// The session also checks itself, independently of the mechanism: every
// preview shown is recorded with the text on screen at that moment, and
// check() renders that text afresh and compares.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "preview_server.hpp"
#include "session_event.hpp"

namespace tether::demo {

struct SessionOptions {
  std::chrono::milliseconds debounce{300};  // the article's
  // false: the article's pattern without any abort (the control experiment:
  // replies arrive out of order and outdated previews get shown).
  bool cancel = true;
};

struct SessionStats {
  std::uint64_t keystrokes = 0;
  std::uint64_t sent = 0;
  std::uint64_t aborted = 0;        // requests that ended aborted
  std::uint64_t dropped = 0;        // replies outdated by a keystroke on arrival
  std::uint64_t server_closes = 0;  // aborts the server saw as a closed connection
  std::uint64_t previews = 0;
  std::uint64_t failed = 0;
  std::uint64_t settled = 0;  // requests with an outcome (any of the above)
};

struct CheckResult {
  std::uint64_t checked = 0;
  std::vector<std::string> stale;  // one description per preview that did not match
  bool final_shown = false;        // the last preview shown is of the final text
  bool ok() const { return checked > 0 && stale.empty() && final_shown; }
};

class PreviewSession {
 public:
  using Listener = std::function<void(const SessionEvent&)>;

  // Listens on `server` (its on_event must forward to server_event()).
  PreviewSession(std::string server_url, Listener listener, SessionOptions options = {});
  ~PreviewSession();  // aborts what is in flight and waits (bounded) for it
  PreviewSession(const PreviewSession&) = delete;
  PreviewSession& operator=(const PreviewSession&) = delete;

  // A keystroke: `key` names it for the timeline, `text` is the text after it.
  void edit(std::string key, std::string text);
  std::string text() const;

  // Waits until no request is pending or in flight, at most `bound`.
  bool wait_idle(std::chrono::milliseconds bound) const;

  SessionStats stats() const;
  CheckResult check() const;

  // The embedded server's events, to show what it saw.
  void server_event(const ServerEvent& event);

  struct Core;   // the state, shared with the callbacks still in flight
  struct Parts;  // the client, the Latest and the Debouncer

 private:
  void send(std::uint64_t generation, std::string text);

  std::shared_ptr<Core> core_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace tether::demo
