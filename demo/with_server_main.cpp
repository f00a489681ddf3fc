// tether_with_server: runs a program against the demo's embedded server.
//   tether_with_server <program> [args…]   runs `program <server-url> args…`,
//                                          exits with its status (124 after 60 s)
//   tether_with_server                     serves, prints the URL, until Enter or EOF
// The examples' smoke tests run through it, so no test needs the network.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "preview_server.hpp"

extern char** environ;

namespace {

constexpr auto kProgramTimeout = std::chrono::seconds(60);

int run_program(const std::string& url, int argc, char** argv) {
  std::vector<char*> args{argv[1], const_cast<char*>(url.c_str())};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  pid_t pid = 0;
  if (int rc = ::posix_spawnp(&pid, argv[1], nullptr, nullptr, args.data(), environ); rc != 0) {
    std::cerr << "tether_with_server: cannot run " << argv[1] << "\n";
    return 127;
  }
  auto deadline = std::chrono::steady_clock::now() + kProgramTimeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "tether_with_server: " << argv[1] << " still running after 60 s, killed\n";
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return 124;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::cerr << "tether_with_server: " << argv[1] << " died of signal " << WTERMSIG(status) << "\n";
  return 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    tether::demo::PreviewServer server;
    if (argc > 1) return run_program(server.url(), argc, argv);
    std::cout << server.url() << std::endl;
    std::string line;
    std::getline(std::cin, line);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tether_with_server: " << e.what() << "\n";
    return 1;
  }
}
