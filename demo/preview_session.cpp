#include "preview_session.hpp"

#include <tether/api_client.hpp>
#include <tether/latest.hpp>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

#include "markdown.hpp"

namespace tether::demo {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
}  // namespace

// The state the request callbacks touch; they hold it by shared_ptr, so a
// late callback never reaches a destroyed session.
struct PreviewSession::Core {
  struct Shown {
    std::uint64_t request = 0;
    std::string html;
    std::string text_on_screen;
  };

  Core(SessionOptions o, Listener l) : options(o), listener(std::move(l)) {}

  const SessionOptions options;
  const Clock::time_point started = Clock::now();

  mutable std::mutex mu;  // guards everything below
  mutable std::condition_variable changed;
  std::string text;
  SessionStats stats;
  std::vector<Shown> shown;
  bool debounce_pending = false;
  std::uint64_t generation = 0;  // edits so far: a debounced send is for one of them

  std::mutex emit_mu;  // one event at a time, and none once closed
  Listener listener;
  bool closed = false;

  milliseconds now() const {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  }

  void emit(SessionEvent event) {
    event.at = now();
    std::lock_guard lock(emit_mu);
    if (closed || !listener) return;
    try {
      listener(event);
    } catch (...) {  // a listener's bug costs its line, not the session
    }
  }

  // Counted once the request's event is out, so a waiter on the count sees
  // its line printed.
  void settle() {
    std::lock_guard lock(mu);
    ++stats.settled;
    changed.notify_all();
  }

  void on_preview(std::uint64_t id, const AbortSignal& signal, const Data& data) {
    std::string html;
    if (data.is_json() && data.json().is_object() && data.json().contains("preview") &&
        data.json()["preview"].is_string()) {
      html = data.json()["preview"].get<std::string>();
    } else {
      return on_failure(id, "the reply has no preview");
    }
    SessionEvent event{.request = id};
    {
      std::lock_guard lock(mu);
      // The reply arrived, but a keystroke outdated it (and aborted the
      // signal) before this callback ran: the abort came after settlement.
      if (options.cancel && signal.aborted()) {
        ++stats.dropped;
        event.kind = SessionEvent::Kind::Dropped;
      } else {
        ++stats.previews;
        shown.push_back({id, html, text});
        event.kind = SessionEvent::Kind::Preview;
        event.text = html;
      }
    }
    emit(std::move(event));
    settle();
  }

  void on_failure(std::uint64_t id, std::string message) {
    {
      std::lock_guard lock(mu);
      ++stats.failed;
    }
    emit({.kind = SessionEvent::Kind::Failed, .request = id, .detail = std::move(message)});
    settle();
  }

  void on_error(std::uint64_t id, const Error& error) {
    ApiError api = ApiError::from(error);
    if (!api.status.is_abort) {
      return on_failure(id, api.data.value("message", std::string(api.what())));
    }
    {
      std::lock_guard lock(mu);
      ++stats.aborted;
    }
    emit({.kind = SessionEvent::Kind::Aborted,
          .request = id,
          .detail = error.reason() ? error.reason()->message : std::string()});
    settle();
  }
};

struct PreviewSession::Parts {
  Parts(std::string url, milliseconds quiet)
      : api(Client(RequestConfig{.base_url = std::move(url)})), debouncer(std::in_place, quiet) {}
  ApiClient api;
  Latest latest;
  // Reset first by ~PreviewSession, waiting for a send that is running while
  // parts_ still points here (the send reads parts_).
  std::optional<Debouncer> debouncer;
};

PreviewSession::PreviewSession(std::string server_url, Listener listener, SessionOptions options)
    : core_(std::make_shared<Core>(options, std::move(listener))),
      parts_(std::make_unique<Parts>(std::move(server_url), options.debounce)) {}

PreviewSession::~PreviewSession() {
  parts_->debouncer->cancel();
  parts_->latest.abort();
  {
    std::lock_guard lock(core_->mu);
    core_->debounce_pending = false;
    ++core_->generation;  // a send about to start finds itself outdated
  }
  wait_idle(milliseconds(10'000));
  {
    std::lock_guard lock(core_->emit_mu);
    core_->closed = true;
  }
  // Not parts_.reset(): that nulls parts_ before ~Debouncer waits for a send
  // that reads it.
  parts_->debouncer.reset();
}

void PreviewSession::edit(std::string key, std::string text) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(core_->mu);
    generation = ++core_->generation;
    core_->text = text;
    ++core_->stats.keystrokes;
    core_->debounce_pending = true;
    // Before the abort, so the timeline shows the key before what it caused
    // (events take emit_mu inside mu, never the other way round).
    core_->emit({.kind = SessionEvent::Kind::Key, .text = text, .detail = std::move(key)});
    // The request in flight is for a text no longer on screen. Under the
    // lock, so a reply being shown sees either the old text and a live
    // signal, or the new text and an aborted one.
    if (core_->options.cancel) parts_->latest.abort();
  }
  parts_->debouncer->call([this, generation, text = std::move(text)] { send(generation, text); });
}

void PreviewSession::send(std::uint64_t generation, std::string text) {
  AbortSignal signal;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(core_->mu);
    // A keystroke slipped in as the quiet period ended: its own debounced
    // call sends its text; this one is outdated already.
    if (generation != core_->generation) return;
    if (core_->options.cancel) signal = parts_->latest.next();
    id = ++core_->stats.sent;
    core_->debounce_pending = false;
  }
  core_->emit({.kind = SessionEvent::Kind::Sent, .request = id, .text = text});
  auto core = core_;
  parts_->api
      .make_request({.headers = {{"X-Demo-Request", std::to_string(id)}},
                     .url = "/preview",
                     .form = Form{{"content", std::move(text)}},
                     .signal = signal})
      .then([core, id, signal](Data data) { core->on_preview(id, signal, data); },
            [core, id](const Error& error) { core->on_error(id, error); });
}

std::string PreviewSession::text() const {
  std::lock_guard lock(core_->mu);
  return core_->text;
}

bool PreviewSession::wait_idle(milliseconds bound) const {
  std::unique_lock lock(core_->mu);
  return core_->changed.wait_for(lock, bound, [&] {
    return !core_->debounce_pending && core_->stats.settled == core_->stats.sent;
  });
}

SessionStats PreviewSession::stats() const {
  std::lock_guard lock(core_->mu);
  return core_->stats;
}

void PreviewSession::server_event(const ServerEvent& event) {
  std::uint64_t id = 0;
  try {
    id = std::stoull(event.request_id);
  } catch (const std::exception&) {
    return;  // not one of the session's requests
  }
  if (event.kind == ServerEvent::Kind::Received) {
    core_->emit(
        {.kind = SessionEvent::Kind::ServerReceived, .request = id, .elapsed = event.latency});
  } else if (event.kind == ServerEvent::Kind::ClientClosed) {
    {
      std::lock_guard lock(core_->mu);
      ++core_->stats.server_closes;
    }
    core_->emit(
        {.kind = SessionEvent::Kind::ServerSawClose, .request = id, .elapsed = event.elapsed});
  }
}

CheckResult PreviewSession::check() const {
  std::lock_guard lock(core_->mu);
  CheckResult result;
  for (const auto& shown : core_->shown) {
    ++result.checked;
    if (shown.html != markdown_to_html(shown.text_on_screen)) {
      result.stale.push_back("#" + std::to_string(shown.request) + " showed " + shown.html +
                             " while the text was \"" + shown.text_on_screen + "\"");
    }
  }
  result.final_shown =
      !core_->shown.empty() && core_->shown.back().html == markdown_to_html(core_->text);
  return result;
}

}  // namespace tether::demo
