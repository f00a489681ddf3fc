#include "timing.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace tether::cli {

namespace {

using Duration = TransferInfo::Duration;

std::string ms(Duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fms", static_cast<double>(d.count()) / 1000.0);
  return text;
}

// `text` centred in `width` columns.
std::string centred(const std::string& text, std::size_t width) {
  if (text.size() >= width) return text;
  std::size_t left = (width - text.size()) / 2;
  return std::string(left, ' ') + text + std::string(width - text.size() - left, ' ');
}

Duration between(Duration from, Duration to) {
  return std::max(Duration::zero(), to - from);
}

}  // namespace

std::string render_timings(const TransferInfo& t, bool color, bool aborted) {
  if (!t.available && aborted) return "Timing: not available (the request was aborted)\n";
  if (!t.available) return "Timing: not available (the request did not reach the network)\n";
  const bool tls = t.tls.count() > 0;
  // The TLS box covers connect..appconnect; without TLS the server's time
  // starts when the request was ready (pretransfer).
  const std::array<std::pair<const char*, std::string>, 5> phases{{
      {"DNS Lookup", ms(t.name_lookup)},
      {"TCP Connection", ms(between(t.name_lookup, t.connect))},
      {"TLS Handshake", tls ? ms(between(t.connect, t.tls)) : std::string("-")},
      {"Server Processing", ms(between(t.pretransfer, t.first_byte))},
      {"Content Transfer", ms(between(t.first_byte, t.total))},
  }};
  const char* on = color ? "\x1b[36m" : "";
  const char* off = color ? "\x1b[0m" : "";
  std::string names = " ";
  std::string values = "[";
  for (std::size_t i = 0; i < phases.size(); ++i) {
    std::size_t width = std::string(phases[i].first).size() + 2;
    names += centred(phases[i].first, width) + ' ';
    values += on + centred(phases[i].second, width) + off + (i + 1 < phases.size() ? "|" : "]");
  }
  std::string out = names + '\n' + values + '\n';
  out += "Total " + std::string(on) + ms(t.total) + off;
  if (t.queued.count() > 0) out += ", queued " + ms(t.queued);
  if (t.redirect.count() > 0) out += ", redirects " + ms(t.redirect);
  out += '\n';
  out += "Sent " + std::to_string(t.header_bytes_sent) + " B of headers and " +
         std::to_string(t.body_bytes_sent) + " B of body; received " +
         std::to_string(t.header_bytes_received) + " B of headers and " +
         std::to_string(t.body_bytes_received) + " B of body\n";
  out += t.reused ? "Connection: reused\n" : "Connection: new\n";
  return out;
}

}  // namespace tether::cli
