// The tool's parts as units: request items, URL shorthands, the stream
// printer's framing, the progress line, JSON rendering, exit codes.
#include <gtest/gtest.h>

#include <limits>

#include <tether/error.hpp>

#include "body_sink.hpp"
#include "cli_runner.hpp"
#include "exit_codes.hpp"
#include "items.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "request_config.hpp"
#include "stream_printer.hpp"

namespace tether::cli {
namespace {

TEST(CliItems, SeparatorsPickTheLeftmostAndLongest) {
  auto parts = parse_items({"q==a=b", "X-At:12:00", "url=http://x@y", "n:=5", "X-Empty;"}, {});
  ASSERT_EQ(parts.query.size(), 1u);
  EXPECT_EQ(parts.query[0], (std::pair<std::string, std::string>{"q", "a=b"}));
  EXPECT_EQ(parts.headers.get("X-At"), "12:00");
  EXPECT_EQ(parts.headers.get("X-Empty"), "");
  ASSERT_NE(parts.body.json(), nullptr);
  EXPECT_EQ(*parts.body.json(), (nlohmann::json{{"url", "http://x@y"}, {"n", 5}}));
}

TEST(CliItems, NoDataMeansNoBody) {
  auto parts = parse_items({"a==1", "Accept:text/plain"}, {});
  EXPECT_TRUE(parts.body.empty());
}

TEST(CliItems, FormFieldsAreUrlEncodedWithoutFiles) {
  auto parts = parse_items({"name=Ada Lovelace", "x=1"}, {.form = true});
  ASSERT_NE(parts.body.url_encoded(), nullptr);
  EXPECT_EQ(parts.body.url_encoded()->encode(), "name=Ada+Lovelace&x=1");
}

TEST(CliItems, FormWithFilesIsMultipart) {
  test::TempDir dir;
  test::write_file(dir.file("cv.txt"), "curriculum");
  auto parts = parse_items({"title=cv", "file@" + dir.file("cv.txt")}, {.form = true});
  ASSERT_NE(parts.body.form(), nullptr);
  const auto& p = parts.body.form()->parts();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].name, "title");
  EXPECT_EQ(p[1].filename, "cv.txt");
  EXPECT_EQ(p[1].value, "curriculum");
  EXPECT_EQ(p[1].content_type, "text/plain");
}

TEST(CliItems, RawBodiesKeepTheirBytesAndSayJson) {
  auto parts = parse_items({}, {.raw = std::string(R"({"a": 1})")});
  ASSERT_NE(parts.body.text(), nullptr);
  EXPECT_EQ(*parts.body.text(), R"({"a": 1})");
  EXPECT_EQ(parts.headers.get("Content-Type"), "application/json");

  test::TempDir dir;
  test::write_file(dir.file("b.bin"), std::string("\x01\x02", 2));
  auto file = parse_items({"@" + dir.file("b.bin")}, {});
  EXPECT_EQ(file.body.serialize(), std::string("\x01\x02", 2));
  EXPECT_EQ(file.headers.get("Content-Type"), "application/octet-stream");
}

TEST(CliItems, BadItemsAreUsageErrors) {
  EXPECT_THROW(parse_items({"plainword"}, {}), UsageError);
  EXPECT_THROW(parse_items({"=value"}, {}), UsageError);
  EXPECT_THROW(parse_items({"n:={bad"}, {}), UsageError);
  EXPECT_THROW(parse_items({"f@/nonexistent/file"}, {.form = true}), UsageError);
  EXPECT_THROW(parse_items({"f@x"}, {}), UsageError);  // files need --form
  EXPECT_THROW(parse_items({"a:=1"}, {.form = true}), UsageError);
  EXPECT_THROW(parse_items({"a=1"}, {.raw = std::string("x")}), UsageError);
  EXPECT_THROW(parse_items({"X;v"}, {}), UsageError);
}

TEST(CliItems, AnInvalidJsonValueIsNotEchoed) {
  try {
    parse_items({"token:=s3cr3t-value"}, {});
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("'token:='"), std::string::npos) << message;
    EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
  }
}

TEST(CliUrls, ShorthandsExpandAsHttpieDoes) {
  EXPECT_EQ(expand_url(":8080/x"), "http://localhost:8080/x");
  EXPECT_EQ(expand_url(":/x"), "http://localhost/x");
  EXPECT_EQ(expand_url(":"), "http://localhost");
  EXPECT_EQ(expand_url("localhost:8080/x"), "http://localhost:8080/x");
  EXPECT_EQ(expand_url("https://a.example/x"), "https://a.example/x");
  EXPECT_TRUE(looks_like_method("DELETE"));
  EXPECT_FALSE(looks_like_method("localhost"));
  EXPECT_FALSE(looks_like_method(":8080"));
}

std::vector<std::string> feed_all(const std::vector<std::string>& chunks,
                                  std::string_view content_type = "text/plain") {
  std::vector<std::string> units;
  StreamPrinter printer([&](std::string_view u) { units.emplace_back(u); });
  printer.start(content_type);
  for (const auto& c : chunks) printer.feed(c);
  printer.finish();
  return units;
}

TEST(CliStream, LinesAreEmittedWhole) {
  auto units = feed_all({"first li", "ne\nsecond", " line\nthird"});
  EXPECT_EQ(units, (std::vector<std::string>{"first line\n", "second line\n", "third"}));
}

TEST(CliStream, EventStreamsAreEmittedAnEventAtATime) {
  auto units = feed_all({"event: a\ndata: 1\n", "\ndata: 2\n", "data: 3\n\n"},
                        "text/event-stream; charset=utf-8");
  EXPECT_EQ(units, (std::vector<std::string>{"event: a\ndata: 1\n\n", "data: 2\ndata: 3\n\n"}));
}

TEST(CliStream, TheContentTypeNotTheFirstLineMakesAnEventStream) {
  // Looks like an event, but is plain text: framed by lines.
  EXPECT_EQ(feed_all({"data: 1\nmore\n"}, "text/plain"),
            (std::vector<std::string>{"data: 1\nmore\n"}));
  EXPECT_EQ(feed_all({"data: 1\n", "more\n"}, "text/plain"),
            (std::vector<std::string>{"data: 1\n", "more\n"}));
  // An event stream goes by events whatever its first line ("hello" is a
  // field name of no meaning: dropped).
  EXPECT_EQ(feed_all({"hello\n", "data: 1\n\n"}, "Text/Event-Stream"),
            (std::vector<std::string>{"data: 1\n\n"}));
  EXPECT_TRUE(is_event_stream(" text/event-stream ;charset=utf-8"));
  EXPECT_FALSE(is_event_stream("text/event-streams"));
  EXPECT_FALSE(is_event_stream(""));
}

TEST(CliProgress, LineShowsSizeRateAndEta) {
  auto line = ProgressBar::render(512 * 1024, 1024 * 1024, 2.0, 100);
  EXPECT_NE(line.find(" 50%"), std::string::npos) << line;
  EXPECT_NE(line.find("512.0 KiB / 1.0 MiB"), std::string::npos) << line;
  EXPECT_NE(line.find("256.0 KiB/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 0:02"), std::string::npos) << line;
  auto unknown = ProgressBar::render(2048, std::nullopt, 1.0, 100);
  EXPECT_EQ(unknown.find('%'), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("2.0 KiB"), std::string::npos) << unknown;
}

TEST(CliOutput, JsonIsIndentedAndColouredOnlyWhenAsked) {
  nlohmann::json v = {{"a", {1, true}}, {"b", "x"}};
  auto plain = render_json(v, false);
  EXPECT_EQ(plain, "{\n    \"a\": [\n        1,\n        true\n    ],\n    \"b\": \"x\"\n}");
  auto coloured = render_json(v, true);
  EXPECT_NE(coloured.find("\x1b[32m\"x\""), std::string::npos);
}

TEST(CliExitCodes, EachClassHasItsCode) {
  EXPECT_EQ(exit_code_for(Error(ErrorCode::Network, "x")), kNetwork);
  EXPECT_EQ(exit_code_for(Error(ErrorCode::Timeout, "x")), kTimeout);
  EXPECT_EQ(exit_code_for(Error(ErrorCode::TooManyRedirects, "x")), kTooManyRedirects);
  EXPECT_EQ(exit_code_for(Error::canceled({})), kCanceled);
  EXPECT_EQ(exit_code_for(Error(ErrorCode::InvalidUrl, "x")), kUsage);
  EXPECT_EQ(describe(Error(ErrorCode::Network, "boom").with_transport(TransportError::Refused)),
            "tether: ERR_NETWORK (refused): boom");
}

}  // namespace
}  // namespace tether::cli

namespace tether::cli {
namespace {

RequestConfig config_for(Options o) {
  auto target = split_args(o.args);
  auto parts = parse_items(target.items, {.form = o.form, .raw = o.raw});
  return build_config(o, target, parts);
}

TEST(CliConfig, EveryOptionReachesItsField) {
  Options o;
  o.args = {"PUT", ":8080/x", "a==1", "a==2", "v=1"};
  o.timeout = 2.5;
  o.connect_timeout = 0.25;
  o.max_redirects = 3;
  o.retry = 4;
  o.insecure = true;
  o.cacert = "/ca.pem";
  o.http2 = true;
  o.auth = "ada:s:ecret";
  o.proxy = ":3128";
  auto cfg = config_for(o);
  EXPECT_EQ(cfg.method, "PUT");
  EXPECT_EQ(cfg.url, "http://localhost:8080/x");
  EXPECT_EQ(build_query(cfg.params, *cfg.params_array_format), "a=1&a=2");
  EXPECT_EQ(cfg.timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(cfg.connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(cfg.max_redirects, 3);
  ASSERT_TRUE(cfg.retry);
  EXPECT_EQ(cfg.retry->retries, 4);
  EXPECT_EQ(cfg.tls.verify, false);
  EXPECT_EQ(cfg.tls.ca_file, "/ca.pem");
  EXPECT_EQ(cfg.http_version, HttpVersion::Http2);
  ASSERT_TRUE(cfg.auth);
  EXPECT_EQ(cfg.auth->username, "ada");
  EXPECT_EQ(cfg.auth->password, "s:ecret");
  ASSERT_TRUE(cfg.proxy);
  EXPECT_EQ(cfg.proxy->url, "http://localhost:3128");
  ASSERT_TRUE(cfg.validate_status);
  EXPECT_TRUE(cfg.validate_status(302));
  EXPECT_FALSE(cfg.validate_status(404));
}

TEST(CliConfig, DefaultsLeaveTheLibrarysDefaults) {
  Options o;
  o.args = {"example.com"};
  auto cfg = config_for(o);
  EXPECT_EQ(cfg.method, "GET");
  EXPECT_FALSE(cfg.timeout);
  EXPECT_FALSE(cfg.connect_timeout);
  EXPECT_FALSE(cfg.max_redirects);
  EXPECT_FALSE(cfg.retry);
  EXPECT_FALSE(cfg.tls.verify);  // unset: verified
  EXPECT_FALSE(cfg.auth);
  EXPECT_FALSE(cfg.proxy);
  o.follow = false;
  EXPECT_EQ(config_for(o).max_redirects, 0);
  o.timeout = 0.0001;
  EXPECT_EQ(config_for(o).timeout, std::chrono::milliseconds(1));
  o.timeout = 1e300;
  EXPECT_THROW(config_for(o), UsageError);
}

TEST(CliConfig, NonFiniteTimeoutsAreRefused) {
  Options o;
  o.args = {"example.com"};
  o.timeout = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(config_for(o), UsageError);
  o.timeout = std::numeric_limits<double>::infinity();
  EXPECT_THROW(config_for(o), UsageError);
  o.timeout = 0;
  o.connect_timeout = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(config_for(o), UsageError);
}

TEST(CliConfig, AMethodAloneIsNotAUrl) {
  for (const char* method : {"GET", "POST"}) {
    Options o;
    o.args = {method};
    try {
      config_for(o);
      ADD_FAILURE() << method << ": no error";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("a URL is required"), std::string::npos) << e.what();
    }
  }
}

TEST(CliConfig, UrlsLoseTheirCredentialsInMessages) {
  EXPECT_EQ(redact_url("http://u:p@h.example/x@y"), "http://h.example/x@y");
  EXPECT_EQ(redact_url("http://h.example/x@y"), "http://h.example/x@y");
}

}  // namespace
}  // namespace tether::cli

namespace tether::cli {
namespace {

ResponseHead head_of(const std::string& content_type) {
  ResponseHead head;
  head.status = 200;
  head.headers.set("Content-Type", content_type);
  return head;
}

TEST(CliBodySink, ANewResponseHeadStartsTheFileOver) {
  test::TempDir dir;
  Options o;
  o.output = dir.file("out.bin");
  {
    BodySink sink(o);
    ASSERT_TRUE(sink.restart(head_of("application/octet-stream")));
    ASSERT_TRUE(sink.write("first try, cut short"));
    // A retry: the new response's bytes replace the old ones.
    ASSERT_TRUE(sink.restart(head_of("application/octet-stream")));
    ASSERT_TRUE(sink.write("second"));
    EXPECT_EQ(sink.written(), 6u);
    ASSERT_TRUE(sink.commit());
  }
  EXPECT_EQ(test::slurp(o.output), "second");
}

}  // namespace
}  // namespace tether::cli
