// The mock's stand-in for the network on one engine: a transfer is matched
// against the rules on the engine's thread, its answer (or its timeout) comes
// through the timer service back to that thread, and an abort drops it.
#include <curl/curl.h>

#include "core/redact.hpp"
#include "http/upload.hpp"
#include "testing/mock_state.hpp"
#include "transport/outcome.hpp"
#include "transport/redirect_policy.hpp"

namespace tether::detail {

namespace {

using Clock = std::chrono::steady_clock;

testing::RecordedRequest recorded(const TransferSpec& spec, const std::string& method,
                                  const std::string& url, int redirects) {
  testing::RecordedRequest r;
  r.method = method;
  r.url = url;
  r.headers = spec.headers;
  if (spec.has_payload) {
    r.body = spec.payload;
    if (!r.headers.has("Content-Type") && !spec.payload_type.empty()) {
      r.headers.set("Content-Type", spec.payload_type);
    }
  }
  r.form = spec.form;
  r.redirects = redirects;
  return r;
}

TransferFailure failure_of(const testing::NetworkFailure& f) {
  bool connecting =
      f.transport == TransportError::Refused || f.transport == TransportError::Resolve ||
      f.transport == TransportError::Connect || f.transport == TransportError::TlsHandshake ||
      f.transport == TransportError::TlsVerify;
  bool delivered = f.maybe_delivered.value_or(!connecting);
  return TransferFailure{
      f.code,    f.message,    connecting ? RequestPhase::Connect : RequestPhase::AwaitHeaders,
      delivered, std::nullopt, f.transport};
}

// `location` resolved against `base`, as curl resolves a Location header.
std::string resolve(const std::string& base, const std::string& location) {
  CURLU* u = curl_url();
  std::string out;
  char* full = nullptr;
  if (curl_url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
    out = full;
  }
  curl_free(full);
  curl_url_cleanup(u);
  return out;
}

}  // namespace

void MockPort::post(const std::weak_ptr<Executor>& loop, std::function<void()> task) {
  if (auto executor = loop.lock()) executor->post(std::move(task));
}

MockPort::Slot MockPort::find(TransferId id) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(id);
  return it == pending_.end() ? nullptr : it->second;
}

void MockPort::submit(TransferId id, TransferSpec spec, TransferDone done,
                      std::weak_ptr<Executor> loop) {
  auto p = std::make_shared<Pending>();
  p->spec = std::move(spec);
  p->done = std::move(done);
  p->loop = loop;
  p->started = Clock::now();
  p->method = p->spec.method;
  p->url = p->spec.url;
  {
    std::lock_guard lock(mu_);
    pending_.emplace(id, std::move(p));
  }
  state_->add_pending(1);
  // Matching runs user predicates: on the engine's thread, never inline in
  // the caller of request().
  post(loop, [self = shared_from_this(), id] { self->begin(id); });
}

// One hop, as the engine would go through it: connect, send (a streamed body
// read now), await the answer the rules give.
void MockPort::begin(TransferId id) {
  Slot slot = find(id);
  if (!slot) return;  // aborted before it was looked at
  Pending& p = *slot;
  p.hop_started = Clock::now();
  if (!p.begun) p.begun = p.hop_started;
  p.answered.reset();
  set_phase(p.spec, RequestPhase::Connect);
  set_phase(p.spec, RequestPhase::Send);
  p.spec.status->maybe_delivered.store(true, std::memory_order_relaxed);
  if (p.spec.upload && !read_upload(id, p)) return;
  p.header_bytes_sent = request_head_size(p.method, p.url, p.spec.headers);
  testing::RecordedRequest request = recorded(p.spec, p.method, p.url, p.redirects);
  set_phase(p.spec, RequestPhase::AwaitHeaders);
  state_->record(request);
  testing::Reply reply;
  try {
    auto answer = state_->answer(request);
    if (!answer) {
      reply = testing::Reply::network_error(
          TransportError::Other,
          redact_userinfo("tether::testing::MockTransport: no rule matches " + request.method +
                          " " + request.url));
      reply.failure->maybe_delivered = false;
    } else {
      reply = std::move(*answer);
    }
  } catch (...) {
    // A predicate or a responder threw: the request's error, with its message.
    auto e = Error::from_exception(std::current_exception());
    reply = testing::Reply::network_error(TransportError::Other, e.what());
    reply.failure->code = e.code();
  }
  schedule(id, std::move(reply));
}

bool MockPort::read_upload(TransferId id, Pending& p) {
  std::string bytes;
  try {
    char buffer[16384];
    while (std::size_t got = p.spec.upload->read(buffer, sizeof buffer)) bytes.append(buffer, got);
  } catch (...) {
    // As the engine's read callback: the request's error, its cause kept.
    auto e = Error::from_exception(std::current_exception());
    if (p.spec.upload->on_throw) p.spec.upload->on_throw(std::current_exception());
    if (auto taken = take(id)) {
      finish(*taken, TransferFailure{e.code(), e.what(), RequestPhase::Send, true, std::nullopt,
                                     TransportError::None});
    }
    return false;
  }
  p.spec.payload = std::move(bytes);
  return true;
}

void MockPort::schedule(TransferId id, testing::Reply reply) {
  auto now = Clock::now();
  std::unique_lock lock(mu_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Slot slot = it->second;
  Pending& p = *slot;
  // The earliest of the answer, the request's timeout and its idle timeout
  // (nothing moves while a mocked answer waits) decides the outcome.
  std::optional<Clock::time_point> when;
  Due due = Due::Answer;
  if (!reply.never) when = now + reply.delay;
  auto consider = [&](std::chrono::milliseconds limit, Clock::time_point from, Due kind) {
    if (limit.count() <= 0) return;
    auto at = from + limit;
    if (!when || at <= *when) {
      when = at;
      due = kind;
    }
  };
  consider(p.spec.timeout, p.started, Due::Timeout);
  consider(p.spec.idle_timeout, now, Due::IdleTimeout);
  p.due = due;
  p.reply = std::move(reply);
  if (!when) return;  // never: until an abort or the engine's shutdown
  if (*when <= now) {
    lock.unlock();
    return deliver(id);  // (already on the engine's thread)
  }
  auto loop = p.loop;
  std::weak_ptr<MockPort> weak = shared_from_this();
  p.timer = TimerService::instance().schedule(*when, [weak, loop, id] {
    if (auto self = weak.lock()) self->post(loop, [self, id] { self->deliver(id); });
  });
}

void MockPort::deliver(TransferId id) {
  Slot slot = find(id);
  if (!slot) return;
  Pending& p = *slot;
  Due due = p.due;
  testing::Reply reply = std::move(p.reply);
  p.reply = {};
  if (due == Due::Answer && !reply.failure) p.answered = Clock::now();
  std::optional<TransferFailure> refused;
  if (due == Due::Answer && !reply.failure && redirect(id, p, reply, refused)) return;
  auto taken = take(id);
  if (!taken) return;
  if (refused) return finish(p, std::move(*refused));
  bool clarify = p.spec.clarify_timeout_error;
  switch (due) {
    case Due::Timeout:
      return finish(
          p, timeout_failure(clarify,
                             "timeout of " + std::to_string(p.spec.timeout.count()) + "ms exceeded",
                             RequestPhase::AwaitHeaders, true));
    case Due::IdleTimeout:
      return finish(
          p, timeout_failure(
                 clarify,
                 "idle timeout of " + std::to_string(p.spec.idle_timeout.count()) + "ms exceeded",
                 RequestPhase::AwaitHeaders, true));
    case Due::Answer:
      break;
  }
  if (reply.failure) return finish(p, failure_of(*reply.failure));
  p.body_bytes_received = static_cast<std::int64_t>(reply.body.size());
  set_phase(p.spec, RequestPhase::Body);  // the head is in: on_response and on_data follow
  auto outcome = reply_outcome(p.spec, p.url, p.redirects, std::move(reply));
  finish(p, std::move(outcome));
}

// The engine's redirect rules (decide_redirect, strip_for_redirect,
// rewind_for_redirect) over a mocked 3xx.
bool MockPort::redirect(TransferId id, Pending& p, const testing::Reply& reply,
                        std::optional<TransferFailure>& refused) {
  auto location = reply.headers.get("Location");
  if (!is_redirect_status(reply.status) || !location) return false;
  if (p.spec.max_redirects <= 0) return false;
  std::string absolute = resolve(p.url, *location);
  RedirectInput in;
  in.status = reply.status;
  in.method = p.method;
  in.location = absolute.empty() ? nullptr : absolute.c_str();
  in.url = p.url;
  in.bound_origin = p.spec.bound_origin;
  in.redirects = p.redirects;
  in.max_redirects = p.spec.max_redirects;
  RedirectDecision d = decide_redirect(in);
  if (d.action == RedirectDecision::Action::None) return false;
  set_phase(p.spec, RequestPhase::Redirect);
  if (d.action == RedirectDecision::Action::Refuse) {
    refused = TransferFailure{d.code, std::move(d.message), RequestPhase::Redirect,
                              true,   std::nullopt,         TransportError::None};
    return false;
  }
  strip_for_redirect(d, p.spec);
  if (!d.drop_body && p.spec.upload) {
    if (auto why = rewind_for_redirect(*p.spec.upload, reply.status)) {
      refused = TransferFailure{why->code(), why->what(),  RequestPhase::Redirect,
                                true,        std::nullopt, TransportError::None};
      return false;
    }
  }
  p.redirect_time +=
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p.hop_started);
  p.method = std::move(d.method);
  p.url = std::move(d.url);
  p.redirects += 1;
  if (p.spec.extras && p.spec.extras->on_event) {
    RequestEvent event;
    event.kind = EventKind::Redirected;
    event.phase = RequestPhase::Redirect;
    event.status = reply.status;
    event.url = p.url;
    p.spec.extras->on_event(event);
  }
  {
    std::lock_guard lock(mu_);
    p.timer = 0;
  }
  begin(id);
  return true;
}

MockPort::Slot MockPort::take(TransferId id) {
  Slot out;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return out;
    out = std::move(it->second);
    pending_.erase(it);
  }
  state_->add_pending(-1);
  return out;
}

void MockPort::finish(Pending& p, TransferOutcome&& outcome) {
  std::visit([&p, &outcome](auto& o) { o.transfer = info_of(p, outcome); }, outcome);
  if (auto* failure = std::get_if<TransferFailure>(&outcome)) {
    set_phase(p.spec, failure->phase);
  } else {
    set_phase(p.spec, RequestPhase::Body);
  }
  try {
    p.done(std::move(outcome));
  } catch (...) {
    // As in the engine's complete(): `done` runs no user code.
  }
}

void MockPort::cancel(TransferId id) {
  auto p = take(id);
  if (!p) return;
  TimerService::Id timer;
  {
    std::lock_guard lock(mu_);
    timer = p->timer;
  }
  if (timer != 0) TimerService::instance().cancel(timer);
  // Its done is not called: the canceller settled the request.
}

void MockPort::shutdown() {
  std::vector<Slot> held;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, p] : pending_) held.push_back(std::move(p));
    pending_.clear();
  }
  state_->add_pending(-static_cast<std::ptrdiff_t>(held.size()));
  for (auto& p : held) {
    TimerService::Id timer;
    {
      std::lock_guard lock(mu_);
      timer = p->timer;
    }
    if (timer != 0) TimerService::instance().cancel(timer);
    auto loop = p->loop;
    post(loop, [p] {
      auto phase = p->spec.status->phase.load(std::memory_order_relaxed);
      bool delivered = p->spec.status->maybe_delivered.load(std::memory_order_relaxed);
      finish(*p, TransferFailure{ErrorCode::Canceled, "canceled", phase, delivered, std::nullopt,
                                 TransportError::None});
    });
  }
}

}  // namespace tether::detail
