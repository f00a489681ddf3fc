// The command line (options and items) as a tether::RequestConfig.
#pragma once

#include <string>
#include <vector>

#include <tether/request.hpp>

#include "items.hpp"
#include "options.hpp"

namespace tether::cli {

struct Target {
  std::string method;  // empty: GET, or POST with a body
  std::string url;     // expanded (scheme added, ":port" shorthands)
  std::vector<std::string> items;
};

// [METHOD] URL [ITEM...]; throws UsageError.
Target split_args(const std::vector<std::string>& args);

// Every option mapped to its RequestConfig field; throws UsageError.
RequestConfig build_config(const Options& options, const Target& target, RequestParts& parts);

// The URL without user:password@, for messages (no secrets in output).
std::string redact_url(const std::string& url);

}  // namespace tether::cli
