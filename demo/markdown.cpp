#include "markdown.hpp"

#include <cctype>
#include <vector>

namespace tether::demo {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Only web and relative links: a preview must never carry javascript: URLs.
bool safe_href(std::string_view url) {
  if (url.empty()) return false;
  auto colon = url.find(':');
  auto slash = url.find('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon)) {
    return true;  // relative
  }
  return starts_with(url, "http://") || starts_with(url, "https://");
}

std::string inline_html(std::string_view s);

// Tries the span starting at s[i]; on success appends its HTML and moves i past it.
bool try_span(std::string_view s, std::size_t& i, std::string& out) {
  auto rest = s.substr(i);
  if (rest[0] == '`') {
    auto end = rest.find('`', 1);
    if (end == std::string_view::npos || end == 1) return false;
    out += "<code>" + escape_html(rest.substr(1, end - 1)) + "</code>";
    i += end + 1;
    return true;
  }
  if (starts_with(rest, "**")) {
    auto end = rest.find("**", 2);
    if (end == std::string_view::npos || end == 2) return false;
    out += "<strong>" + inline_html(rest.substr(2, end - 2)) + "</strong>";
    i += end + 2;
    return true;
  }
  if (rest[0] == '*' || rest[0] == '_') {
    auto end = rest.find(rest[0], 1);
    if (end == std::string_view::npos || end == 1) return false;
    out += "<em>" + inline_html(rest.substr(1, end - 1)) + "</em>";
    i += end + 1;
    return true;
  }
  if (rest[0] == '[') {
    auto mid = rest.find("](");
    if (mid == std::string_view::npos) return false;
    auto end = rest.find(')', mid + 2);
    if (end == std::string_view::npos) return false;
    auto text = rest.substr(1, mid - 1);
    auto url = rest.substr(mid + 2, end - mid - 2);
    if (!safe_href(url)) return false;
    out += "<a href=\"" + escape_html(url) + "\">" + inline_html(text) + "</a>";
    i += end + 1;
    return true;
  }
  return false;
}

std::string inline_html(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (try_span(s, i, out)) continue;
    out += escape_html(s.substr(i, 1));
    ++i;
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (true) {
    auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

// "# Title" → level 1 (and the title); 0 when the line is no heading.
int heading_level(std::string_view line, std::string_view& title) {
  int level = 0;
  while (level < static_cast<int>(line.size()) && line[level] == '#') ++level;
  if (level == 0 || level > 6 || level >= static_cast<int>(line.size()) || line[level] != ' ') {
    return 0;
  }
  title = line.substr(level + 1);
  return level;
}

// "- item" / "* item" → "ul", "12. item" → "ol"; empty when no list item.
std::string list_kind(std::string_view line, std::string_view& item) {
  if ((starts_with(line, "- ") || starts_with(line, "* ")) && line.size() > 2) {
    item = line.substr(2);
    return "ul";
  }
  std::size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
  if (digits > 0 && line.substr(digits, 2) == ". " && line.size() > digits + 2) {
    item = line.substr(digits + 2);
    return "ol";
  }
  return {};
}

class BlockWriter {
 public:
  void line(std::string_view line) {
    if (in_code_) return code_line(line);
    std::string_view rest;
    if (starts_with(line, "```")) {
      close_blocks();
      in_code_ = true;
      out_ += "<pre><code>";
      return;
    }
    if (int level = heading_level(line, rest)) {
      close_blocks();
      auto tag = "h" + std::to_string(level);
      out_ += "<" + tag + ">" + inline_html(rest) + "</" + tag + ">\n";
      return;
    }
    if (auto kind = list_kind(line, rest); !kind.empty()) {
      if (list_ != kind) close_blocks();
      if (list_.empty()) out_ += "<" + kind + ">\n";
      list_ = kind;
      out_ += "<li>" + inline_html(rest) + "</li>\n";
      return;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) return close_blocks();
    if (!list_.empty()) close_blocks();
    paragraph_ += paragraph_.empty() ? "" : "\n";
    paragraph_ += line;
  }

  std::string finish() {
    if (in_code_) out_ += "</code></pre>\n";
    in_code_ = false;
    close_blocks();
    return std::move(out_);
  }

 private:
  void code_line(std::string_view line) {
    if (starts_with(line, "```")) {
      in_code_ = false;
      out_ += "</code></pre>\n";
      return;
    }
    out_ += escape_html(line) + "\n";
  }

  void close_blocks() {
    if (!paragraph_.empty()) out_ += "<p>" + inline_html(paragraph_) + "</p>\n";
    paragraph_.clear();
    if (!list_.empty()) out_ += "</" + list_ + ">\n";
    list_.clear();
  }

  std::string out_;
  std::string paragraph_;
  std::string list_;  // "ul", "ol" or empty
  bool in_code_ = false;
};

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string markdown_to_html(std::string_view markdown) {
  BlockWriter writer;
  for (auto line : split_lines(markdown)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    writer.line(line);
  }
  return writer.finish();
}

}  // namespace tether::demo
