// curl's data callbacks, all on the loop thread: response bytes in (write,
// header), request bytes out (read, seek), and the points where a transfer
// changes phase (prereq, TLS context, progress).
#include <cstring>

#include "http/upload.hpp"
#include "transport/loop.hpp"
#include "transport/reason_phrase.hpp"
#include "transport/redirect_policy.hpp"

namespace tether::detail {

struct HeadersAccess {
  static std::vector<Headers::Entry>& entries(Headers& h) noexcept { return h.entries_; }
};

namespace {

// Room for a usual response's fields at its first one: one allocation, where
// growing one field at a time costs four reallocations by the eighth.
constexpr std::size_t kUsualHeaderCount = 8;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// A Content-Length value: a number, or a list of one number repeated
// (RFC 9112 §6.3 lets a recipient accept "42, 42"); -1 for anything else.
std::int64_t parse_content_length(std::string_view value) {
  std::int64_t result = -1;
  for (;;) {
    auto comma = value.find(',');
    std::string_view item = trim(value.substr(0, comma));
    if (item.empty() || item.size() > 18) return -1;
    std::int64_t n = 0;
    for (char ch : item) {
      if (ch < '0' || ch > '9') return -1;
      n = n * 10 + (ch - '0');
    }
    if (result >= 0 && n != result) return -1;
    result = n;
    if (comma == std::string_view::npos) return result;
    value.remove_prefix(comma + 1);
  }
}

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS" || method == "TRACE";
}

// curl's callbacks are C frames that no exception may cross: each one below
// ends in a catch-all. What reaches it is an allocation that failed (user
// callbacks are contained where they are called); the transfer stops, and
// finish() fails it as out of memory.
void out_of_memory(void* userp) noexcept {
  static_cast<Transfer*>(userp)->out_of_memory = true;
}

}  // namespace

size_t Engine::Loop::on_write(char* data, size_t size, size_t n, void* userp) try {
  auto& t = *static_cast<Transfer*>(userp);
  const size_t len = size * n;
  if (t.failure) return 0;  // refused already: nothing more reaches on_data
  if (t.spec.idle_timeout.count() > 0) t.last_activity = Clock::now();
  const auto& spec = t.spec;
  if (t.discard_body) {
    // A redirect's body is dropped, but an endless one must not hold the
    // request forever: it counts against the default cap.
    t.discarded += len;
    if (t.discarded <= static_cast<std::uint64_t>(kDefaultMaxContentLength)) return len;
    t.failure = t.make_failure_ptr(ErrorCode::BadResponse, "redirect response body too large",
                                   TransportError::TooLarge);
    return 0;
  }
  const auto& on_data = spec.options().on_data;
  const bool stream = on_data && t.stream_body;
  if (stream && spec.options().flow &&
      spec.options().flow->paused.load(std::memory_order_acquire)) {
    // curl keeps this chunk and stops reading the socket until unpause().
    t.paused = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  // A streamed response that validate_status rejected is buffered for its
  // Error: capped by default even when the stream itself is not.
  const bool buffers_rejected = on_data && !t.stream_body;
  const std::int64_t cap = spec.max_content_length < 0 && buffers_rejected
                               ? kDefaultMaxContentLength
                               : spec.max_content_length;
  if (cap >= 0 && t.body_received + len > static_cast<std::uint64_t>(cap)) {
    t.failure = t.make_failure_ptr(ErrorCode::BadResponse,
                                   "maxContentLength size of " + std::to_string(cap) + " exceeded",
                                   TransportError::TooLarge);
    return 0;  // CURLE_WRITE_ERROR: the transfer stops here
  }
  t.body_received += len;
  if (stream) {
    try {
      on_data(std::string_view(data, len));
    } catch (...) {
      auto e = Error::from_exception(std::current_exception());
      t.failure = t.make_failure_ptr(e.code(), e.what());
      return 0;
    }
  }
  // A response validate_status rejected keeps its body for the Error.
  if (spec.keep_body || buffers_rejected) t.result.body.append(data, len);
  return len;
} catch (...) {
  out_of_memory(userp);
  return 0;
}

size_t Engine::Loop::on_read(char* buffer, size_t size, size_t n, void* userp) {
  auto& t = *static_cast<Transfer*>(userp);
  if (t.spec.idle_timeout.count() > 0) t.last_activity = Clock::now();
  if (t.spec.upload) return read_upload(t, buffer, size * n);
  size_t left = t.payload.size() - t.payload_sent;
  size_t len = std::min(left, size * n);
  std::memcpy(buffer, t.payload.data() + t.payload_sent, len);
  t.payload_sent += len;
  if (t.payload_sent == t.payload.size()) t.set_phase(RequestPhase::AwaitHeaders);
  return len;
}

// Streaming uploads: the file or producer gives what curl asks for, so the
// body never sits whole in memory. What the producer throws stops the transfer
// and becomes the request's error.
size_t Engine::Loop::read_upload(Transfer& t, char* buffer, size_t len) {
  try {
    size_t got = t.spec.upload->read(buffer, len);
    if (got == 0) t.set_phase(RequestPhase::AwaitHeaders);
    return got;
  } catch (...) {
    auto e = Error::from_exception(std::current_exception());
    if (t.spec.upload->on_throw) t.spec.upload->on_throw(std::current_exception());
    t.failure = t.make_failure_ptr(e.code(), e.what(), TransportError::None);
    return CURL_READFUNC_ABORT;
  }
}

// A 307/308 sends the body again: from its first byte, or not at all.
bool Engine::Loop::rewind_upload(Transfer& t, long status) {
  auto why = rewind_for_redirect(*t.spec.upload, status);
  if (!why) return true;
  t.failure = t.make_failure_ptr(why->code(), why->what());
  return false;
}

int Engine::Loop::on_seek(void* userp, curl_off_t offset, int origin) {
  auto& t = *static_cast<Transfer*>(userp);
  if (t.spec.upload) {
    // curl rewinds to send the body again: only the start, and only a body
    // that can start again.
    if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_CANTSEEK;
    try {
      return t.spec.upload->rewind() ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_CANTSEEK;
    } catch (...) {
      return CURL_SEEKFUNC_FAIL;
    }
  }
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > t.payload.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t.payload_sent = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t Engine::Loop::on_header(char* data, size_t size, size_t n, void* userp) try {
  auto& t = *static_cast<Transfer*>(userp);
  const size_t len = size * n;
  if (t.spec.idle_timeout.count() > 0) t.last_activity = Clock::now();
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response begins (after a 1xx, or through a proxy's CONNECT).
    t.set_phase(RequestPhase::AwaitHeaders);
    t.result.headers = Headers{};
    t.result.status_text.clear();
    t.content_length = -1;
    t.stream_body = false;
    auto sp = line.find(' ');
    if (sp != std::string_view::npos) {
      auto rest = line.substr(sp + 1);
      auto sp2 = rest.find(' ');
      t.result.status = std::atoi(std::string(rest.substr(0, sp2)).c_str());
      if (sp2 != std::string_view::npos) t.result.status_text = std::string(trim(rest.substr(sp2)));
    }
    return len;
  }
  std::string_view content = trim(line);
  if (content.empty()) {  // end of a header block
    if (t.result.status >= 200) {
      t.final_headers_done = true;
      long code = t.result.status;
      bool redirect = code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
      if (redirect && t.spec.max_redirects > 0 && t.result.headers.has("Location")) {
        t.discard_body = true;
      } else {
        t.set_phase(RequestPhase::Body);
        if (!start_body(t)) return 0;  // CURLE_WRITE_ERROR: a callback threw
      }
    }
    return len;
  }
  auto colon = content.find(':');
  if (colon != std::string_view::npos) {
    std::string_view name = trim(content.substr(0, colon));
    std::string_view value = trim(content.substr(colon + 1));
    // (The length test first: most header lines are not this one.)
    if (name.size() == 14 && iequals(name, "Content-Length") && !framing_ok(t, value)) {
      return 0;  // CURLE_WRITE_ERROR
    }
    auto& entries = HeadersAccess::entries(t.result.headers);
    if (entries.capacity() == 0) entries.reserve(kUsualHeaderCount);
    entries.push_back({std::string(name), std::string(value)});
  }
  return len;
} catch (...) {
  out_of_memory(userp);
  return 0;
}

bool Engine::Loop::start_body(Transfer& t) {
  const auto& options = t.spec.options();
  if (!options.on_data && !options.on_response) return true;
  try {
    int status = t.result.status;
    t.stream_body =
        options.validate_status ? options.validate_status(status) : status >= 200 && status < 300;
    if (t.stream_body && options.on_response) {
      ResponseHead head;
      head.status = status;
      head.status_text =
          t.result.status_text.empty() ? standard_reason(status) : t.result.status_text;
      head.headers = t.result.headers;
      head.url = t.url;
      options.on_response(head);
    }
  } catch (...) {
    t.stream_body = false;
    auto e = Error::from_exception(std::current_exception());
    t.failure = t.make_failure_ptr(e.code(), e.what());
    return false;
  }
  return true;
}

bool Engine::Loop::framing_ok(Transfer& t, std::string_view content_length) {
  // RFC 9112 §6.3: a Content-Length that is not a number, or two that differ,
  // leave the end of the message ambiguous (where requests get smuggled):
  // refuse the response rather than guess, as curl 7.88 does not.
  std::int64_t n = parse_content_length(content_length);
  if (n >= 0 && (t.content_length < 0 || t.content_length == n)) {
    t.content_length = n;
    return true;
  }
  std::string why = n < 0
                        ? "invalid Content-Length \"" + std::string(content_length) + "\""
                        : "two different Content-Length values (" +
                              std::to_string(t.content_length) + " and " + std::to_string(n) + ")";
  t.failure = t.make_failure_ptr(ErrorCode::BadResponse,
                                 "ambiguous response framing: " + why + " (RFC 9112 6.3)",
                                 TransportError::Protocol);
  return false;
}

int Engine::Loop::on_prereq(void* userp, char*, char*, int, int) try {
  auto& t = *static_cast<Transfer*>(userp);
  // A second send of the same request: curl resends one whose reused
  // connection closed before any answer (lib/transfer.c, Curl_retry_request),
  // after the server may have read and acted on it. Fine for an idempotent
  // method; any other is sent at most once.
  if (t.sends++ > 0 && !is_idempotent(t.method)) {
    bool sending = t.phase() == RequestPhase::Send;
    t.failure = t.make_failure_ptr(
        ErrorCode::Network,
        "connection closed before a response, after the request may have reached the server; " +
            t.method + " is not idempotent, so it was not sent again",
        sending ? TransportError::Send : TransportError::Receive);
    return CURL_PREREQFUNC_ABORT;
  }
  // The connection is ready and the request goes out now: from here on the
  // server may see it.
  t.spec.status->maybe_delivered.store(true, std::memory_order_relaxed);
  bool body = t.has_body || t.mime;
  t.set_phase(body ? RequestPhase::Send : RequestPhase::AwaitHeaders);
  return CURL_PREREQFUNC_OK;
} catch (...) {
  out_of_memory(userp);
  return CURL_PREREQFUNC_ABORT;
}

CURLcode Engine::Loop::on_ssl_ctx(CURL*, void*, void* userp) {
  static_cast<Transfer*>(userp)->set_phase(RequestPhase::Tls);
  return CURLE_OK;
}

int Engine::Loop::on_progress(void* userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                              curl_off_t ulnow) try {
  auto& t = *static_cast<Transfer*>(userp);
  auto emit = [](const std::function<void(const ProgressEvent&)>& fn, curl_off_t total,
                 curl_off_t now, curl_off_t& last, bool upload) {
    if (!fn || now == last) return;
    ProgressEvent ev;
    ev.loaded = static_cast<std::uint64_t>(now);
    if (total > 0) {
      ev.total = static_cast<std::uint64_t>(total);
      ev.progress = static_cast<double>(now) / static_cast<double>(total);
    }
    ev.bytes = static_cast<std::uint64_t>(now - last);
    ev.upload = upload;
    last = now;
    fn(ev);
  };
  try {
    emit(t.spec.options().on_upload_progress, ultotal, ulnow, t.last_up, true);
    emit(t.spec.options().on_download_progress, dltotal, dlnow, t.last_down, false);
  } catch (...) {
    auto e = Error::from_exception(std::current_exception());
    t.failure = t.make_failure_ptr(e.code(), e.what());
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
} catch (...) {
  out_of_memory(userp);
  return 1;
}

}  // namespace tether::detail
