#include "support/external_servers.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace tether::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kStartTimeout = 30s;    // until the server answers
constexpr auto kStopGrace = 5s;        // SIGTERM → SIGKILL
constexpr auto kCommandTimeout = 30s;  // openssl, probes
constexpr int kStartAttempts = 3;      // an ephemeral port taken between pick and bind
constexpr std::size_t kBigFileSize = 4 * 1024 * 1024;
constexpr std::size_t kLogTail = 16 * 1024;

std::string errno_message(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The end of a log file, for exception messages.
std::string log_tail(const fs::path& path) {
  std::string text = read_file(path);
  if (text.size() > kLogTail) text = "[...]\n" + text.substr(text.size() - kLogTail);
  return "---- " + path.filename().string() + " ----\n" + (text.empty() ? "(empty)\n" : text);
}

void write_file(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.flush();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// An executable by name: PATH first, then the usual system dirs (nginx lives in
// /usr/sbin, which a non-root PATH often lacks).
std::string find_executable(std::string_view name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest(path);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      dirs.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  for (const char* d :
       {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"})
    dirs.emplace_back(d);
  for (const auto& dir : dirs) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + std::string(name);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return {};
}

// A fresh dir <tmp>/<prefix>XXXXXX, removed on destruction. It records its owner's pid,
// so dirs left by a test process that was killed (no destructors ran) are removed the
// next time a dir with the same prefix is made.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix) {
    const fs::path base = fs::temp_directory_path();
    remove_stale(base, prefix);
    std::string tmpl = (base / (std::string(prefix) + "XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error(errno_message("mkdtemp " + tmpl));
    path_ = tmpl;
    try {
      write_file(path_ / "owner.pid", std::to_string(::getpid()) + "\n");
    } catch (...) {
      std::error_code ec;
      fs::remove_all(path_, ec);
      throw;
    }
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  static void remove_stale(const fs::path& base, std::string_view prefix) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(base, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string owner = read_file(entry.path() / "owner.pid");
      if (owner.empty()) continue;  // not ours, or being made right now
      const long pid = std::strtol(owner.c_str(), nullptr, 10);
      if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
      std::error_code ignored;
      fs::remove_all(entry.path(), ignored);
    }
  }

  fs::path path_;
};

// An fd that is not 0, 1 or 2 (so dup2 onto those in the child always clears CLOEXEC).
int above_stdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

// One child process that leads its own process group; owns it until stop().
class Child {
 public:
  Child() = default;
  ~Child() { stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // fork + exec argv (argv[0] an absolute path) in cwd, stdin from /dev/null, stdout
  // and stderr to log (truncated). The child gets its own process group, SIGTERM when
  // the creating thread dies, default signal dispositions, an empty signal mask, and
  // no fds but 0-2.
  void start(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log) {
    stop();
    // Everything the child needs is prepared here: between fork and exec it may only
    // make async-signal-safe calls (the test process has other threads).
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string dir = cwd.string();
    long max_fd = ::sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536) max_fd = 65536;

    const int log_fd =
        above_stdio(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (log_fd < 0) throw std::runtime_error(errno_message("open " + log.string()));
    const int null_fd = above_stdio(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (null_fd < 0) {
      ::close(log_fd);
      throw std::runtime_error(errno_message("open /dev/null"));
    }

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
      ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      if (::close_range(3, ~0U, 0) != 0)
        for (long fd = 3; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      sigemptyset(&dfl.sa_mask);
      for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      if (::chdir(dir.c_str()) == 0) ::execve(args[0], args.data(), environ);
      static constexpr char msg[] = "external_servers: chdir/exec failed for ";
      [[maybe_unused]] auto w1 = ::write(2, msg, sizeof msg - 1);
      [[maybe_unused]] auto w2 = ::write(2, args[0], std::strlen(args[0]));
      [[maybe_unused]] auto w3 = ::write(2, "\n", 1);
      ::_exit(127);
    }
    const int fork_errno = errno;
    ::close(log_fd);
    ::close(null_fd);
    if (pid < 0) {
      errno = fork_errno;
      throw std::runtime_error(errno_message("fork"));
    }
    ::setpgid(pid, pid);  // also done by the child; whichever runs first wins
    pid_ = pid;
    reaped_ = false;
    status_ = 0;
  }

  // True once the group leader has exited (reaping it); polls until timeout.
  bool wait_exit(Clock::duration timeout) {
    if (pid_ <= 0 || reaped_) return true;
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
      if (r == pid_ || (r < 0 && errno == ECHILD)) {  // ECHILD: SIGCHLD ignored, auto-reaped
        reaped_ = true;
        return true;
      }
      if (r < 0 && errno != EINTR) return false;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
  }

  bool exited() { return wait_exit(Clock::duration::zero()); }

  std::string describe_exit() const {
    if (!reaped_) return "still running";
    if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) return "killed by signal " + std::to_string(WTERMSIG(status_));
    return "gone";
  }

  int exit_status() const { return reaped_ && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }

  // SIGKILL to the group at once, for a server that never came up (gunicorn, for one,
  // sits out its bind retries before it acts on SIGTERM).
  void kill_now() noexcept {
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
      while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
    }
    stop();
  }

  // SIGTERM to the group; SIGKILL after the grace period; reaps the leader and kills
  // whatever is left in its group. Never throws.
  void stop() noexcept {
    if (pid_ <= 0) return;
    if (!reaped_) {
      ::kill(-pid_, SIGTERM);
      if (!wait_exit(kStopGrace)) {
        ::kill(-pid_, SIGKILL);
        while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
      }
    }
    ::kill(-pid_, SIGKILL);  // stragglers (e.g. workers of a leader that crashed); ESRCH if none
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// Runs a command to completion; returns its exit status (-1 if killed or timed out).
int run_command(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log) {
  Child child;
  child.start(argv, cwd, log);
  if (!child.wait_exit(kCommandTimeout)) return -1;  // ~Child kills it
  return child.exit_status();
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// n distinct free ports on 127.0.0.1: bind to port 0 (all n at once), read, close.
std::vector<std::uint16_t> pick_ports(std::size_t n) {
  std::vector<int> fds;
  std::vector<std::uint16_t> ports;
  auto close_all = [&] {
    for (int fd : fds) ::close(fd);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      close_all();
      throw std::runtime_error(errno_message("socket"));
    }
    fds.push_back(fd);
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      close_all();
      throw std::runtime_error(errno_message("bind 127.0.0.1:0"));
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  close_all();
  return ports;
}

int connect_local(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{};
  tv.tv_sec = 2;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const sockaddr_in addr = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool tcp_accepts(std::uint16_t port) {
  const int fd = connect_local(port);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// Status code of GET path over HTTP/1.0 on 127.0.0.1:port, or -1 (bounded by ~2 s).
int http_status(std::uint16_t port, std::string_view path) {
  const int fd = connect_local(port);
  if (fd < 0) return -1;
  const std::string request = "GET " + std::string(path) +
                              " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nConnection: close\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buf[512];
  while (response.find("\r\n") == std::string::npos && response.size() < 4096) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.x NNN ..."
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0) return -1;
  const auto space = response.find(' ');
  if (space == std::string::npos || space + 4 > response.size()) return -1;
  int status = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (response[i] < '0' || response[i] > '9') return -1;
    status = status * 10 + (response[i] - '0');
  }
  return status;
}

enum class StartOutcome { kReady, kPortTaken, kExited, kTimedOut };

// Polls until ready() (kReady), a log says a port was taken (kPortTaken), the server
// exited (kExited), or kStartTimeout passed.
StartOutcome wait_until_ready(Child& child, const std::vector<fs::path>& logs,
                              std::string_view port_taken_marker,
                              const std::function<bool()>& ready) {
  const auto deadline = Clock::now() + kStartTimeout;
  for (;;) {
    const bool exited = child.exited();
    for (const auto& log : logs)
      if (read_file(log).find(port_taken_marker) != std::string::npos)
        return StartOutcome::kPortTaken;
    if (exited) return StartOutcome::kExited;
    if (ready()) return StartOutcome::kReady;
    if (Clock::now() >= deadline) return StartOutcome::kTimedOut;
    std::this_thread::sleep_for(25ms);
  }
}

std::string join_logs(const std::vector<fs::path>& logs) {
  std::string out;
  for (const auto& log : logs) out += log_tail(log);
  return out;
}

std::string make_url(std::string_view scheme_host, std::uint16_t port, std::string_view path) {
  std::string url(scheme_host);
  url += ':';
  url += std::to_string(port);
  url += path;
  return url;
}

// openssl CLI: an EC P-256 CA and a server certificate for localhost / 127.0.0.1
// signed by it, valid for a week.
constexpr std::string_view kOpensslConfig = R"(# made by tests/support/external_servers.cpp
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
)";

void make_certificates(const std::string& openssl, const fs::path& dir) {
  const fs::path config = dir / "openssl.cnf";
  write_file(config, kOpensslConfig);
  std::random_device rd;
  char serial[32];
  std::snprintf(serial, sizeof serial, "0x%08x%08x", rd() & 0x7fffffffU, rd());
  const std::string d = dir.string() + "/";
  const std::vector<std::vector<std::string>> steps = {
      {openssl,
       "req",
       "-x509",
       "-new",
       "-newkey",
       "ec",
       "-pkeyopt",
       "ec_paramgen_curve:prime256v1",
       "-nodes",
       "-keyout",
       d + "ca.key",
       "-out",
       d + "ca.pem",
       "-days",
       "7",
       "-subj",
       "/CN=Tether Test CA",
       "-config",
       config.string(),
       "-extensions",
       "v3_ca"},
      {openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-keyout", d + "server.key", "-out", d + "server.csr", "-subj", "/CN=localhost",
       "-config", config.string()},
      {openssl, "x509", "-req", "-in", d + "server.csr", "-CA", d + "ca.pem", "-CAkey",
       d + "ca.key", "-set_serial", serial, "-days", "7", "-out", d + "server.pem", "-extfile",
       config.string(), "-extensions", "v3_server"},
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const fs::path log = dir / ("openssl-" + std::to_string(i + 1) + ".log");
    if (run_command(steps[i], dir, log) != 0) {
      std::string command;
      for (const auto& a : steps[i]) command += a + " ";
      throw std::runtime_error("NginxServer: openssl failed: " + command + "\n" + log_tail(log));
    }
  }
}

// 4 MiB of mt19937 output (seed 0x7e7e7e), incompressible.
void make_big_file(const fs::path& path) {
  std::string data(kBigFileSize, '\0');
  std::mt19937 gen(0x7e7e7e);
  for (std::size_t i = 0; i < data.size(); i += 4) {
    const auto word = static_cast<std::uint32_t>(gen());
    std::memcpy(&data[i], &word, 4);
  }
  write_file(path, data);
}

std::string nginx_config(const fs::path& dir, std::uint16_t https, std::uint16_t h2c,
                         std::uint16_t http) {
  const std::string d = dir.string();
  std::string conf = "# made by tests/support/external_servers.cpp\n";
  if (::geteuid() == 0) conf += "user root;\n";  // workers would otherwise be nobody
  conf += "worker_processes 1;\n";
  conf += "pid " + d + "/nginx.pid;\n";
  conf += "error_log " + d + "/error.log notice;\n";
  conf += "events { worker_connections 1024; }\n";
  conf += "http {\n";
  conf +=
      "  types { text/plain txt; text/html html; application/json json;"
      " application/octet-stream bin; }\n";
  conf += "  default_type application/octet-stream;\n";
  conf += "  access_log " + d + "/access.log;\n";
  // One line per request with the number of the connection it came on, so
  // tests can count connections (see NginxServer::requests).
  conf += "  log_format tether_conn '$connection $status $request_uri';\n";
  conf += "  access_log " + d + "/connections.log tether_conn;\n";
  for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    conf += std::string("  ") + kind + "_temp_path " + d + "/tmp/" + kind + ";\n";
  conf += "  sendfile on;\n";
  conf += "  gzip on;\n  gzip_min_length 1;\n  gzip_vary on;\n";
  conf += "  gzip_types text/plain application/json;\n";  // text/html is always included
  conf += "  ssl_certificate " + d + "/server.pem;\n";
  conf += "  ssl_certificate_key " + d + "/server.key;\n";
  conf += "  ssl_protocols TLSv1.2 TLSv1.3;\n";
  conf += "  server {\n";
  conf += "    listen 127.0.0.1:" + std::to_string(https) + " ssl http2;\n";
  conf += "    listen 127.0.0.1:" + std::to_string(h2c) + " http2;\n";
  conf += "    listen 127.0.0.1:" + std::to_string(http) + ";\n";
  conf += "    server_name localhost;\n";
  conf += "    root " + d + "/www;\n";
  conf += "    location /slow/ {\n";
  conf += "      alias " + d + "/www/;\n";
  conf += "      limit_rate 1m;\n";
  conf += "    }\n";
  conf += "    location = /echo-status {\n";
  conf += "      default_type text/plain;\n";
  conf += "      return 200 \"$server_protocol\\n\";\n";
  conf += "    }\n";
  conf += "  }\n";
  conf += "}\n";
  return conf;
}

}  // namespace

// ---- HttpbinServer ----------------------------------------------------------------

struct HttpbinServer::State {
  TempDir dir{"tether-httpbin-"};
  Child child;  // declared after dir: stopped before the dir is removed
  std::uint16_t port = 0;
};

HttpbinServer::HttpbinServer() : state_(std::make_unique<State>()) {
  // If this throws, state_ is destroyed as a member: the child is stopped, the dir removed.
  const std::string gunicorn = find_executable("gunicorn");
  if (gunicorn.empty())
    throw std::runtime_error("HttpbinServer: gunicorn not found; run scripts/setup");
  State& s = *state_;
  const fs::path dir = s.dir.path();
  const std::vector<fs::path> logs = {dir / "gunicorn.log"};
  for (int attempt = 1;; ++attempt) {
    s.port = pick_ports(1)[0];
    s.child.start({gunicorn, "-b", "127.0.0.1:" + std::to_string(s.port), "-w", "2",
                   "--graceful-timeout", "2", "--worker-tmp-dir", dir.string(), "httpbin:app"},
                  dir, logs[0]);
    const auto outcome = wait_until_ready(s.child, logs, "Connection in use",
                                          [&] { return http_status(s.port, "/get") == 200; });
    if (outcome == StartOutcome::kReady) return;
    s.child.kill_now();
    if (outcome == StartOutcome::kPortTaken && attempt < kStartAttempts) continue;
    const std::string why = outcome == StartOutcome::kTimedOut ? "did not answer within 30 s"
                            : outcome == StartOutcome::kPortTaken
                                ? "could not bind a free port in 3 attempts"
                                : "stopped early (" + s.child.describe_exit() + ")";
    throw std::runtime_error("HttpbinServer: gunicorn on 127.0.0.1:" + std::to_string(s.port) +
                             " " + why + "\n" + join_logs(logs));
  }
}

HttpbinServer::~HttpbinServer() = default;

std::uint16_t HttpbinServer::port() const {
  return state_->port;
}

std::string HttpbinServer::url(std::string_view path) const {
  return make_url("http://127.0.0.1", state_->port, path);
}

bool HttpbinServer::available() {
  static const bool ok = [] {
    try {
      const std::string gunicorn = find_executable("gunicorn");
      if (gunicorn.empty()) return false;
      // Loads the app in gunicorn's own interpreter and exits.
      TempDir dir("tether-httpbin-probe-");
      return run_command({gunicorn, "--check-config", "httpbin:app"}, dir.path(),
                         dir.path() / "probe.log") == 0;
    } catch (const std::exception&) {
      return false;
    }
  }();
  return ok;
}

// ---- NginxServer ------------------------------------------------------------------

struct NginxServer::State {
  TempDir dir{"tether-nginx-"};
  Child child;  // declared after dir: stopped before the dir is removed
  std::uint16_t https = 0;
  std::uint16_t h2c = 0;
  std::uint16_t http = 0;
};

NginxServer::NginxServer() : state_(std::make_unique<State>()) {
  const std::string nginx = find_executable("nginx");
  const std::string openssl = find_executable("openssl");
  if (nginx.empty() || openssl.empty())
    throw std::runtime_error("NginxServer: nginx or openssl not found; run scripts/setup");
  State& s = *state_;
  const fs::path dir = s.dir.path();
  make_certificates(openssl, dir);
  fs::create_directories(dir / "www");
  fs::create_directories(dir / "tmp");
  write_file(dir / "www" / "hello.txt", "hello from nginx\n");
  make_big_file(dir / "www" / "big.bin");

  const fs::path conf = dir / "nginx.conf";
  const std::vector<fs::path> logs = {dir / "nginx.stderr", dir / "error.log"};
  for (int attempt = 1;; ++attempt) {
    const auto ports = pick_ports(3);
    s.https = ports[0];
    s.h2c = ports[1];
    s.http = ports[2];
    write_file(conf, nginx_config(dir, s.https, s.h2c, s.http));
    std::error_code ec;
    fs::remove(logs[1], ec);
    s.child.start({nginx, "-p", dir.string() + "/", "-c", conf.string(), "-e", logs[1].string(),
                   "-g", "daemon off;"},
                  dir, logs[0]);
    const auto outcome = wait_until_ready(s.child, logs, "Address already in use", [&] {
      return http_status(s.http, "/hello.txt") == 200 && tcp_accepts(s.https) && tcp_accepts(s.h2c);
    });
    if (outcome == StartOutcome::kReady) return;
    s.child.kill_now();
    if (outcome == StartOutcome::kPortTaken && attempt < kStartAttempts) continue;
    const std::string why = outcome == StartOutcome::kTimedOut ? "did not answer within 30 s"
                            : outcome == StartOutcome::kPortTaken
                                ? "could not bind free ports in 3 attempts"
                                : "stopped early (" + s.child.describe_exit() + ")";
    throw std::runtime_error("NginxServer: nginx (ports " + std::to_string(s.https) + ", " +
                             std::to_string(s.h2c) + ", " + std::to_string(s.http) + ") " + why +
                             "\n" + join_logs(logs) + log_tail(conf));
  }
}

NginxServer::~NginxServer() = default;

std::uint16_t NginxServer::https_port() const {
  return state_->https;
}
std::uint16_t NginxServer::h2c_port() const {
  return state_->h2c;
}
std::uint16_t NginxServer::http_port() const {
  return state_->http;
}

std::string NginxServer::https_url(std::string_view path) const {
  return make_url("https://localhost", state_->https, path);
}
std::string NginxServer::h2c_url(std::string_view path) const {
  return make_url("http://127.0.0.1", state_->h2c, path);
}
std::string NginxServer::http_url(std::string_view path) const {
  return make_url("http://127.0.0.1", state_->http, path);
}

std::string NginxServer::ca_file() const {
  return (state_->dir.path() / "ca.pem").string();
}
std::string NginxServer::big_file_path() const {
  return (state_->dir.path() / "www" / "big.bin").string();
}

std::vector<NginxServer::LoggedRequest> NginxServer::requests() const {
  std::vector<LoggedRequest> out;
  std::ifstream in(state_->dir.path() / "connections.log");
  LoggedRequest r;
  while (in >> r.connection >> r.status >> r.target) out.push_back(r);
  return out;
}

bool NginxServer::available() {
  static const bool ok = [] {
    try {
      const std::string nginx = find_executable("nginx");
      if (nginx.empty() || find_executable("openssl").empty()) return false;
      TempDir dir("tether-nginx-probe-");
      const fs::path log = dir.path() / "nginx-V.log";
      if (run_command({nginx, "-V"}, dir.path(), log) != 0) return false;
      const std::string build = read_file(log);
      return build.find("--with-http_ssl_module") != std::string::npos &&
             build.find("--with-http_v2_module") != std::string::npos;
    } catch (const std::exception&) {
      return false;
    }
  }();
  return ok;
}

}  // namespace tether::test
