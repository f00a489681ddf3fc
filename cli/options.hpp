// What the command line asked for, once CLI11 has parsed it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tether::cli {

struct Options {
  std::vector<std::string> args{};   // [METHOD] URL [ITEM...]
  bool verbose = false;              // -v: request, status line, headers, body
  bool headers_only = false;         // --headers: status line and headers only
  std::string output{};              // -o FILE: download to FILE (FILE.part while it runs)
  bool keep_partial = false;         // keep FILE.part when a download fails or is aborted
  bool stream = false;               // print the body as it arrives
  bool form = false;                 // `=` items as form fields; `@` items as files
  std::optional<std::string> raw{};  // the body as given ("@path" a file, "-" stdin)
  double timeout = 0;                // seconds, whole request; 0: none
  double connect_timeout = 0;        // seconds; 0: the library's default
  std::optional<int> max_redirects{};
  bool follow = true;     // --no-follow: a 3xx is the response
  int retry = 0;          // retries of transient failures (idempotent methods)
  bool insecure = false;  // skip TLS verification (explicit opt-out)
  std::string cacert{};   // PEM bundle to trust
  bool http2 = false;     // HTTP/2 (ALPN over TLS, Upgrade on http://)
  std::string auth{};     // user:pass (basic)
  std::string proxy{};    // proxy URL
  // --- observability ---
  bool timing = false;  // --timing (and -v): where the time went, on stderr
};

// Runs the request the options describe; returns the exit code.
int run_request(const Options& options);

}  // namespace tether::cli
