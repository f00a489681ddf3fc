// Forwards the embedded server's events to a PreviewSession that may not exist
// yet, or any more: the server is made first (the session needs its URL) and
// its threads may report after the session is gone.
#pragma once

#include <mutex>

#include "preview_server.hpp"
#include "preview_session.hpp"

namespace tether::demo {

class SessionRelay {
 public:
  void attach(PreviewSession* session) {
    std::lock_guard lock(mu_);
    session_ = session;
  }
  void forward(const ServerEvent& event) {
    std::lock_guard lock(mu_);
    if (session_) session_->server_event(event);
  }

 private:
  std::mutex mu_;
  PreviewSession* session_ = nullptr;
};

// Detaches the session when it goes out of scope (declare it after the session).
class RelayAttachment {
 public:
  RelayAttachment(SessionRelay& relay, PreviewSession& session) : relay_(relay) {
    relay_.attach(&session);
  }
  ~RelayAttachment() { relay_.attach(nullptr); }
  RelayAttachment(const RelayAttachment&) = delete;
  RelayAttachment& operator=(const RelayAttachment&) = delete;

 private:
  SessionRelay& relay_;
};

}  // namespace tether::demo
