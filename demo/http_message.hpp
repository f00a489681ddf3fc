// The embedded server's HTTP/1.1 messages: a request parsed from the bytes a
// connection received, and a response written back.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether::demo {

struct HttpRequest {
  std::string method;
  std::string target;                                        // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::string path() const;
  // A query parameter's value (percent-decoded), or nullopt.
  std::optional<std::string> query(std::string_view name) const;
  // A header's value (name case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  bool keep_alive() const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Bounds on what the server accepts; past them it answers 431 or 413.
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

enum class ParseStatus { Incomplete, Complete, Bad, HeadersTooLarge, BodyTooLarge };

// Parses one request from the front of `buffer`; on Complete, `consumed` is
// how many bytes it took (the rest belongs to the next request).
ParseStatus parse_request(std::string_view buffer, HttpRequest& request, std::size_t& consumed);

std::string serialize_response(const HttpResponse& response, bool keep_alive);

std::string percent_decode(std::string_view text, bool plus_is_space);

// ASCII lower-case (header names, media types).
std::string lower(std::string_view s);

}  // namespace tether::demo
