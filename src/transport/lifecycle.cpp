// A transfer's life on the loop: start (on a spare handle when one fits),
// redirects, the idle timeout, reaping curl's results, and complete(), the one
// place a transfer's outcome is handed to its done.
#include "transport/outcome.hpp"
#include "transport/reason_phrase.hpp"
#include "transport/redirect_policy.hpp"

#include "transport/loop.hpp"

namespace tether::detail {

void Engine::Loop::start(std::unique_ptr<Transfer>&& t) {
  // Room first: an emplace that throws while rehashing would destroy the
  // transfer with its easy handle (a raw CURL*) still in it.
  transfers_.reserve(transfers_.size() + 1);
  bool configured = false;
  if (!spare_handles_.empty()) {
    auto [easy, kind] = spare_handles_.back();
    spare_handles_.pop_back();
    t->easy = easy;
    // A handle left configured for the same kind of plain request (GET, HEAD,
    // DELETE, OPTIONS: plain_kind) needs only the new URL and pointers; any
    // other is reset and configured afresh.
    bool body = t->spec.has_payload || t->spec.form.has_value();
    if (kind != 0 && kind == plain_kind(t->spec.method, t->spec.url, body, *t)) {
      t->method = std::move(t->spec.method);  // (the spec's are not read again)
      t->url = std::move(t->spec.url);
      t->handle_kind = kind;
      set_pointers(*t);
      configured = true;
    } else if (kind != 0) {
      reset_handle(easy);  // (a handle of kind 0 was reset when it came back)
    }
  } else {
    t->easy = curl_easy_init();
  }
  t->started = t->last_activity = Clock::now();
  Transfer& ref = *t;
  transfers_.emplace(t->id, std::move(t));
  if (!configured) configure(ref);
  ref.set_phase(RequestPhase::Connect);
  curl_multi_add_handle(multi_, ref.easy);
  if (ref.spec.idle_timeout.count() > 0) {
    ref.idle_due = ref.started + ref.spec.idle_timeout;
    idle_deadlines_.emplace(*ref.idle_due, ref.id);
  }
}

void Engine::Loop::reset_handle(CURL* easy) noexcept {
  if (cookie_jar) CookieJar::release(easy);  // (curl_easy_reset would leak it)
  curl_easy_reset(easy);
}

void Engine::Loop::start_or_fail(std::unique_ptr<Transfer>& t) noexcept {
  TransferId id = t->id;
  try {
    start(std::move(t));
    return;
  } catch (...) {
    // An allocation failed on the way in. If the transfer got into the map it
    // ends like any other; if not, it ends here, with its handle kept.
  }
  if (auto it = transfers_.find(id); it != transfers_.end()) {
    return fail_in_place(*it->second);
  }
  if (!t) return;  // lost with the map's node: its dropped promise settles it
  if (t->easy) curl_easy_cleanup(t->easy);
  t->easy = nullptr;
  active.fetch_sub(1);
  t->unbind_flow();
  try {
    t->done(t->out_of_memory_failure());
  } catch (...) {
    // (dropping `done` with `t` settles the request: see complete())
  }
}

void Engine::Loop::finish_or_fail(TransferId id, CURLcode code) noexcept {
  try {
    auto it = transfers_.find(id);
    if (it != transfers_.end()) finish(*it->second, code);
    return;
  } catch (...) {
    // An allocation failed while the outcome was built (a redirect's new
    // request, a message): the transfer ends as out of memory.
  }
  if (auto it = transfers_.find(id); it != transfers_.end()) fail_in_place(*it->second);
}

void Engine::Loop::fail_in_place(Transfer& t) noexcept {
  remove_abortively(t);  // (a no-op for a handle curl no longer has)
  complete(t, t.out_of_memory_failure());
}

std::unique_ptr<Transfer> Engine::Loop::detach(Transfer& t) {
  auto node = transfers_.extract(t.id);
  std::unique_ptr<Transfer> owned = std::move(node.mapped());
  if (owned->idle_due) idle_deadlines_.erase({*owned->idle_due, owned->id});
  if (owned->easy) {
    // A plain request's handle stays configured (start() resets it unless the next
    // transfer is the same kind; its pointers into this transfer are set anew
    // before any use). Any other is reset now, before its header list and
    // mime parts are freed below.
    if (owned->handle_kind == 0) reset_handle(owned->easy);
    if (spare_handles_.size() < 256) {
      spare_handles_.emplace_back(owned->easy, owned->handle_kind);
    } else {
      curl_easy_cleanup(owned->easy);
    }
    owned->easy = nullptr;
  }
  if (owned->header_list) curl_slist_free_all(owned->header_list);
  owned->header_list = nullptr;
  if (owned->mime) curl_mime_free(owned->mime);
  owned->mime = nullptr;
  owned->unbind_flow();  // before done: the next request may use its FlowControl
  active.fetch_sub(1);
  return owned;
}

void Engine::Loop::complete(Transfer& t, TransferOutcome&& outcome) {
  // Read while the handle is still the transfer's (detach hands it back).
  std::visit([&t](auto& o) { o.transfer = t.read_info(); }, outcome);
  auto owned = detach(t);
  if (auto* failure = std::get_if<TransferFailure>(&outcome)) {
    owned->set_phase(failure->phase);
  } else {
    owned->set_phase(RequestPhase::Body);
  }
  try {
    owned->done(std::move(outcome));
  } catch (...) {
    // `done` settles the request and never runs user code; only an allocation
    // can fail there. The loop must outlive it: one more try with a failure
    // that allocates nothing here; should that fail too, `done` is dropped
    // with `owned`, and the request's promise, dropped unsettled, settles it.
    try {
      owned->done(owned->out_of_memory_failure());
    } catch (...) {
    }
  }
}

void Engine::Loop::reap() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    CURLcode code = msg->data.result;
    curl_multi_remove_handle(multi_, msg->easy_handle);
    finish_or_fail(t->id, code);
  }
}

void Engine::Loop::finish(Transfer& t, CURLcode code) {
  if (t.out_of_memory && !t.failure) return complete(t, t.out_of_memory_failure());
  if (code == CURLE_OK && !t.failure && !t.final_headers_done) {
    // curl takes a connection closed in the middle of the header block for
    // the end of a bodiless response (found by faults_test, HalfHeadersThenClose).
    t.failure = t.make_failure_ptr(ErrorCode::Network,
                                   "connection closed before the end of the response headers",
                                   TransportError::Receive);
  }
  // follow_redirect re-adds the transfer, or refuses the redirect by setting
  // t.failure, or leaves a response that is not a redirect to us.
  if (code == CURLE_OK && !t.failure && follow_redirect(t)) return;
  if (code == CURLE_COULDNT_CONNECT && !t.failure && !t.egress_refusal.empty() &&
      !t.egress_allowed) {
    // Security: the egress policy refused every address it was offered (if it
    // let one through, that one's failure to connect is the error).
    t.failure =
        t.make_failure_ptr(ErrorCode::Network, std::move(t.egress_refusal), TransportError::Policy);
  }
  if (t.failure) {
    auto failure = std::move(*t.failure);
    if (!failure.response && t.final_headers_done) failure.response = std::move(t.result);
    return complete(t, std::move(failure));
  }
  if (code != CURLE_OK) {
    CurlOutcome o;
    o.code = code;
    curl_easy_getinfo(t.easy, CURLINFO_OS_ERRNO, &o.os_errno);
    o.detail = t.error[0] ? std::string_view(t.error) : std::string_view(curl_easy_strerror(code));
    o.phase = t.phase();
    o.maybe_delivered = t.maybe_delivered();
    o.timeout = t.spec.timeout;
    o.connect_timeout = t.spec.connect_timeout;
    o.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t.started);
    o.clarify_timeout_error = t.spec.clarify_timeout_error;
    return complete(t, classify(o));
  }
  succeed(t);
}

void Engine::Loop::succeed(Transfer& t) {
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  long version = 0;
  curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version);
  TransferResult& r = t.result;
  r.status = static_cast<int>(status);
  if (r.status_text.empty()) r.status_text = standard_reason(r.status);
  r.url = std::move(t.url);  // (the transfer ends here; curl holds its own copy)
  r.http_version = version == CURL_HTTP_VERSION_2_0   ? "2"
                   : version == CURL_HTTP_VERSION_1_0 ? "1.0"
                                                      : "1.1";
  complete(t, std::move(r));
}

bool Engine::Loop::follow_redirect(Transfer& t) {
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  if (!is_redirect_status(status)) return false;  // the common case: no work
  RedirectInput in;
  in.status = status;
  in.method = t.method;
  curl_easy_getinfo(t.easy, CURLINFO_REDIRECT_URL, &in.location);
  in.url = t.url;
  in.bound_origin = t.spec.bound_origin;
  in.redirects = t.result.redirects;
  in.max_redirects = t.spec.max_redirects;
  RedirectDecision d = decide_redirect(in);
  if (d.action == RedirectDecision::Action::None) return false;
  t.set_phase(RequestPhase::Redirect);
  if (d.action == RedirectDecision::Action::Refuse) {
    t.failure = t.make_failure_ptr(d.code, std::move(d.message));
    return false;
  }
  strip_for_redirect(d, t.spec);
  if (d.drop_body) {
    t.has_body = false;
    t.payload.clear();
    if (t.mime) curl_mime_free(t.mime);
    t.mime = nullptr;
  } else if (t.spec.upload && !rewind_upload(t, status)) {
    return false;  // t.failure says why
  }
  t.redirect_time += t.read_info().total;
  t.method = std::move(d.method);
  t.url = std::move(d.url);
  t.notify_redirect(status);
  int redirects = t.result.redirects + 1;
  t.result = TransferResult{};
  t.result.redirects = redirects;
  t.final_headers_done = false;
  t.discard_body = false;
  t.stream_body = false;
  t.payload_sent = 0;
  t.sends = 0;
  t.content_length = -1;
  reset_handle(t.easy);
  curl_slist_free_all(t.header_list);
  t.header_list = nullptr;
  configure(t);
  t.set_phase(RequestPhase::Connect);
  curl_multi_add_handle(multi_, t.easy);
  return true;
}

void Engine::Loop::unpause(TransferId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;  // done or canceled meanwhile
  Transfer& t = *it->second;
  const auto& flow = t.spec.options().flow;
  if (!t.paused || (flow && flow->paused.load(std::memory_order_acquire))) return;
  t.paused = false;
  t.last_activity = Clock::now();
  // curl may hand over the chunk it kept right here (on_write may pause again).
  CURLcode code = curl_easy_pause(t.easy, CURLPAUSE_CONT);
  if (code == CURLE_OK && !t.failure) return;
  // on_write refused that chunk (on_data threw, or it was too large): curl
  // reports it here and nowhere else, so the transfer ends here.
  remove_abortively(t);
  finish(t, code == CURLE_OK ? CURLE_WRITE_ERROR : code);
}

void Engine::Loop::check_idle(Clock::time_point now) {
  while (!idle_deadlines_.empty() && idle_deadlines_.begin()->first <= now) {
    auto [due, id] = *idle_deadlines_.begin();
    idle_deadlines_.erase(idle_deadlines_.begin());
    auto it = transfers_.find(id);
    if (it == transfers_.end()) continue;
    Transfer& t = *it->second;
    t.idle_due.reset();
    // A transfer its FlowControl paused is idle by the user's choice.
    auto next_due = (t.paused ? now : t.last_activity) + t.spec.idle_timeout;
    if (next_due > now) {
      t.idle_due = next_due;
      idle_deadlines_.emplace(next_due, id);
      continue;
    }
    shut_socket(id);  // promptly, as an abort does (see shut_socket)
    remove_abortively(t);
    try {
      complete(t, timeout_failure(t.spec.clarify_timeout_error,
                                  "idle timeout of " + std::to_string(t.spec.idle_timeout.count()) +
                                      "ms exceeded",
                                  t.phase(), t.maybe_delivered()));
    } catch (...) {
      fail_in_place(t);  // the message could not be built: out of memory
    }
  }
}

}  // namespace tether::detail
