#include "form_fields.hpp"

#include "http_message.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace tether::demo {

namespace {

std::string boundary_of(std::string_view content_type) {
  auto at = lower(content_type).find("boundary=");
  if (at == std::string::npos) return {};
  auto value = content_type.substr(at + 9);
  value = value.substr(0, value.find(';'));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

// The part's name from its Content-Disposition: form-data; name="…".
std::string part_name(std::string_view part_head) {
  auto lowered = lower(part_head);
  auto at = lowered.find("name=\"");
  while (at != std::string::npos && at > 0 && lowered[at - 1] != ' ' && lowered[at - 1] != ';') {
    at = lowered.find("name=\"", at + 1);  // skip filename="…"
  }
  if (at == std::string::npos) return {};
  auto start = at + 6;
  auto end = part_head.find('"', start);
  if (end == std::string_view::npos) return {};
  return std::string(part_head.substr(start, end - start));
}

std::optional<std::string> multipart_field(std::string_view body, std::string_view boundary,
                                           std::string_view name) {
  std::string delimiter = "--" + std::string(boundary);
  auto pos = body.find(delimiter);
  while (pos != std::string_view::npos) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") break;  // the closing delimiter
    auto head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) break;
    auto next = body.find("\r\n" + delimiter, head_end + 4);
    if (next == std::string_view::npos) break;
    if (part_name(body.substr(pos, head_end - pos)) == name) {
      return std::string(body.substr(head_end + 4, next - head_end - 4));
    }
    pos = next + 2;
  }
  return std::nullopt;
}

std::optional<std::string> urlencoded_field(std::string_view body, std::string_view name) {
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq), true) == name) {
      return eq == std::string_view::npos ? std::string()
                                          : percent_decode(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> json_field(std::string_view body, std::string_view name) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  auto it = json.find(std::string(name));
  if (it == json.end()) return std::nullopt;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::optional<std::string> form_field(const HttpRequest& request, std::string_view name) {
  auto type = lower(request.header("content-type").value_or(""));
  if (type.starts_with("multipart/form-data")) {
    return multipart_field(request.body, boundary_of(request.header("content-type").value_or("")),
                           name);
  }
  if (type.starts_with("application/x-www-form-urlencoded")) {
    return urlencoded_field(request.body, name);
  }
  if (type.find("json") != std::string::npos) return json_field(request.body, name);
  if (name == "content" && !request.body.empty()) return request.body;
  return std::nullopt;
}

}  // namespace tether::demo
