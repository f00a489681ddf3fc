// One request from the command line: build the config, run it with Ctrl-C
// wired to an AbortController, write the body where it belongs, pick the exit
// code.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include <tether/client.hpp>

#include "chunk_queue.hpp"
#include "exit_codes.hpp"
#include "interrupt.hpp"
#include "items.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "request_config.hpp"
#include "stream_printer.hpp"

namespace tether::cli {
namespace {

using std::chrono::milliseconds;

std::string body_preview(const Body& body) {
  if (const auto* form = body.form()) {
    return "(multipart form: " + std::to_string(form->parts().size()) + " parts)";
  }
  return body.serialize();
}

std::string data_text(const Data& data) {
  if (data.is_bytes()) {
    const auto& b = data.bytes();
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return data.to_string();
}

// Where the body goes while it arrives: a FILE.part for -o, stdout for
// --stream; nothing when it is printed once complete.
class BodySink {
 public:
  explicit BodySink(const Options& o)
      : o_(o), printer_([](std::string_view unit) {
          std::cout << unit;
          std::cout.flush();
        }) {
    if (!o.output.empty()) {
      part_path_ = o.output + ".part";
      file_ = std::fopen(part_path_.c_str(), "wb");
      if (!file_) throw std::runtime_error("cannot write '" + part_path_ + "'");
    }
  }
  ~BodySink() { close(); }
  BodySink(const BodySink&) = delete;
  BodySink& operator=(const BodySink&) = delete;

  bool streaming() const { return download() || o_.stream; }
  bool download() const { return !part_path_.empty(); }
  std::uint64_t written() const { return written_; }
  const std::string& part_path() const { return part_path_; }

  // False when the file could not be written.
  bool write(const std::string& chunk) {
    written_ += chunk.size();
    if (file_) return std::fwrite(chunk.data(), 1, chunk.size(), file_) == chunk.size();
    if (o_.stream) printer_.feed(chunk);
    return true;
  }

  // Success: FILE.part becomes FILE. Returns false if that failed.
  bool commit() {
    printer_.finish();
    if (!download()) return true;
    bool ok = close();
    std::error_code ec;
    if (ok) std::filesystem::rename(part_path_, o_.output, ec);
    return ok && !ec;
  }

  // Failure: FILE.part is removed, or kept with --keep-partial. Returns what
  // happened to it, for the message ("" when there was no download).
  std::string discard() {
    printer_.finish();
    if (!download()) return "";
    close();
    if (o_.keep_partial) return "partial download kept as " + part_path_;
    std::error_code ec;
    std::filesystem::remove(part_path_, ec);
    return "partial download removed";
  }

 private:
  bool close() {
    if (!file_) return true;
    bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    return ok;
  }

  const Options& o_;
  StreamPrinter printer_;
  std::string part_path_;
  std::FILE* file_ = nullptr;
  std::uint64_t written_ = 0;
};

struct Outcome {
  Result<Response> result;
  bool write_failed = false;
};

// Runs the request and moves its body to the sink as it arrives, redrawing
// the progress bar, until it settles.
Outcome pump(RequestConfig cfg, BodySink& sink, ProgressBar& bar, AbortController& controller) {
  ChunkQueue chunks;
  if (sink.streaming()) {
    cfg.response_type = ResponseType::Stream;
    cfg.on_data = [&chunks](std::string_view chunk) { chunks.push(chunk); };
  } else {
    cfg.response_type = ResponseType::Bytes;
  }
  cfg.on_download_progress = [&bar](const ProgressEvent& e) { bar.update(e.loaded, e.total); };
  bool write_failed = false;
  Client client;
  auto future = client.request(std::move(cfg));
  for (;;) {
    const bool settled = future.ready();
    auto batch = chunks.take(settled ? milliseconds(0) : milliseconds(50));
    for (const auto& chunk : batch) {
      if (write_failed || sink.write(chunk)) continue;
      write_failed = true;
      controller.abort({.name = "AbortError", .message = "cannot write " + sink.part_path()});
    }
    bar.tick();
    if (settled && batch.empty()) break;
  }
  return {future.result(), write_failed};
}

bool show_head(const Options& o) {
  return o.verbose || o.headers_only;
}

int on_success(const Options& o, const Style& style, const Response& response, BodySink& sink,
               ProgressBar& bar) {
  bool saved = sink.commit();
  bar.finish(saved);
  if (show_head(o)) {
    print_head(std::cout, style, response.http_version, response.status, response.status_text,
               response.headers);
  }
  if (!saved) {
    std::cerr << "tether: cannot write '" << o.output << "'\n";
    return kOther;
  }
  if (sink.download()) {
    std::cerr << "Saved " << human_bytes(static_cast<double>(sink.written())) << " to " << o.output
              << '\n';
  } else if (!sink.streaming() && !o.headers_only) {
    print_body(std::cout, style, response.headers.get("Content-Type").value_or(""),
               data_text(response.data));
  }
  std::cout.flush();
  return kOk;
}

int on_failure(const Options& o, const Style& style, const RequestConfig& cfg, const Error& error,
               const Outcome& outcome, BodySink& sink, ProgressBar& bar, bool interrupted) {
  std::string partial = sink.discard();
  bar.finish(false);
  if (outcome.write_failed) {
    std::cerr << "tether: cannot write '" << sink.part_path() << "'; " << partial << '\n';
    return kOther;
  }
  if (const auto& response = error.response()) {
    if (show_head(o)) {
      print_head(std::cout, style, response->http_version, response->status, response->status_text,
                 response->headers);
    }
    if (!sink.streaming() && !o.headers_only) {
      print_body(std::cout, style, response->headers.get("Content-Type").value_or(""),
                 data_text(response->data));
    }
    std::cout.flush();
  }
  if (interrupted && error.is_cancel()) {
    std::cerr << "\ntether: " << to_string(error.code()) << ": aborted " << cfg.method << ' '
              << redact_url(cfg.url) << " after "
              << human_bytes(static_cast<double>(std::max(sink.written(), bar.loaded())))
              << " received (Ctrl-C)" << (partial.empty() ? "" : "; " + partial) << '\n';
    return kCanceled;
  }
  std::cerr << describe(error) << (partial.empty() ? "" : "; " + partial) << '\n';
  return exit_code_for(error);
}

}  // namespace

int run_request(const Options& o) {
  Target target = split_args(o.args);
  RequestParts parts = parse_items(target.items, {.form = o.form, .raw = o.raw});
  RequestConfig cfg = build_config(o, target, parts);
  const Style style = style_for_stdout();
  if (o.verbose) {
    print_request(std::cout, style, cfg.method,
                  redact_url(build_url(cfg.url, cfg.params, ArrayFormat::Repeat)), cfg.headers,
                  body_preview(cfg.data));
  }

  // Before any other thread starts, so that SIGINT reaches only the watcher.
  AbortController controller;
  InterruptWatcher watcher(controller);
  cfg.signal = controller.signal();

  BodySink sink(o);
  ProgressBar bar(sink.download() && isatty(STDERR_FILENO) == 1);
  Outcome outcome = pump(cfg, sink, bar, controller);
  if (outcome.result) return on_success(o, style, outcome.result.value(), sink, bar);
  return on_failure(o, style, cfg, outcome.result.error(), outcome, sink, bar,
                    watcher.interrupted());
}

}  // namespace tether::cli
