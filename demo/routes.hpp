// What the embedded server answers, by path (see docs/demo.md):
//   POST /preview, POST /index.cfm   field "content" (markdown) → {"preview": html}
//   GET  /foo/bar                    {"foo": "bar"}
//   GET  /user/<id>                  {"id": …, "name": …}
//   POST|PUT|PATCH /user/<id>        {"id": …, "updated": <the JSON body>}
//   GET  /error/domain               422, {"type": "ValidationError", "message": …}
//   GET  /error/raw                  500, text/html that is not the domain shape
// Anything else: 404 with the domain error shape.
#pragma once

#include "http_message.hpp"

namespace tether::demo {

HttpResponse route(const HttpRequest& request);

}  // namespace tether::demo
