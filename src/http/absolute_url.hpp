// Whether a request's url would leave base_url: a pure function (fuzzed).
#pragma once

#include <string_view>

namespace tether::detail {

// True for a url that names its own host or scheme, and so must not be joined
// to base_url silently: anything with a scheme ("http://evil", "http:evil",
// "javascript:x" — RFC 3986 reads "a:b" as scheme "a"), and every spelling a
// browser or URL parser reads as protocol-relative ("//evil", "\\evil",
// "/\evil", "\/evil"), leading spaces or control characters and embedded tabs
// or newlines ignored as the WHATWG parser ignores them.
bool is_absolute_url(std::string_view url);

}  // namespace tether::detail
