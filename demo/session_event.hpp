// What the preview pipeline reports as it runs: one line of the timeline.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tether::demo {

struct SessionEvent {
  enum class Kind {
    Key,             // a keystroke changed the text
    Sent,            // a preview request left
    ServerReceived,  // the server has the request and will answer after `elapsed`
    Aborted,         // the request was aborted (its error had status.is_abort)
    Dropped,         // its reply had arrived, but a keystroke outdated it first
    ServerSawClose,  // the server saw the client close the connection mid-request
    Preview,         // a preview was shown
    Failed,          // a request failed for another reason
  };
  Kind kind = Kind::Key;
  std::chrono::milliseconds at{0};  // since the session started
  std::uint64_t request = 0;        // the request's number (0 for Key)
  std::string text{};               // Key: the whole text; Sent: what was sent; Preview: the HTML
  std::string detail{};             // Key: the key; Failed: the message
  std::chrono::milliseconds elapsed{0};  // ServerReceived: its latency; ServerSawClose: after
};

}  // namespace tether::demo
