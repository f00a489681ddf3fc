// The machine's limits the benchmark runs into before Tether's: descriptors
// and ephemeral ports for 10,000 connections at once.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "bench_common.hpp"
#include "tether/limits.hpp"

namespace bench {

namespace {

[[noreturn]] void refuse(const char* what) {
  std::fprintf(stderr, "tether_bench_http: %s\n", what);
  std::exit(2);
}

}  // namespace

void check_preconditions(int sockets) {
  // Both ends of a connection live on this machine, but the server runs in a
  // process of its own: the client needs one descriptor a socket, plus slack.
  const std::uint64_t wanted = static_cast<std::uint64_t>(sockets) + 1'000;
  std::uint64_t soft = tether::raise_open_file_limit();
  if (soft < wanted) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    char message[400];
    std::snprintf(message, sizeof message,
                  "needs %llu open files (RLIMIT_NOFILE) for %d connections at once; the soft "
                  "limit is %llu and the hard limit %llu. Raise the hard limit (ulimit -Hn, "
                  "/etc/security/limits.conf, or LimitNOFILE= for a service) and run again.",
                  static_cast<unsigned long long>(wanted), sockets,
                  static_cast<unsigned long long>(soft),
                  static_cast<unsigned long long>(limit.rlim_max));
    refuse(message);
  }
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  long low = 0, high = 0;
  if (range >> low >> high && static_cast<std::uint64_t>(high - low + 1) < wanted) {
    char message[400];
    std::snprintf(message, sizeof message,
                  "needs %llu ephemeral ports for %d connections at once; "
                  "net.ipv4.ip_local_port_range is %ld-%ld. Widen it, e.g. "
                  "sysctl -w net.ipv4.ip_local_port_range=\"15000 65000\", and run again.",
                  static_cast<unsigned long long>(wanted), sockets, low, high);
    refuse(message);
  }
  // Raw curl and the peers close first, so their ports sit in TIME_WAIT for a
  // minute; without reuse on loopback a second storm may find none free.
  std::ifstream reuse("/proc/sys/net/ipv4/tcp_tw_reuse");
  int tw_reuse = -1;
  if (reuse >> tw_reuse && tw_reuse == 0) {
    std::fprintf(stderr,
                 "tether_bench_http: warning: net.ipv4.tcp_tw_reuse is 0; connections in "
                 "TIME_WAIT may exhaust the ephemeral ports (failed transfers are counted in "
                 "the table). sysctl -w net.ipv4.tcp_tw_reuse=2 avoids it.\n");
  }
}

}  // namespace bench
