// curl's CURLOPT_OPENSOCKETFUNCTION when the client has an egress policy: the
// one place that sees the address a connection really goes to (after DNS, on
// every redirect hop and retry), so the policy is checked here.
#include <sys/socket.h>

#include "transport/loop.hpp"

namespace tether::detail {

namespace {

// Why the policy refuses this connection of `t`, if it does. Through a proxy
// the connection goes to the proxy, never to the target: the proxy itself
// must be allowed, and a proxy the environment chooses cannot be vetted.
std::optional<std::string> refusal_for(const Transfer& t, const curl_sockaddr& address) {
  const TransferSpec::Extras& options = t.spec.options();
  if (options.proxy && !options.proxy->url.empty()) {
    return t.egress->proxy_refusal(&address.addr, address.addrlen);
  }
  if (options.proxy_from_env) {
    return std::string(
        "Connection refused by the egress policy: proxy_from_env lets the environment choose a "
        "proxy, which would take the request's target out of the policy's sight (name the proxy "
        "in `proxy` and list its address in EgressPolicy::allow instead)");
  }
  return t.egress->refusal(&address.addr, address.addrlen);
}

}  // namespace

curl_socket_t Engine::Loop::on_open_socket(void* userp, curlsocktype purpose,
                                           curl_sockaddr* address) {
  auto& t = *static_cast<Transfer*>(userp);
  if (purpose == CURLSOCKTYPE_IPCXN && t.egress) {
    try {
      if (auto refused = refusal_for(t, *address)) {
        // curl goes on with the name's other addresses; finish() reports this
        // refusal if none of them was allowed.
        if (t.egress_refusal.empty()) t.egress_refusal = std::move(*refused);
        return CURL_SOCKET_BAD;
      }
      // An allowed address that then fails to connect is a connect failure,
      // not a refusal (happy eyeballs may have refused the other family).
      t.egress_allowed = true;
    } catch (...) {
      // (bad_alloc building the message) must not unwind through curl's C
      // code: no socket, and the transfer fails as out of memory.
      t.out_of_memory = true;
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

}  // namespace tether::detail
