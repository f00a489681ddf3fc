#include "transport/outcome.hpp"

#include <cerrno>
#include <string>

namespace tether::detail {

namespace {

struct Row {
  CURLcode code;
  ErrorCode error;
  TransportError transport;
  const char* message;  // ours; curl's detail follows it
};

// Result codes a transfer over http(s) can end with. Anything else is
// ERR_NETWORK / Other with curl's text.
constexpr Row kRows[] = {
    {CURLE_URL_MALFORMAT, ErrorCode::InvalidUrl, TransportError::None, "invalid URL"},
    // The client layer lets only http(s) URLs through, so this is curl
    // refusing a response without a status line (HTTP/0.9).
    {CURLE_UNSUPPORTED_PROTOCOL, ErrorCode::Network, TransportError::Protocol,
     "the server's response is not valid HTTP"},
    {CURLE_COULDNT_RESOLVE_HOST, ErrorCode::Network, TransportError::Resolve,
     "host name did not resolve"},
    {CURLE_COULDNT_RESOLVE_PROXY, ErrorCode::Network, TransportError::Proxy,
     "proxy name did not resolve"},
    {CURLE_PROXY, ErrorCode::Network, TransportError::Proxy, "the proxy failed the request"},
    {CURLE_COULDNT_CONNECT, ErrorCode::Network, TransportError::Connect, "could not connect"},
    {CURLE_SSL_CONNECT_ERROR, ErrorCode::Network, TransportError::TlsHandshake,
     "TLS handshake failed"},
    {CURLE_SSL_CIPHER, ErrorCode::Network, TransportError::TlsHandshake, "TLS handshake failed"},
    {CURLE_SSL_CERTPROBLEM, ErrorCode::Network, TransportError::TlsHandshake,
     "TLS client certificate rejected"},
    {CURLE_PEER_FAILED_VERIFICATION, ErrorCode::Network, TransportError::TlsVerify,
     "TLS certificate verification failed"},
    {CURLE_SSL_CACERT_BADFILE, ErrorCode::Network, TransportError::TlsVerify,
     "TLS certificate verification failed (CA file)"},
    {CURLE_SSL_ISSUER_ERROR, ErrorCode::Network, TransportError::TlsVerify,
     "TLS certificate verification failed (issuer)"},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, ErrorCode::Network, TransportError::TlsVerify,
     "TLS certificate verification failed (pinned key)"},
    {CURLE_SEND_ERROR, ErrorCode::Network, TransportError::Send,
     "connection broke while sending the request"},
    {CURLE_RECV_ERROR, ErrorCode::Network, TransportError::Receive,
     "connection broke while receiving the response"},
    {CURLE_GOT_NOTHING, ErrorCode::Network, TransportError::Receive,
     "connection closed without a response"},
    {CURLE_PARTIAL_FILE, ErrorCode::Network, TransportError::Receive,
     "connection closed before the end of the response"},
    {CURLE_WEIRD_SERVER_REPLY, ErrorCode::Network, TransportError::Protocol,
     "the server's response is not valid HTTP"},
    {CURLE_HTTP2, ErrorCode::Network, TransportError::Protocol, "HTTP/2 protocol error"},
    {CURLE_HTTP2_STREAM, ErrorCode::Network, TransportError::Protocol, "HTTP/2 stream error"},
    {CURLE_BAD_CONTENT_ENCODING, ErrorCode::BadResponse, TransportError::Decode,
     "the response body did not decode"},
    {CURLE_FILESIZE_EXCEEDED, ErrorCode::BadResponse, TransportError::TooLarge,
     "the response is too large"},
#if CURL_AT_LEAST_VERSION(8, 6, 0)
    {CURLE_TOO_LARGE, ErrorCode::BadResponse, TransportError::TooLarge,
     "the response is too large"},
#endif
};

TransferFailure make(const CurlOutcome& o, ErrorCode code, TransportError transport,
                     std::string_view message) {
  std::string text(message);
  if (!o.detail.empty()) {
    text += ": ";
    text += o.detail;
  }
  return TransferFailure{code,         std::move(text), o.phase, o.maybe_delivered,
                         std::nullopt, transport};
}

TransferFailure timed_out(const CurlOutcome& o) {
  bool connecting = o.phase == RequestPhase::Connect || o.phase == RequestPhase::Tls;
  if (connecting && o.connect_timeout.count() > 0 &&
      (o.timeout.count() == 0 || o.elapsed < o.timeout)) {
    return timeout_failure(
        o.clarify_timeout_error,
        "connect timeout of " + std::to_string(o.connect_timeout.count()) + "ms exceeded", o.phase,
        o.maybe_delivered);
  }
  if (o.timeout.count() == 0) {
    // Neither timeout was set: libcurl's own connect timeout (300 s) fired.
    return timeout_failure(o.clarify_timeout_error,
                           "connect timeout exceeded (libcurl's default): " + std::string(o.detail),
                           o.phase, o.maybe_delivered);
  }
  return timeout_failure(o.clarify_timeout_error,
                         "timeout of " + std::to_string(o.timeout.count()) + "ms exceeded", o.phase,
                         o.maybe_delivered);
}

// The request was still going out when the connection broke: a send failure,
// whatever curl's read saw.
bool sending(RequestPhase phase) {
  return phase == RequestPhase::Send || phase == RequestPhase::Connect ||
         phase == RequestPhase::Tls;
}

}  // namespace

TransferFailure timeout_failure(bool clarify, std::string message, RequestPhase phase,
                                bool maybe_delivered) {
  return TransferFailure{clarify ? ErrorCode::TimedOut : ErrorCode::Timeout,
                         std::move(message),
                         phase,
                         maybe_delivered,
                         std::nullopt,
                         TransportError::Timeout};
}

TransferFailure classify(const CurlOutcome& o) {
  // curl 7.88 reports a bad chunk size as a receive error; it is the server
  // breaking HTTP, not the connection (found by faults_test, BadChunkSize).
  if (o.code == CURLE_RECV_ERROR && o.detail.find("chunked-encoding") != std::string_view::npos) {
    return make(o, ErrorCode::Network, TransportError::Protocol,
                "the server's response is not valid HTTP (chunked encoding)");
  }
  switch (o.code) {
    case CURLE_OPERATION_TIMEDOUT:
      return timed_out(o);
    case CURLE_COULDNT_CONNECT:
      if (o.os_errno == ECONNREFUSED) {
        return make(o, ErrorCode::Network, TransportError::Refused, "connection refused");
      }
      break;
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      if (sending(o.phase)) {
        return make(o, ErrorCode::Network, TransportError::Send,
                    "connection broke while sending the request");
      }
      break;
    case CURLE_OUT_OF_MEMORY:
      // curl before 8.6 reports a header over its limit (100 KiB) this way.
      // (curl's own text, "Out of memory", would mislead: it is left out.)
      if (o.phase == RequestPhase::AwaitHeaders) {
        CurlOutcome quiet = o;
        quiet.detail = {};
        return make(quiet, ErrorCode::BadResponse, TransportError::TooLarge,
                    "response headers too large (over libcurl's limit of 100 KiB for one header)");
      }
      break;
    default:
      break;
  }
  for (const Row& row : kRows) {
    if (row.code == o.code) return make(o, row.error, row.transport, row.message);
  }
  return make(o, ErrorCode::Network, TransportError::Other, "network error");
}

}  // namespace tether::detail
