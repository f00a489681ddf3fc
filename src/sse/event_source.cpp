// EventSource: the public handle over one SseSession.
#include "sse/sse_session.hpp"

namespace tether {

EventSource::EventSource(Client client, std::string url, EventSourceOptions options)
    : session_(std::make_shared<detail::SseSession>(std::move(client), std::move(url),
                                                    std::move(options))) {
  session_->start();
}

EventSource::EventSource(EventSource&&) noexcept = default;

EventSource& EventSource::operator=(EventSource&& other) noexcept {
  if (this != &other) {
    close();
    session_ = std::move(other.session_);
  }
  return *this;
}

EventSource::~EventSource() {
  close();
}

Future<void> EventSource::finished() {
  if (!session_) {
    throw Error(ErrorCode::BadOptionValue, "EventSource::finished() on a moved-from EventSource");
  }
  return session_->finished();
}

void EventSource::close() {
  try {
    if (session_) session_->close();
  } catch (...) {
    // abort() rethrows what an abort callback threw: only the user's own
    // callbacks on options.signal's other registrations, already run.
  }
}

EventSource::ReadyState EventSource::ready_state() const noexcept {
  return session_ ? session_->ready_state() : ReadyState::Closed;
}

std::string EventSource::last_event_id() const {
  return session_ ? session_->last_event_id() : std::string{};
}

int EventSource::connections() const noexcept {
  return session_ ? session_->connections() : 0;
}

}  // namespace tether
