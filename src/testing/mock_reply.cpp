// A mocked reply turned into the transfer's outcome the way the engine's
// callbacks would: validate_status and on_response see the head, on_data the
// body (in one piece), max_content_length and the progress callbacks apply.
#include "testing/mock_state.hpp"
#include "transport/reason_phrase.hpp"

namespace tether::detail {

namespace {

ProgressEvent progress_of(std::size_t n, bool upload) {
  ProgressEvent e;
  e.loaded = n;
  e.total = n;
  e.progress = 1.0;
  e.bytes = n;
  e.upload = upload;
  return e;
}

TransferFailure failed(const Error& e, RequestPhase phase) {
  return TransferFailure{e.code(), e.what(), phase, true, std::nullopt, TransportError::None};
}

}  // namespace

TransferOutcome reply_outcome(TransferSpec& spec, const std::string& url, int redirects,
                              testing::Reply&& reply) {
  TransferResult r;
  r.status = reply.status;
  r.status_text = reply.status_text.empty() ? standard_reason(reply.status) : reply.status_text;
  r.headers = std::move(reply.headers);
  r.url = url;
  r.redirects = redirects;
  r.http_version = "1.1";
  const auto& options = spec.options();
  try {
    if (options.on_upload_progress && spec.has_payload) {
      options.on_upload_progress(progress_of(spec.payload.size(), true));
    }
  } catch (...) {
    return failed(Error::from_exception(std::current_exception()), RequestPhase::Send);
  }
  if (spec.max_content_length >= 0 &&
      reply.body.size() > static_cast<std::uint64_t>(spec.max_content_length)) {
    TransferFailure f{
        ErrorCode::BadResponse,
        "maxContentLength size of " + std::to_string(spec.max_content_length) + " exceeded",
        RequestPhase::Body,
        true,
        std::move(r),
        TransportError::TooLarge};
    return f;
  }
  try {
    bool stream = false;
    if (options.on_data || options.on_response) {
      stream = options.validate_status ? options.validate_status(r.status)
                                       : r.status >= 200 && r.status < 300;
      if (stream && options.on_response) {
        options.on_response(ResponseHead{r.status, r.status_text, r.headers, r.url});
      }
    }
    if (options.on_download_progress) {
      options.on_download_progress(progress_of(reply.body.size(), false));
    }
    if (stream && options.on_data && !reply.body.empty()) options.on_data(reply.body);
    // A response validate_status rejected keeps its body for the Error.
    if (spec.keep_body || (options.on_data && !stream)) r.body = std::move(reply.body);
  } catch (...) {
    auto f = failed(Error::from_exception(std::current_exception()), RequestPhase::Body);
    f.response = std::move(r);
    return f;
  }
  return r;
}

}  // namespace tether::detail
