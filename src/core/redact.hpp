// Keeping secrets out of the text Tether builds (error messages, to_json).
#pragma once

#include <string>

namespace tether::detail {

// `text` with the userinfo ("user:password@") of every URL in it replaced by
// "***@". A URL is recognised by "//" after a scheme's ':' or at the start of
// the text or of a quoted or space-separated word, so it works on a bare URL
// and on a message that embeds one. Text without "//" is returned as is.
std::string redact_userinfo(std::string text);

}  // namespace tether::detail
