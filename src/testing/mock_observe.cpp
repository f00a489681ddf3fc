// A mocked transfer as the observers see a real one: its phases told to the
// event hook, and a TransferInfo with its times and bytes.
#include "testing/mock_state.hpp"

namespace tether::detail {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

// The request target of an absolute URL ("/path?query"), as the request line
// carries it.
std::string_view target_of(std::string_view url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (slash == std::string_view::npos) return "/";
  auto fragment = url.find('#', slash);
  return url.substr(slash, fragment == std::string_view::npos ? fragment : fragment - slash);
}

std::int64_t response_head_size(const TransferResult& r) {
  // "HTTP/1.1 200 OK\r\n", each header, the blank line.
  std::int64_t n = 9 + 4 + static_cast<std::int64_t>(r.status_text.size()) + 2 + 2;
  for (const auto& h : r.headers)
    n += static_cast<std::int64_t>(h.name.size() + h.value.size() + 4);
  return n;
}

}  // namespace

void set_phase(TransferSpec& spec, RequestPhase phase) {
  if (spec.status->phase.exchange(phase, std::memory_order_relaxed) == phase) return;
  if (!spec.extras || !spec.extras->on_event) return;
  RequestEvent event;
  event.kind = EventKind::PhaseChanged;
  event.phase = phase;
  spec.extras->on_event(event);
}

std::int64_t request_head_size(const std::string& method, const std::string& url,
                               const Headers& headers) {
  // "GET /path HTTP/1.1\r\n", Host, each header, the blank line.
  std::int64_t n = static_cast<std::int64_t>(method.size() + 1 + target_of(url).size() + 11);
  if (!headers.has("Host")) {
    auto scheme = url.find("://");
    auto start = scheme == std::string::npos ? 0 : scheme + 3;
    auto end = url.find_first_of("/?#", start);
    n += static_cast<std::int64_t>(6 + (end == std::string::npos ? url.size() : end) - start + 2);
  }
  for (const auto& h : headers) n += static_cast<std::int64_t>(h.name.size() + h.value.size() + 4);
  return n + 2;
}

TransferInfo MockPort::info_of(const Pending& p, const TransferOutcome& outcome) {
  auto now = Clock::now();
  TransferInfo info;
  info.available = true;
  info.queued = duration_cast<microseconds>(p.begun.value_or(now) - p.started);
  info.redirect = p.redirect_time;
  info.total = duration_cast<microseconds>(now - p.hop_started);
  info.first_byte =
      p.answered ? duration_cast<microseconds>(*p.answered - p.hop_started) : info.total;
  info.header_bytes_sent = p.header_bytes_sent;
  info.body_bytes_sent = static_cast<std::int64_t>(p.spec.payload.size());
  const TransferResult* response = std::get_if<TransferResult>(&outcome);
  if (!response) {
    const auto& failure = std::get<TransferFailure>(outcome);
    if (failure.response) response = &*failure.response;
  }
  if (response) {
    info.header_bytes_received = response_head_size(*response);
    info.body_bytes_received = p.body_bytes_received;
  }
  return info;
}

}  // namespace tether::detail
