// ApiRequest → RequestConfig: the article's makeRequest() choices of headers,
// method, url and body, as a pure function (unit-tested without a network).
#pragma once

#include "tether/api_client.hpp"
#include "tether/request.hpp"

namespace tether::detail {

// Header names lower-cased; params merged into url; form (multipart, POST,
// content-type dropped), else json, else body, else a bodiless request. What
// the Client validates (URL, header names and values, method) is left to it.
RequestConfig to_request_config(ApiRequest request);

}  // namespace tether::detail
