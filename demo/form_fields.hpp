// Reading a field from a request body, however the client sent it:
// multipart/form-data (the ApiClient's `form`), urlencoded, a JSON object, or
// (for "content") the raw text body.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http_message.hpp"

namespace tether::demo {

std::optional<std::string> form_field(const HttpRequest& request, std::string_view name);

}  // namespace tether::demo
