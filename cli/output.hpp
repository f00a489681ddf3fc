// How responses are written: the status line and headers, and the body, raw
// or (JSON on a terminal) pretty-printed and coloured.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tether/headers.hpp>

namespace tether::cli {

struct Style {
  bool color = false;   // ANSI colours (stdout is a terminal and NO_COLOR is unset)
  bool pretty = false;  // indent JSON bodies (stdout is a terminal)
};

// The style for stdout: colours and pretty JSON only on a terminal.
Style style_for_stdout();

// "HTTP/1.1 200 OK" and one "Name: value" line per header, then a blank line.
void print_head(std::ostream& out, const Style& style, const std::string& http_version, int status,
                const std::string& status_text, const Headers& headers);

// The request line and the headers the command line set (-v).
void print_request(std::ostream& out, const Style& style, const std::string& method,
                   const std::string& url, const Headers& headers, std::string_view body);

// The body: JSON pretty-printed and coloured as the style asks, other text as
// it is; on a terminal, binary data is not dumped (a note says how many bytes).
void print_body(std::ostream& out, const Style& style, std::string_view content_type,
                const std::string& body);

// JSON with four-space indents, coloured when `color` (keys, strings,
// numbers, literals).
std::string render_json(const nlohmann::json& value, bool color);

}  // namespace tether::cli
