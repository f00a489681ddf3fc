// tether: HTTP from the terminal, HTTPie-style, with a Ctrl-C that really
// cancels. Parses the command line (CLI11) and hands over to run_request().
#include <iostream>

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"
#include "items.hpp"
#include "options.hpp"

#ifdef TETHER_CLI_HAS_DEMO
#include "demo/demo.hpp"
#endif

namespace {

using tether::cli::Options;

constexpr const char* kDescription =
    "tether: HTTP requests from the terminal, built on the Tether library.\n"
    "Usage: tether [OPTIONS] [METHOD] URL [ITEM...]\n";

constexpr const char* kExamples =
    "Request items:\n"
    "  name==value     query parameter          q==tether\n"
    "  Header:value    request header           Accept:application/json\n"
    "  Header;         header with empty value  X-Empty;\n"
    "  field=value     JSON string field        name=Ada   (a form field with --form)\n"
    "  field:=json     raw JSON field           age:=36 tags:='[\"a\",\"b\"]'\n"
    "  field@path      file upload (--form)     cv@cv.pdf\n"
    "  @path           the body, from a file    @payload.json\n"
    "METHOD is GET, or POST when there is a body. URLs: ':8080/x' is\n"
    "http://localhost:8080/x, 'example.com/x' is http://example.com/x.\n"
    "\n"
    "Examples:\n"
    "  tether example.com/get q==tether\n"
    "  tether POST :8080/users name=Ada age:=36 Authorization:'Bearer xyz'\n"
    "  tether --form POST :8080/upload title=cv file@cv.pdf\n"
    "  tether PUT :8080/doc --raw '{\"a\":1}'\n"
    "  tether -o big.iso https://example.com/big.iso      (Ctrl-C aborts and removes it)\n"
    "  tether --stream :8080/events\n"
    "  tether demo                                         (the live-preview demo)\n"
    "\n";

void add_options(CLI::App& app, Options& o) {
  app.add_option("args", o.args, "[METHOD] URL [ITEM...]");
  app.add_flag("-v,--verbose", o.verbose,
               "Print the request, the status line and headers, and the body");
  app.add_flag("--headers", o.headers_only, "Print only the status line and the response headers");
  app.add_option("-o,--output", o.output, "Download the body to FILE (FILE.part until complete)");
  app.add_flag("--keep-partial", o.keep_partial,
               "Keep FILE.part when a download fails or is aborted");
  app.add_flag("--stream", o.stream,
               "Print the body as it arrives, line by line (or event by event)");
  app.add_flag("-f,--form", o.form, "Send fields as a form (multipart when there are files)");
  app.add_option("--raw", o.raw, "The request body as given ('@path' reads a file, '-' stdin)");
  app.add_option("--timeout", o.timeout, "Seconds for the whole request (0: none)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--connect-timeout", o.connect_timeout, "Seconds to connect (TCP and TLS)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-redirects", o.max_redirects, "Redirects to follow at most (default 21)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--follow,!--no-follow", o.follow, "Follow redirects (default) or not");
  app.add_option(
         "--retry", o.retry,
         "Retry transient failures N times (never a non-idempotent request that may have arrived)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--insecure", o.insecure,
               "Do not verify the server's TLS certificate (explicit opt-out)");
  app.add_option("--cacert", o.cacert, "PEM file of the CAs to trust")->check(CLI::ExistingFile);
  app.add_flag("--http2", o.http2, "Use HTTP/2 (ALPN over TLS, Upgrade on http://)");
  app.add_option("--auth", o.auth, "Basic auth credentials, user:pass");
  app.add_option("--proxy", o.proxy, "Proxy URL, e.g. http://127.0.0.1:3128");
  app.add_flag("--timing", o.timing,
               "Show where the time went (DNS, connect, TLS, server, transfer), bytes and "
               "connection reuse, on stderr (-v shows it too)");
}

int run_demo(const std::vector<std::string>& rest) {
#ifdef TETHER_CLI_HAS_DEMO
  std::vector<std::string> words{"tether demo"};
  words.insert(words.end(), rest.begin(), rest.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return tether::demo::run(static_cast<int>(words.size()), argv.data());
#else
  (void)rest;
  std::cerr << "tether: the demo is not built into this binary\n";
  return tether::cli::kUsage;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "tether"};
  app.footer(std::string(kExamples) + tether::cli::kExitCodesHelp);
  app.set_version_flag("--version", std::string("tether ") + TETHER_VERSION);
  Options options;
  add_options(app, options);
  auto* demo = app.add_subcommand("demo", "Run the live-preview demo (arguments go to it)");
  demo->prefix_command();
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : tether::cli::kUsage;
  }
  if (*demo) return run_demo(demo->remaining());
  try {
    return tether::cli::run_request(options);
  } catch (const tether::cli::UsageError& e) {
    std::cerr << "tether: " << e.what() << '\n';
    return tether::cli::kUsage;
  } catch (const tether::Error& e) {
    std::cerr << tether::cli::describe(e) << '\n';
    return tether::cli::exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "tether: " << e.what() << '\n';
    return tether::cli::kOther;
  }
}
