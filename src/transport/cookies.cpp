// The cookie jar over curl's share interface, and the engine's calls that
// read, clear and save it on the loop's thread.
#include "transport/cookies.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <optional>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>

#include "transport/loop.hpp"

namespace tether::detail {

CookieJar::CookieJar(std::string file) : file_(std::move(file)) {
  share_ = curl_share_init();
  jar_ = curl_easy_init();
  if (!share_ || !jar_) throw Error(ErrorCode::Unknown, "tether: cannot create the cookie jar");
  // No lock functions: one thread (the engine's) uses the share.
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
  curl_easy_setopt(jar_, CURLOPT_SHARE, share_);
  curl_easy_setopt(jar_, CURLOPT_COOKIEFILE, file_.c_str());
  // Loads the file into the share now ("" only turns the engine on).
  if (!file_.empty()) curl_easy_setopt(jar_, CURLOPT_COOKIELIST, "RELOAD");
}

CookieJar::~CookieJar() {
  // The loop cleaned every easy handle that used the share before this.
  if (jar_) curl_easy_cleanup(jar_);
  if (share_) curl_share_cleanup(share_);
}

void CookieJar::attach(CURL* easy) {
  release(easy);  // at most one queued name (a handle aborted before it started)
  curl_easy_setopt(easy, CURLOPT_SHARE, share_);
  curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");  // the cookie engine on, no file read
}

void CookieJar::release(CURL* easy) noexcept {
  // With a share, this drops the queued names only: the shared cookies stay.
  curl_easy_setopt(easy, CURLOPT_COOKIEFILE, static_cast<char*>(nullptr));
}

bool parse_cookie_line(const std::string& line, Cookie& out) {
  std::vector<std::string> f;
  std::size_t start = 0;
  for (;;) {
    auto tab = line.find('\t', start);
    f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  if (f.size() != 7) return false;
  constexpr std::string_view kHttpOnly = "#HttpOnly_";
  out.http_only = f[0].rfind(kHttpOnly, 0) == 0;
  out.domain = out.http_only ? f[0].substr(kHttpOnly.size()) : f[0];
  out.include_subdomains = f[1] == "TRUE";
  out.path = f[2];
  out.secure = f[3] == "TRUE";
  try {
    out.expires = std::stoll(f[4]);
  } catch (...) {
    return false;
  }
  out.name = f[5];
  out.value = f[6];
  return true;
}

std::vector<Cookie> CookieJar::list() {
  curl_slist* lines = nullptr;
  curl_easy_getinfo(jar_, CURLINFO_COOKIELIST, &lines);
  std::vector<Cookie> out;
  for (curl_slist* l = lines; l; l = l->next) {
    Cookie c;
    if (parse_cookie_line(l->data, c)) out.push_back(std::move(c));
  }
  curl_slist_free_all(lines);
  return out;
}

void CookieJar::clear() {
  curl_easy_setopt(jar_, CURLOPT_COOKIELIST, "ALL");
}

void CookieJar::save() {
  if (file_.empty()) {
    throw Error(ErrorCode::BadOptionValue, "tether: save_cookies needs ClientOptions::cookie_file");
  }
  // Written here rather than by curl's FLUSH, which reports no failure (a jar
  // that cannot be saved must say so) and leaves the file readable by all
  // (cookies are credentials: 0600). A temporary file renamed over the old
  // one: a crash mid-write never leaves half a jar.
  std::string text = "# Netscape HTTP Cookie File\n# Written by Tether.\n\n";
  curl_slist* lines = nullptr;
  curl_easy_getinfo(jar_, CURLINFO_COOKIELIST, &lines);
  for (curl_slist* l = lines; l; l = l->next) (text += l->data) += '\n';
  curl_slist_free_all(lines);
  // A unique temporary beside the file (mkstemp: created 0600, never an
  // existing one), so that two clients saving to the same path never write
  // into each other's temporary; the last rename wins whole.
  std::string tmp = file_ + ".XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  bool written = fd >= 0;
  for (std::size_t done = 0; written && done < text.size();) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    done += written ? static_cast<std::size_t>(n) : 0;
  }
  if (fd >= 0 && ::close(fd) != 0) written = false;
  if (!written || std::rename(tmp.c_str(), file_.c_str()) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::unlink(tmp.c_str());
    throw Error(ErrorCode::BadOptionValue,
                "tether: cannot write the cookie file " + file_ + ": " + why);
  }
}

namespace {

// Runs `fn` on the loop's thread (inline when already there) and returns what
// it returns or throws.
template <class F>
auto on_loop(Engine& engine, const std::shared_ptr<Engine::Loop>& loop, F fn) {
  using R = decltype(fn(*loop));
  if (engine.running_in_this_thread()) return fn(*loop);
  auto promise = std::make_shared<std::promise<R>>();
  auto answer = promise->get_future();
  engine.post([loop, promise, fn = std::move(fn)]() mutable {
    try {
      if constexpr (std::is_void_v<R>) {
        fn(*loop);
        promise->set_value();
      } else {
        promise->set_value(fn(*loop));
      }
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  return answer.get();
}

}  // namespace

std::vector<Cookie> Engine::cookies() {
  return on_loop(*this, loop_, [](Loop& loop) {
    return loop.cookie_jar ? loop.cookie_jar->list() : std::vector<Cookie>{};
  });
}

void Engine::clear_cookies() {
  on_loop(*this, loop_, [](Loop& loop) {
    if (loop.cookie_jar) loop.cookie_jar->clear();
  });
}

void Engine::save_cookies() {
  // The failure comes back as a value and is thrown here: an exception_ptr
  // handed between threads is reference-counted inside libstdc++, where
  // ThreadSanitizer cannot see the synchronisation.
  auto failure = on_loop(*this, loop_, [](Loop& loop) -> std::optional<Error> {
    if (!loop.cookie_jar) {
      return Error(ErrorCode::BadOptionValue,
                   "tether: save_cookies needs ClientOptions::cookie_file");
    }
    try {
      loop.cookie_jar->save();
    } catch (const Error& e) {
      return e;
    }
    return std::nullopt;
  });
  if (failure) throw *failure;
}

}  // namespace tether::detail
