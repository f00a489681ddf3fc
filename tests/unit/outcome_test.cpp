// Outcome classification: curl's result and the transfer's facts -> the axios
// code, the TransportError detail and the message.
#include "transport/outcome.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace tether::detail {
namespace {

CurlOutcome outcome(CURLcode code, RequestPhase phase = RequestPhase::AwaitHeaders,
                    long os_errno = 0) {
  CurlOutcome o;
  o.code = code;
  o.phase = phase;
  o.os_errno = os_errno;
  o.detail = "curl says why";
  return o;
}

struct Case {
  CURLcode code;
  RequestPhase phase;
  long os_errno;
  ErrorCode error;
  TransportError transport;
};

TEST(Outcome, MapsEachCurlResultToItsCodeAndDetail) {
  using P = RequestPhase;
  using T = TransportError;
  const Case cases[] = {
      {CURLE_COULDNT_RESOLVE_HOST, P::Connect, 0, ErrorCode::Network, T::Resolve},
      {CURLE_COULDNT_RESOLVE_PROXY, P::Connect, 0, ErrorCode::Network, T::Proxy},
      {CURLE_COULDNT_CONNECT, P::Connect, ECONNREFUSED, ErrorCode::Network, T::Refused},
      {CURLE_COULDNT_CONNECT, P::Connect, EHOSTUNREACH, ErrorCode::Network, T::Connect},
      {CURLE_COULDNT_CONNECT, P::Connect, ENETUNREACH, ErrorCode::Network, T::Connect},
      {CURLE_SSL_CONNECT_ERROR, P::Tls, 0, ErrorCode::Network, T::TlsHandshake},
      {CURLE_PEER_FAILED_VERIFICATION, P::Tls, 0, ErrorCode::Network, T::TlsVerify},
      {CURLE_SSL_CACERT_BADFILE, P::Tls, 0, ErrorCode::Network, T::TlsVerify},
      {CURLE_SEND_ERROR, P::Send, 0, ErrorCode::Network, T::Send},
      {CURLE_RECV_ERROR, P::Body, 0, ErrorCode::Network, T::Receive},
      {CURLE_RECV_ERROR, P::Send, 0, ErrorCode::Network, T::Send},
      {CURLE_GOT_NOTHING, P::AwaitHeaders, 0, ErrorCode::Network, T::Receive},
      {CURLE_PARTIAL_FILE, P::Body, 0, ErrorCode::Network, T::Receive},
      {CURLE_UNSUPPORTED_PROTOCOL, P::AwaitHeaders, 0, ErrorCode::Network, T::Protocol},
      {CURLE_WEIRD_SERVER_REPLY, P::AwaitHeaders, 0, ErrorCode::Network, T::Protocol},
      {CURLE_HTTP2, P::Body, 0, ErrorCode::Network, T::Protocol},
      {CURLE_HTTP2_STREAM, P::Body, 0, ErrorCode::Network, T::Protocol},
      {CURLE_BAD_CONTENT_ENCODING, P::Body, 0, ErrorCode::BadResponse, T::Decode},
      {CURLE_FILESIZE_EXCEEDED, P::Body, 0, ErrorCode::BadResponse, T::TooLarge},
      {CURLE_OUT_OF_MEMORY, P::AwaitHeaders, 0, ErrorCode::BadResponse, T::TooLarge},
      {CURLE_PROXY, P::Connect, 0, ErrorCode::Network, T::Proxy},
      {CURLE_URL_MALFORMAT, P::Connect, 0, ErrorCode::InvalidUrl, T::None},
      {CURLE_OPERATION_TIMEDOUT, P::Body, 0, ErrorCode::Timeout, T::Timeout},
      {CURLE_LOGIN_DENIED, P::Body, 0, ErrorCode::Network, T::Other},
  };
  for (const Case& c : cases) {
    TransferFailure f = classify(outcome(c.code, c.phase, c.os_errno));
    EXPECT_EQ(f.code, c.error) << "CURLcode " << static_cast<int>(c.code);
    EXPECT_EQ(f.transport, c.transport)
        << "CURLcode " << static_cast<int>(c.code) << " in phase " << to_string(c.phase);
    EXPECT_EQ(f.phase, c.phase);
  }
}

TEST(Outcome, MessageIsOursThenCurls) {
  TransferFailure f = classify(outcome(CURLE_COULDNT_CONNECT, RequestPhase::Connect, ECONNREFUSED));
  EXPECT_EQ(f.message, "connection refused: curl says why");
  f = classify(outcome(CURLE_OUT_OF_MEMORY, RequestPhase::AwaitHeaders));
  EXPECT_EQ(f.message.rfind("response headers too large", 0), 0u) << f.message;
  f = classify(outcome(CURLE_PEER_FAILED_VERIFICATION, RequestPhase::Tls));
  EXPECT_NE(f.message.find("verification"), std::string::npos) << f.message;
}

TEST(Outcome, KeepsWhatTheLoopKnows) {
  CurlOutcome o = outcome(CURLE_RECV_ERROR, RequestPhase::Body);
  o.maybe_delivered = true;
  TransferFailure f = classify(o);
  EXPECT_TRUE(f.maybe_delivered);
  EXPECT_EQ(f.phase, RequestPhase::Body);
  EXPECT_FALSE(f.response);
}

TEST(Outcome, TimeoutsSayWhichLimitAndHonourClarify) {
  CurlOutcome o = outcome(CURLE_OPERATION_TIMEDOUT, RequestPhase::Connect);
  o.timeout = std::chrono::milliseconds(5000);
  o.connect_timeout = std::chrono::milliseconds(100);
  o.elapsed = std::chrono::milliseconds(150);
  TransferFailure f = classify(o);
  EXPECT_EQ(f.message, "connect timeout of 100ms exceeded");
  EXPECT_EQ(f.code, ErrorCode::Timeout);
  EXPECT_EQ(f.transport, TransportError::Timeout);

  o.phase = RequestPhase::Body;
  o.clarify_timeout_error = true;
  f = classify(o);
  EXPECT_EQ(f.message, "timeout of 5000ms exceeded");
  EXPECT_EQ(f.code, ErrorCode::TimedOut);
}

TEST(Outcome, OutOfMemoryOutsideTheHeadersStaysOutOfMemory) {
  TransferFailure f = classify(outcome(CURLE_OUT_OF_MEMORY, RequestPhase::Body));
  EXPECT_EQ(f.transport, TransportError::Other);
  EXPECT_EQ(f.code, ErrorCode::Network);
}

}  // namespace
}  // namespace tether::detail
