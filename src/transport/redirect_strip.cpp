// What a followed redirect strips from the request it sends next.
#include "http/upload.hpp"
#include "transport/engine.hpp"
#include "transport/redirect_policy.hpp"

namespace tether::detail {

void strip_for_redirect(const RedirectDecision& d, TransferSpec& spec) {
  if (d.drop_credentials) {
    for (const char* name : kCredentialHeaders) spec.headers.remove(name);
    if (spec.extras) spec.extras->auth.reset();
  }
  if (d.drop_origin_bound) {
    for (const auto& name : spec.origin_bound_headers) spec.headers.remove(name);
  }
  if (d.drop_body) {
    spec.has_payload = false;
    spec.payload.clear();
    spec.form.reset();
    spec.upload.reset();
    spec.headers.remove("Content-Type");
    spec.headers.remove("Content-Length");
  }
}

std::optional<Error> rewind_for_redirect(UploadSource& upload, long status) {
  try {
    if (upload.rewind()) return std::nullopt;
    return Error(ErrorCode::BadOptionValue,
                 "the " + std::to_string(status) +
                     " redirect needs the request body again, but it is a stream that cannot "
                     "restart (Body::stream without a restart function); not followed");
  } catch (...) {
    if (upload.on_throw) upload.on_throw(std::current_exception());
    return Error::from_exception(std::current_exception());
  }
}

}  // namespace tether::detail
