#include "http_message.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tether::demo {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

namespace {

std::string_view trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    default:
      return "Unknown";
  }
}

bool parse_head(std::string_view head, HttpRequest& request) {
  auto line_end = head.find("\r\n");
  auto request_line = head.substr(0, line_end);
  auto sp1 = request_line.find(' ');
  auto sp2 = request_line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == sp2) return false;
  request.method = std::string(request_line.substr(0, sp1));
  request.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (request.target.empty() || request.target[0] != '/') return false;
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    auto line = head.substr(0, line_end);
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    request.headers.emplace_back(lower(line.substr(0, colon)),
                                 std::string(trim(line.substr(colon + 1))));
  }
  return true;
}

// A chunked body: Complete with the decoded body, or Incomplete / Bad.
ParseStatus parse_chunked(std::string_view data, std::string& body, std::size_t& used) {
  std::size_t pos = 0;
  body.clear();
  while (true) {
    auto line_end = data.find("\r\n", pos);
    if (line_end == std::string_view::npos) return ParseStatus::Incomplete;
    std::size_t size = 0;
    auto digits = data.substr(pos, line_end - pos);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
    if (ec != std::errc{} || ptr == digits.data()) return ParseStatus::Bad;
    if (body.size() + size > kMaxBodyBytes) return ParseStatus::BodyTooLarge;
    pos = line_end + 2;
    if (size == 0) {
      auto trailer_end = data.find("\r\n", pos);  // no trailers expected
      if (trailer_end == std::string_view::npos) return ParseStatus::Incomplete;
      used = trailer_end + 2;
      return ParseStatus::Complete;
    }
    if (data.size() < pos + size + 2) return ParseStatus::Incomplete;
    body.append(data.substr(pos, size));
    pos += size + 2;
  }
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string HttpRequest::path() const {
  return target.substr(0, target.find('?'));
}

std::optional<std::string> HttpRequest::query(std::string_view name) const {
  auto q = target.find('?');
  if (q == std::string::npos) return std::nullopt;
  std::string_view rest = std::string_view(target).substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq), true) == name) {
      return eq == std::string_view::npos ? std::string()
                                          : percent_decode(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  auto wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

bool HttpRequest::keep_alive() const {
  auto connection = header("connection");
  return !(connection && lower(*connection).find("close") != std::string::npos);
}

ParseStatus parse_request(std::string_view buffer, HttpRequest& request, std::size_t& consumed) {
  auto head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return buffer.size() > kMaxHeaderBytes ? ParseStatus::HeadersTooLarge : ParseStatus::Incomplete;
  }
  if (head_end > kMaxHeaderBytes) return ParseStatus::HeadersTooLarge;
  request = HttpRequest{};
  if (!parse_head(buffer.substr(0, head_end + 2), request)) return ParseStatus::Bad;
  auto rest = buffer.substr(head_end + 4);
  auto encoding = request.header("transfer-encoding");
  if (encoding && lower(*encoding).find("chunked") != std::string::npos) {
    std::size_t used = 0;
    auto status = parse_chunked(rest, request.body, used);
    if (status == ParseStatus::Complete) consumed = head_end + 4 + used;
    return status;
  }
  std::size_t length = 0;
  if (auto value = request.header("content-length")) {
    auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), length);
    if (ec != std::errc{} || ptr != value->data() + value->size()) return ParseStatus::Bad;
  }
  if (length > kMaxBodyBytes) return ParseStatus::BodyTooLarge;
  if (rest.size() < length) return ParseStatus::Incomplete;
  request.body = std::string(rest.substr(0, length));
  consumed = head_end + 4 + length;
  return ParseStatus::Complete;
}

std::string serialize_response(const HttpResponse& response, bool keep_alive) {
  std::string out =
      "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  out += response.body;
  return out;
}

}  // namespace tether::demo
