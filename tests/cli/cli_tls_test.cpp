// The TLS and protocol options against nginx (TLS with a CA of its own,
// HTTP/2): verification by default, --cacert, the explicit --insecure, --http2.
#include <gtest/gtest.h>

#include <memory>

#include "cli_runner.hpp"
#include "support/external_servers.hpp"

namespace tether::test {
namespace {

class CliTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (NginxServer::available()) nginx = std::make_unique<NginxServer>();
  }
  static void TearDownTestSuite() { nginx.reset(); }
  void SetUp() override {
    TETHER_REQUIRE_PEER(NginxServer::available(), "nginx (ssl + http_v2) / openssl");
  }
  static inline std::unique_ptr<NginxServer> nginx;
};

TEST_F(CliTls, CertificatesAreVerifiedByDefault) {
  auto r = run_cli({nginx->https_url("/hello.txt")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("ERR_NETWORK (tls_verify)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CliTls, CacertTrustsTheGivenCa) {
  auto r = run_cli({"--cacert", nginx->ca_file(), nginx->https_url("/hello.txt")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from nginx\n");
}

TEST_F(CliTls, InsecureIsAnExplicitOptOut) {
  auto r = run_cli({"--insecure", nginx->https_url("/hello.txt")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from nginx\n");
}

TEST_F(CliTls, Http2IsNegotiated) {
  auto r = run_cli({"--http2", "--cacert", nginx->ca_file(), nginx->https_url("/echo-status")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "HTTP/2.0\n");
  auto head = run_cli(
      {"--http2", "--headers", "--cacert", nginx->ca_file(), nginx->https_url("/echo-status")});
  EXPECT_EQ(head.out.rfind("HTTP/2 200", 0), 0u) << head.out;
}

}  // namespace
}  // namespace tether::test
