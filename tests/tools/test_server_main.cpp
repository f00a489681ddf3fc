// The test server as a process of its own, for loads whose sockets would not
// fit in one process's descriptor limit next to the client's. Prints its port,
// then serves until its standard input closes (its parent went away).
#include <unistd.h>

#include <cstdio>

#include "support/test_server.hpp"

int main() {
  tether::test::TestServer server;
  std::printf("%u\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  char buffer[256];
  while (read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
  }
  return 0;
}
