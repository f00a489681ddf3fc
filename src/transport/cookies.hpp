// A client's cookie jar: curl's cookie engine in a share handle that every
// easy handle of one engine uses. Only the engine's thread touches it.
#pragma once

#include <curl/curl.h>

#include <string>
#include <vector>

#include "tether/cookies.hpp"

namespace tether::detail {

class CookieJar {
 public:
  // In memory; with a file, the cookies it holds are loaded now (a file that
  // does not exist yet is an empty jar).
  explicit CookieJar(std::string file);
  ~CookieJar();
  CookieJar(const CookieJar&) = delete;
  CookieJar& operator=(const CookieJar&) = delete;

  // The transfer's handle reads and fills this jar.
  void attach(CURL* easy);
  // Drops the cookie file name CURLOPT_COOKIEFILE queued on the handle (curl
  // frees it when a transfer starts, or on cleanup): curl_easy_reset would leak
  // it. Call before resetting a handle that was attached.
  static void release(CURL* easy) noexcept;
  std::vector<Cookie> list();
  void clear();
  // Writes the jar to its file (Netscape format); throws Error saying why not.
  void save();
  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
  CURLSH* share_ = nullptr;
  CURL* jar_ = nullptr;  // a handle that is never sent: it lists, clears and loads the jar
};

// One line of curl's CURLINFO_COOKIELIST (Netscape format) as a Cookie; false
// for a line that is not one.
bool parse_cookie_line(const std::string& line, Cookie& out);

}  // namespace tether::detail
