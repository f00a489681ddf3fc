#include "transport/egress_resolve.hpp"

#include <new>

#include "http/host.hpp"
#include "tether/error.hpp"

namespace tether::detail {

namespace {

bool valid_port(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return false;
  long port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= 65535;
}

// "127.0.0.1", "[::1]": the form CURLOPT_RESOLVE reads; empty if not an address.
std::string canonical_address(std::string_view text) {
  auto address = parse_ip(text);
  if (!address) return {};
  return address->v6 ? "[" + to_string(*address) + "]" : to_string(*address);
}

}  // namespace

std::string canonical_resolve_entry(std::string_view entry) {
  // An IPv6 host name is not a name: the host part has no ':' of its own.
  auto first = entry.find(':');
  if (first == std::string_view::npos) return {};
  auto second = entry.find(':', first + 1);
  if (second == std::string_view::npos) return {};
  std::string_view host = entry.substr(0, first);
  std::string_view port = entry.substr(first + 1, second - first - 1);
  std::string_view addresses = entry.substr(second + 1);
  std::string name = canonical_host(host);
  if (name.empty() || parse_ip(name) || !valid_port(port) || addresses.empty()) return {};
  std::string out = name + ":" + std::string(port) + ":";
  while (true) {
    auto comma = addresses.find(',');
    std::string address = canonical_address(addresses.substr(0, comma));
    if (address.empty()) return {};
    out += address;
    if (comma == std::string_view::npos) break;
    out += ',';
    addresses.remove_prefix(comma + 1);
  }
  return out;
}

std::shared_ptr<const NameOverrides> NameOverrides::make(const std::vector<std::string>& entries) {
  if (entries.empty()) return nullptr;
  auto overrides = std::make_shared<NameOverrides>();
  for (const std::string& entry : entries) {
    std::string canonical = canonical_resolve_entry(entry);
    if (canonical.empty()) {
      throw Error(ErrorCode::BadOptionValue,
                  "ClientOptions::resolve: \"" + entry +
                      "\" is not \"host:port:address[,address...]\" (such as "
                      "\"api.example:443:127.0.0.1,::1\")");
    }
    overrides->entries_.push_back(std::move(canonical));
    curl_slist* list = curl_slist_append(overrides->list_, overrides->entries_.back().c_str());
    if (!list) throw std::bad_alloc();
    overrides->list_ = list;
  }
  return overrides;
}

NameOverrides::~NameOverrides() {
  curl_slist_free_all(list_);
}

}  // namespace tether::detail
