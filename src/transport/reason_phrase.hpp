// The standard reason phrase of an HTTP status (for HTTP/2 responses, which
// carry none, and HTTP/1 ones that left it out).
#pragma once

namespace tether::detail {

// "" for a status with no standard phrase.
const char* standard_reason(int status) noexcept;

}  // namespace tether::detail
