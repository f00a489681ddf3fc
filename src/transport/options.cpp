// A TransferSpec mapped to curl options on the transfer's easy handle.
#include <algorithm>

#include "http/upload.hpp"
#include "transport/loop.hpp"

namespace tether::detail {

namespace {

#ifndef TETHER_VERSION
#define TETHER_VERSION "0"
#endif
// Our User-Agent, as a header line of a constant list: curl sends a custom
// header line as it is, where CURLOPT_USERAGENT costs it a formatted
// allocation per request.
char kUserAgentLine[] = "User-Agent: tether/" TETHER_VERSION;
curl_slist kUserAgentOnly{kUserAgentLine, nullptr};

// libcurl before 8.0 cannot reuse a connection opened with HTTP/2 prior
// knowledge (curl issue 10634): a second request on it fails with a framing
// error. There, each such request gets a connection of its own.
bool prior_knowledge_reuse_broken() {
  static const bool broken = curl_version_info(CURLVERSION_NOW)->version_num < 0x080000;
  return broken;
}

}  // namespace

namespace {

// The first time a transfer is configured it takes its method, URL and body
// from the spec (moved: the spec's are not read again, and a transfer in
// flight should not carry two copies); a redirect keeps what was taken (and
// may change it).
void adopt_request(Transfer& t) {
  t.method = std::move(t.spec.method);
  t.url = std::move(t.spec.url);
  if (const std::optional<Form>& form = t.spec.form) {
    t.mime = curl_mime_init(t.easy);
    for (const Form::Part& part : form->parts()) {
      curl_mimepart* p = curl_mime_addpart(t.mime);
      curl_mime_name(p, part.name.c_str());
      curl_mime_data(p, part.value.data(), part.value.size());
      if (!part.filename.empty()) {
        curl_mime_filename(p, part.filename.c_str());
        curl_mime_type(
            p, part.content_type.empty() ? "application/octet-stream" : part.content_type.c_str());
      }
    }
  } else if (t.spec.has_payload) {
    t.payload = std::move(t.spec.payload);
    t.has_body = true;
  }
}

}  // namespace

void Engine::Loop::configure(Transfer& t) {
  CURL* e = t.easy;
  if (t.method.empty()) adopt_request(t);

  set_pointers(t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  // (The loop follows redirects itself; this is belt and braces.)
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // the loop follows, see follow_redirect
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Loop::on_write);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Loop::on_header);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Loop::on_close_socket);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &Loop::on_prereq);
  if (egress) curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Loop::on_open_socket);
  if (resolve) curl_easy_setopt(e, CURLOPT_RESOLVE, resolve->list());
  // An abort while the name resolves must not wait for the resolver thread
  // inside curl_multi_remove_handle: with this, curl leaves it to finish alone.
  curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
  // A cold burst to one origin waits for the first connection to say whether
  // it speaks HTTP/2, and then shares it, rather than opening one each. (Not
  // where HTTP/2 cannot come: the burst would wait one connect for nothing.)
  HttpVersion v = t.spec.http_version;
  bool https = t.url.rfind("https:", 0) == 0;
  bool own_connection = v == HttpVersion::Http2PriorKnowledge && prior_knowledge_reuse_broken();
  if (own_connection) {
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  } else if ((https && v != HttpVersion::Http1_1) || v == HttpVersion::Http2PriorKnowledge) {
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  }
  if (t.url.rfind("https:", 0) == 0) {
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &Loop::on_ssl_ctx);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &t);
  }
  const TransferSpec::Extras& options = t.spec.options();
  if (options.on_upload_progress || options.on_download_progress) {
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &Loop::on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, &t);
  }
  configure_body(t);
  configure_headers(t);
  configure_transport(t);
  t.handle_kind = plain_kind(t.method, t.url, t.has_body || t.mime, t);
}

namespace {

// What Content-Length says: a streamed upload of unknown size is -1 (curl
// then sends it chunked on HTTP/1.1).
curl_off_t body_size(const Transfer& t) {
  if (!t.spec.upload) return static_cast<curl_off_t>(t.payload.size());
  auto size = t.spec.upload->size();
  return size ? static_cast<curl_off_t>(*size) : -1;
}

}  // namespace

void Engine::Loop::configure_body(Transfer& t) {
  CURL* e = t.easy;
  if (t.mime) {
    curl_easy_setopt(e, CURLOPT_MIMEPOST, t.mime);
    if (t.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.method.c_str());
  } else if (t.has_body || t.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, body_size(t));
    curl_easy_setopt(e, CURLOPT_READFUNCTION, &Loop::on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, &t);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, &Loop::on_seek);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, &t);
    if (t.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.method.c_str());
  } else if (t.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (t.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.method.c_str());
  }
}

void Engine::Loop::configure_headers(Transfer& t) {
  // The body's default Content-Type unless one was given, and no
  // "Expect: 100-continue" (it costs a round trip, or a second, per upload).
  const TransferSpec& spec = t.spec;
  // An unset Content-Type sends none, but a multipart body needs curl's (it
  // carries the boundary), so there the unset is ignored.
  bool has_content_type =
      spec.headers.has("Content-Type") || (spec.headers.is_unset("Content-Type") && !t.mime);
  for (const auto& h : spec.headers) {
    if (t.mime && iequals(h.name, "Content-Type")) continue;  // curl writes the boundary
    std::string line = h.value.empty() ? h.name + ";" : h.name + ": " + h.value;
    t.header_list = curl_slist_append(t.header_list, line.c_str());
  }
  // A header the request unset (Headers::unset) is not sent, not even the one
  // curl would add itself (Accept, …): "Name:" tells curl to leave it out.
  for (const auto& name : spec.headers.unset_names()) {
    if (t.mime && iequals(name, "Content-Type")) continue;  // curl's carries the boundary
    t.header_list = curl_slist_append(t.header_list, (name + ":").c_str());
  }
  if (!has_content_type && t.has_body && !spec.payload_type.empty()) {
    t.header_list =
        curl_slist_append(t.header_list, ("Content-Type: " + spec.payload_type).c_str());
  }
  if (t.has_body || t.mime) t.header_list = curl_slist_append(t.header_list, "Expect:");
  // Ours unless the user named one (any case; an empty value sends none) or
  // unset it. Decided last: only a list still empty here is the constant one.
  bool own_agent = !spec.headers.has("User-Agent") && !spec.headers.is_unset("User-Agent");
  if (own_agent && t.header_list) t.header_list = curl_slist_append(t.header_list, kUserAgentLine);
  if (t.header_list) {
    curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, t.header_list);
  } else if (own_agent) {
    curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, &kUserAgentOnly);
  }
}

namespace {

long curl_http_version(HttpVersion v) {
  switch (v) {
    case HttpVersion::Http1_1:
      return CURL_HTTP_VERSION_1_1;
    case HttpVersion::Http2:
      return CURL_HTTP_VERSION_2_0;
    case HttpVersion::Http2PriorKnowledge:
      return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    case HttpVersion::Auto:
      break;
  }
  return CURL_HTTP_VERSION_2TLS;
}

}  // namespace

void Engine::Loop::configure_transport(Transfer& t) {
  CURL* e = t.easy;
  const TransferSpec& spec = t.spec;
  if (spec.timeout.count() > 0) {
    auto left = spec.timeout -
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t.started);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::max<long long>(left.count(), 1)));
  }
  if (spec.connect_timeout.count() > 0) {
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(spec.connect_timeout.count()));
  }
  if (spec.decompress) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  const TransferSpec::Extras& options = spec.options();
  if (options.auth) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERNAME, options.auth->username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, options.auth->password.c_str());
  }
  if (options.proxy) {
    curl_easy_setopt(e, CURLOPT_PROXY, options.proxy->url.c_str());
    if (options.proxy->auth) {
      curl_easy_setopt(e, CURLOPT_PROXYUSERNAME, options.proxy->auth->username.c_str());
      curl_easy_setopt(e, CURLOPT_PROXYPASSWORD, options.proxy->auth->password.c_str());
    }
    // on_response and the header parser see the origin's response only.
    curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  } else if (options.proxy_from_env) {
    curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  } else {
    // No proxy from the environment unless asked (left unset, curl reads
    // http_proxy, HTTPS_PROXY, ALL_PROXY and NO_PROXY itself).
    curl_easy_setopt(e, CURLOPT_PROXY, "");
  }
  const TlsOptions& tls = options.tls;
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, tls.verify.value_or(true) ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, tls.verify.value_or(true) ? 2L : 0L);
  if (!tls.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.ca_path.empty()) curl_easy_setopt(e, CURLOPT_CAPATH, tls.ca_path.c_str());
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, curl_http_version(spec.http_version));
}

void Engine::Loop::set_pointers(Transfer& t) {
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  if (cookie_jar) cookie_jar->attach(e);  // (here: a reused handle skips configure)
  curl_easy_setopt(e, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, &t);
  if (egress) {
    t.egress = egress.get();
    t.egress_refusal.clear();
    t.egress_allowed = false;
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &t);
  }
  if (t.url.rfind("https:", 0) == 0) curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &t);
}

std::uint8_t Engine::Loop::plain_kind(const std::string& method, const std::string& url,
                                      bool has_body, const Transfer& t) {
  // A bodiless GET, HEAD, DELETE or OPTIONS with nothing but a URL:
  // configure() sets the same options for every such transfer of one method
  // and scheme, so a handle keeps them between two of them (no
  // curl_easy_reset, no option re-applied; its pointers are set anew).
  // 0: other; else 1 + 2 * method + (https ? 1 : 0).
  const TransferSpec& s = t.spec;
  bool plain = !has_body && s.headers.empty() && s.headers.unset_names().empty() && !s.extras &&
               s.timeout.count() == 0 && s.connect_timeout.count() == 0 && s.decompress &&
               s.http_version == HttpVersion::Auto;
  if (!plain) return 0;
  int m = method == "GET"       ? 0
          : method == "HEAD"    ? 1
          : method == "DELETE"  ? 2
          : method == "OPTIONS" ? 3
                                : -1;
  if (m < 0) return 0;
  return static_cast<std::uint8_t>(1 + 2 * m + (url.rfind("https:", 0) == 0 ? 1 : 0));
}

}  // namespace tether::detail
