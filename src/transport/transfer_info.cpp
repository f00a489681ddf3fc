// What a transfer tells the observers: curl's timings and byte counts, read
// once when the loop hands the outcome over, and the loop's events.
#include "transport/loop.hpp"

namespace tether::detail {

namespace {

std::chrono::microseconds info_time(CURL* easy, CURLINFO what) {
  curl_off_t us = 0;
  curl_easy_getinfo(easy, what, &us);
  return std::chrono::microseconds(us);
}

std::int64_t info_size(CURL* easy, CURLINFO what) {
  curl_off_t n = 0;
  curl_easy_getinfo(easy, what, &n);
  return n;
}

std::int64_t info_long(CURL* easy, CURLINFO what) {
  long n = 0;
  curl_easy_getinfo(easy, what, &n);
  return n;
}

}  // namespace

TransferInfo Transfer::read_info() const {
  TransferInfo info;
  info.queued = std::chrono::duration_cast<std::chrono::microseconds>(started - submitted);
  info.redirect = redirect_time;
  if (!easy) return info;
  info.available = true;
#if CURL_AT_LEAST_VERSION(8, 6, 0)
  info.queued += info_time(easy, CURLINFO_QUEUE_TIME_T);
#endif
  info.name_lookup = info_time(easy, CURLINFO_NAMELOOKUP_TIME_T);
  info.connect = info_time(easy, CURLINFO_CONNECT_TIME_T);
  info.tls = info_time(easy, CURLINFO_APPCONNECT_TIME_T);
  info.pretransfer = info_time(easy, CURLINFO_PRETRANSFER_TIME_T);
  info.first_byte = info_time(easy, CURLINFO_STARTTRANSFER_TIME_T);
  info.total = info_time(easy, CURLINFO_TOTAL_TIME_T);
  info.header_bytes_sent = info_long(easy, CURLINFO_REQUEST_SIZE);
  info.body_bytes_sent = info_size(easy, CURLINFO_SIZE_UPLOAD_T);
  info.header_bytes_received = info_long(easy, CURLINFO_HEADER_SIZE);
  info.body_bytes_received = info_size(easy, CURLINFO_SIZE_DOWNLOAD_T);
  // No new connection for the final hop: it ran on one kept from before.
  info.reused = info_long(easy, CURLINFO_NUM_CONNECTS) == 0;
  return info;
}

void Transfer::notify_phase(RequestPhase p) {
  RequestEvent event;
  event.kind = EventKind::PhaseChanged;
  event.phase = p;
  spec.extras->on_event(event);
}

void Transfer::notify_redirect(long status) {
  if (!spec.extras || !spec.extras->on_event) return;
  RequestEvent event;
  event.kind = EventKind::Redirected;
  event.phase = RequestPhase::Redirect;
  event.status = static_cast<int>(status);
  event.url = url;
  spec.extras->on_event(event);
}

}  // namespace tether::detail
