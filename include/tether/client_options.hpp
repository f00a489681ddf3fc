// ClientOptions: what a Client fixes when it is built, beside its request
// defaults — settings of the client's engine and of the work it queues and
// observes, which no single request can change. The clients create() makes
// share them with their parent.
#pragma once

#include <memory>
#include <string>

namespace tether {

namespace testing {
class MockTransport;
}  // namespace testing

struct ClientOptions {
  // Each capability adds its group of fields here, every one with a default
  // member initializer (a designated initializer may leave any out).

  // Test kit (tether/testing.hpp): a mock that answers instead of the
  // network; null: the network.
  std::shared_ptr<testing::MockTransport> transport{};

  // Cookies (docs/cookies.md): a cookie jar for this client and the clients
  // create() makes from it, off unless asked for. A cookie_file (Netscape
  // format) turns it on too: loaded when the client is built, saved when the
  // last of its clients goes and by Client::save_cookies().
  bool cookies = false;
  std::string cookie_file{};
};

}  // namespace tether
