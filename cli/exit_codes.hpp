// The tool's exit codes, one per error class, and the one-line error message.
#pragma once

#include <string>

#include <tether/error.hpp>

namespace tether::cli {

// Documented in --help (kExitCodesHelp); tests and scripts rely on them.
enum ExitCode : int {
  kOk = 0,
  kOther = 1,             // any other failure (a bad response body, a file that cannot be written)
  kTimeout = 2,           // --timeout or --connect-timeout elapsed
  kNetwork = 3,           // refused, DNS, TLS, reset, protocol errors
  kClientError = 4,       // the server answered 4xx
  kServerError = 5,       // the server answered 5xx
  kTooManyRedirects = 6,  // more than --max-redirects
  kUsage = 64,            // bad command line (as sysexits' EX_USAGE)
  kCanceled = 130,        // Ctrl-C (128 + SIGINT, as shells report it)
};

inline constexpr const char* kExitCodesHelp =
    "Exit codes:\n"
    "  0    success (2xx, or 3xx with --no-follow)\n"
    "  1    other error (bad response body, output file not writable)\n"
    "  2    timeout (--timeout, --connect-timeout)\n"
    "  3    network error (refused, DNS, TLS, connection reset, protocol)\n"
    "  4    the server answered 4xx\n"
    "  5    the server answered 5xx\n"
    "  6    too many redirects (--max-redirects)\n"
    "  64   bad usage\n"
    "  130  canceled with Ctrl-C\n";

ExitCode exit_code_for(const Error& error);

// "tether: ERR_NETWORK (refused): <axios' message>": the axios-style code, the
// transport detail when there is one, and the message (which never carries
// credentials: the library redacts them).
std::string describe(const Error& error);

}  // namespace tether::cli
