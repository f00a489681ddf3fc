// The preview endpoint's converter: a small markdown subset to HTML.
// Headings (#…######), paragraphs, "-"/"*" and "1." lists, fenced code blocks,
// and inline **strong**, *em* / _em_, `code` and [links](url). Everything
// else is text, HTML-escaped, so a half-typed "**bold" shows as typed.
#pragma once

#include <string>
#include <string_view>

namespace tether::demo {

std::string markdown_to_html(std::string_view markdown);

// The text with &, <, >, " and ' escaped for HTML.
std::string escape_html(std::string_view text);

}  // namespace tether::demo
