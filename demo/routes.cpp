#include "routes.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "form_fields.hpp"
#include "markdown.hpp"

namespace tether::demo {

namespace {

HttpResponse json_response(int status, const nlohmann::json& body) {
  return {.status = status, .content_type = "application/json", .body = body.dump()};
}

HttpResponse domain_error(int status, std::string type, std::string message) {
  return json_response(status, {{"type", std::move(type)}, {"message", std::move(message)}});
}

HttpResponse preview(const HttpRequest& request) {
  if (request.method != "POST") return domain_error(405, "MethodNotAllowed", "Use POST.");
  auto content = form_field(request, "content");
  if (!content) return domain_error(400, "BadRequest", "The field \"content\" is missing.");
  return json_response(200, {{"preview", markdown_to_html(*content)}});
}

HttpResponse user(const HttpRequest& request, const std::string& id) {
  if (request.method == "GET") return json_response(200, {{"id", id}, {"name", "user " + id}});
  if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return domain_error(400, "BadRequest", "The body is not JSON.");
    return json_response(200, {{"id", id}, {"updated", body}});
  }
  return domain_error(405, "MethodNotAllowed", "Use GET, POST, PUT or PATCH.");
}

}  // namespace

HttpResponse route(const HttpRequest& request) {
  auto path = request.path();
  if (path == "/preview" || path == "/index.cfm") return preview(request);
  if (path == "/foo/bar") return json_response(200, {{"foo", "bar"}});
  if (path.starts_with("/user/") && path.size() > 6) return user(request, path.substr(6));
  if (path == "/error/domain") {
    return json_response(422, {{"type", "ValidationError"},
                               {"message", "A comment needs at least one word."},
                               {"field", "content"}});
  }
  if (path == "/error/raw") {
    return {.status = 500,
            .content_type = "text/html",
            .body = "<h1>500 Internal Server Error</h1><p>The preview service fell over.</p>"};
  }
  return domain_error(404, "NotFound", "Nothing here.");
}

}  // namespace tether::demo
