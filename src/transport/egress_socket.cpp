// curl's CURLOPT_OPENSOCKETFUNCTION when the client has an egress policy: the
// one place that sees the address a connection really goes to (after DNS, on
// every redirect hop and retry), so the policy is checked here.
#include <sys/socket.h>

#include "transport/loop.hpp"

namespace tether::detail {

curl_socket_t Engine::Loop::on_open_socket(void* userp, curlsocktype purpose,
                                           curl_sockaddr* address) {
  auto& t = *static_cast<Transfer*>(userp);
  if (purpose == CURLSOCKTYPE_IPCXN && t.egress) {
    try {
      if (auto refused = t.egress->refusal(&address->addr, address->addrlen)) {
        // curl goes on with the name's other addresses; finish() reports this
        // refusal if none of them connects.
        if (t.egress_refusal.empty()) t.egress_refusal = std::move(*refused);
        return CURL_SOCKET_BAD;
      }
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
