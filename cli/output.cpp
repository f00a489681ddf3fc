#include "output.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <tether/data.hpp>

namespace tether::cli {
namespace {

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kKey = "\x1b[1;34m";
constexpr std::string_view kString = "\x1b[32m";
constexpr std::string_view kNumber = "\x1b[36m";
constexpr std::string_view kLiteral = "\x1b[35m";
constexpr std::string_view kHeaderName = "\x1b[36m";

std::string paint(std::string_view text, std::string_view color, bool on) {
  if (!on) return std::string(text);
  return std::string(color) + std::string(text) + std::string(kReset);
}

void render(std::string& out, const nlohmann::json& v, bool color, int depth) {
  const std::string indent(static_cast<std::size_t>(depth + 1) * 4, ' ');
  const std::string close_indent(static_cast<std::size_t>(depth) * 4, ' ');
  if (v.is_object() && !v.empty()) {
    out += "{\n";
    std::size_t i = 0;
    for (const auto& [key, item] : v.items()) {
      out += indent + paint(nlohmann::json(key).dump(), kKey, color) + ": ";
      render(out, item, color, depth + 1);
      out += ++i < v.size() ? ",\n" : "\n";
    }
    out += close_indent + "}";
  } else if (v.is_array() && !v.empty()) {
    out += "[\n";
    for (std::size_t i = 0; i < v.size(); ++i) {
      out += indent;
      render(out, v[i], color, depth + 1);
      out += i + 1 < v.size() ? ",\n" : "\n";
    }
    out += close_indent + "]";
  } else if (v.is_string()) {
    out += paint(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kString, color);
  } else if (v.is_number()) {
    out += paint(v.dump(), kNumber, color);
  } else {
    out += paint(v.dump(), kLiteral, color);  // true, false, null, {}, []
  }
}

bool looks_binary(const std::string& body) {
  return body.find('\0') != std::string::npos;
}

}  // namespace

Style style_for_stdout() {
  Style style;
  style.pretty = isatty(STDOUT_FILENO) == 1;
  const char* no_color = std::getenv("NO_COLOR");
  style.color = style.pretty && !(no_color && *no_color) &&
                !(std::getenv("TERM") && std::string_view(std::getenv("TERM")) == "dumb");
  return style;
}

std::string render_json(const nlohmann::json& value, bool color) {
  std::string out;
  render(out, value, color, 0);
  return out;
}

void print_head(std::ostream& out, const Style& style, const std::string& http_version, int status,
                const std::string& status_text, const Headers& headers) {
  std::string_view status_color = status < 300 ? kString : status < 400 ? kNumber : "\x1b[31m";
  out << paint("HTTP/" + (http_version.empty() ? std::string("1.1") : http_version), kKey,
               style.color)
      << ' ' << paint(std::to_string(status) + " " + status_text, status_color, style.color)
      << '\n';
  for (const auto& entry : headers) {
    out << paint(entry.name, kHeaderName, style.color) << ": " << entry.value << '\n';
  }
  out << '\n';
}

void print_request(std::ostream& out, const Style& style, const std::string& method,
                   const std::string& url, const Headers& headers, std::string_view body) {
  out << paint(method, kKey, style.color) << ' ' << url << '\n';
  for (const auto& entry : headers) {
    out << paint(entry.name, kHeaderName, style.color) << ": " << entry.value << '\n';
  }
  out << '\n';
  if (!body.empty()) out << body << "\n\n";
}

void print_body(std::ostream& out, const Style& style, std::string_view content_type,
                const std::string& body) {
  if (style.pretty && Data::is_json_content_type(content_type) && nlohmann::json::accept(body)) {
    out << render_json(nlohmann::json::parse(body), style.color) << '\n';
    return;
  }
  if (style.pretty && looks_binary(body)) {
    out << "+-----------------------------------------+\n"
        << "| binary data not shown (" << body.size() << " bytes): use -o FILE\n"
        << "+-----------------------------------------+\n";
    return;
  }
  out << body;
  // On a terminal, end with a newline so that the prompt starts on its own line.
  if (style.pretty && !body.empty() && body.back() != '\n') out << '\n';
}

}  // namespace tether::cli
