// Keeping secrets out of the text Tether builds (error messages, to_json).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tether::detail {

// `text` with the userinfo ("user:password@") of every URL in it replaced by
// "***@". A URL is recognised by "//" after a scheme's ':' or at the start of
// the text or of a quoted or space-separated word, so it works on a bare URL
// and on a message that embeds one. Text without "//" is returned as is.
std::string redact_userinfo(std::string text);

// `j` with every string made valid UTF-8 (invalid bytes become U+FFFD), so
// that a user's `to_json().dump()` never throws on what a server sent (a
// reason phrase, a text body) or on a caller's raw bytes. Found by the
// api_error fuzz target.
nlohmann::json printable(const nlohmann::json& j);

}  // namespace tether::detail
