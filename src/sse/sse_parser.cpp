// The event-stream interpretation of the WHATWG HTML standard, section
// "Server-sent events" (9.2.6): lines, fields, dispatch on a blank line.
#include "tether/sse_parser.hpp"

#include <algorithm>

#include "tether/error.hpp"

namespace tether {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

SseParser::SseParser(EventHandler on_event, RetryHandler on_retry, std::size_t max_event_bytes)
    : on_event_(std::move(on_event)),
      on_retry_(std::move(on_retry)),
      max_event_bytes_(max_event_bytes) {}

void SseParser::feed(std::string_view bytes) {
  if (at_start_) {
    // The BOM may itself arrive split across reads.
    while (!bytes.empty() && bom_seen_ < kBom.size() && bytes.front() == kBom[bom_seen_]) {
      ++bom_seen_;
      bytes.remove_prefix(1);
    }
    if (bom_seen_ < kBom.size() && bytes.empty()) return;  // all of it may be a BOM yet
    at_start_ = false;
    // A prefix of a BOM that did not complete was content.
    if (bom_seen_ < kBom.size()) partial_.append(kBom.substr(0, bom_seen_));
  }
  while (!bytes.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes.front() == '\n') {  // the LF of a CRLF split across reads
        bytes.remove_prefix(1);
        continue;
      }
    }
    auto end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      check_size(partial_.size() + bytes.size());
      partial_.append(bytes);
      return;
    }
    after_cr_ = bytes[end] == '\r';
    std::string_view text = bytes.substr(0, end);
    bytes.remove_prefix(end + 1);
    if (partial_.empty()) {
      line(text);
    } else {
      check_size(partial_.size() + text.size());
      std::string whole = std::move(partial_);
      partial_.clear();
      whole.append(text);
      line(whole);
    }
  }
}

void SseParser::reset() {
  partial_.clear();
  data_.clear();
  type_.clear();
  id_buffer_ = last_event_id_;
  bom_seen_ = 0;
  at_start_ = true;
  after_cr_ = false;
}

void SseParser::line(std::string_view text) {
  if (text.empty()) return dispatch();
  if (text.front() == ':') return;  // a comment (often a keep-alive)
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return field(text, {});
  std::string_view value = text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  field(text.substr(0, colon), value);
}

void SseParser::field(std::string_view name, std::string_view value) {
  if (name == "event") {
    type_.assign(value);
  } else if (name == "data") {
    check_size(value.size() + 1);
    data_.append(value);
    data_ += '\n';
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) id_buffer_.assign(value);
  } else if (name == "retry") {
    // Digits only; a value too long for a count of milliseconds is ignored too.
    if (all_digits(value) && value.size() <= 9 && on_retry_) {
      on_retry_(std::chrono::milliseconds(std::stoll(std::string(value))));
    }
  }
  // Any other field name is ignored.
}

void SseParser::dispatch() {
  last_event_id_ = id_buffer_;
  if (data_.empty()) {
    type_.clear();
    return;
  }
  SseEvent event;
  event.data = std::move(data_);
  event.data.pop_back();  // the "\n" after the last data line
  event.type = type_.empty() ? "message" : std::move(type_);
  event.id = last_event_id_;
  data_.clear();
  type_.clear();
  if (on_event_) on_event_(event);
}

void SseParser::check_size(std::size_t pending) const {
  if (max_event_bytes_ == 0 || pending + data_.size() <= max_event_bytes_) return;
  throw Error(ErrorCode::BadResponse, "server-sent event larger than " +
                                          std::to_string(max_event_bytes_) +
                                          " bytes (max_event_bytes)");
}

}  // namespace tether
