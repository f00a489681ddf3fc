// One request from the command line: build the config, run it with Ctrl-C
// wired to an AbortController, write the body where it belongs, pick the exit
// code.
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <iostream>

#include <tether/client.hpp>

#include "body_sink.hpp"
#include "chunk_queue.hpp"
#include "exit_codes.hpp"
#include "interrupt.hpp"
#include "items.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "request_config.hpp"
#include "timing.hpp"

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

struct Outcome {
  Result<Response> result;
  bool write_failed = false;
  bool head_shown = false;  // printed as it arrived (streaming, -v / --headers)
};

bool show_head(const Options& o) {
  return o.verbose || o.headers_only;
}

// The main thread's side of a streamed body: heads and chunks in order.
class Pump {
 public:
  Pump(const Options& o, const Style& style, BodySink& sink, ProgressBar& bar,
       AbortController& controller)
      : o_(o), style_(style), sink_(sink), bar_(bar), controller_(controller) {}

  // Returns whether the batch was empty.
  bool drain(std::deque<Piece> batch) {
    for (auto& piece : batch) {
      if (write_failed_) continue;
      if (piece.head) {
        on_head(*piece.head);
      } else if (!sink_.write(piece.bytes)) {
        fail();
      }
    }
    return batch.empty();
  }

  bool write_failed() const { return write_failed_; }
  bool head_shown() const { return head_shown_; }

 private:
  void on_head(const ResponseHead& head) {
    bar_.restart();
    if (show_head(o_)) {
      // ResponseHead has no HTTP version: print_head says HTTP/1.1 for "".
      print_head(std::cout, style_, "", head.status, head.status_text, head.headers);
      std::cout.flush();
      head_shown_ = true;
    }
    if (!sink_.restart(head)) fail();
  }
  void fail() {
    write_failed_ = true;
    controller_.abort({.name = "AbortError", .message = "cannot write " + sink_.part_path()});
  }

  const Options& o_;
  const Style& style_;
  BodySink& sink_;
  ProgressBar& bar_;
  AbortController& controller_;
  bool write_failed_ = false;
  bool head_shown_ = false;
};

// Runs the request and moves its body to the sink as it arrives, redrawing
// the progress bar, until it settles.
Outcome pump(RequestConfig cfg, const Options& o, const Style& style, BodySink& sink,
             ProgressBar& bar, AbortController& controller) {
  FlowControl flow;
  ChunkQueue queue(flow);
  if (sink.streaming()) {
    cfg.response_type = ResponseType::Stream;
    cfg.flow = flow;
    cfg.on_response = [&queue](const ResponseHead& head) { queue.push_head(head); };
    cfg.on_data = [&queue](std::string_view chunk) { queue.push(chunk); };
  } else {
    cfg.response_type = ResponseType::Bytes;
  }
  cfg.on_download_progress = [&bar](const ProgressEvent& e) { bar.update(e.loaded, e.total); };
  Pump pump(o, style, sink, bar, controller);
  Client client;
  auto future = client.request(std::move(cfg));
  for (;;) {
    const bool settled = future.ready();
    bool empty = pump.drain(queue.take(settled ? milliseconds(0) : milliseconds(50)));
    bar.tick();
    if (settled && empty) break;
  }
  return {future.result(), pump.write_failed(), pump.head_shown()};
}

int on_success(const Options& o, const Style& style, const Response& response,
               const Outcome& outcome, BodySink& sink, ProgressBar& bar) {
  bool saved = sink.commit();
  bar.finish(saved);
  if (show_head(o) && !outcome.head_shown) {
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
    if (show_head(o) && !outcome.head_shown) {
      print_head(std::cout, style, response->http_version, response->status, response->status_text,
                 response->headers);
    }
    // A response validate_status rejected was not streamed: its body is
    // here, shown unless it was to go to a file.
    if (!sink.download() && !o.headers_only) {
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

// On stderr, so that the body on stdout stays as it came.
void show_timings(const Outcome& outcome) {
  const TransferInfo& info =
      outcome.result ? outcome.result.value().transfer : outcome.result.error().transfer();
  bool color = isatty(STDERR_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  bool aborted = !outcome.result && outcome.result.error().is_cancel();
  std::cerr << render_timings(info, color, aborted);
}

}  // namespace

int run_request(const Options& o) {
  // Before any other thread starts, so that SIGINT reaches only the watcher,
  // and before stdin is read (--raw -, @-), so that Ctrl-C there exits too.
  AbortController controller;
  InterruptWatcher watcher(controller,
                           o.output.empty() || o.keep_partial ? "" : o.output + ".part");

  Target target = split_args(o.args);
  RequestParts parts = parse_items(target.items, {.form = o.form, .raw = o.raw});
  RequestConfig cfg = build_config(o, target, parts);
  cfg.signal = controller.signal();
  const Style style = style_for_stdout();
  if (o.verbose) {
    print_request(std::cout, style, cfg.method,
                  redact_url(build_url(cfg.url, cfg.params, ArrayFormat::Repeat)), cfg.headers,
                  body_preview(cfg.data));
  }

  // Armed before FILE.part exists: a Ctrl-C from here on aborts the request
  // (it fails at once if not started yet), which removes the file.
  watcher.arm();
  BodySink sink(o);
  ProgressBar bar(sink.download() && isatty(STDERR_FILENO) == 1);
  Outcome outcome = pump(cfg, o, style, sink, bar, controller);
  int code = outcome.result ? on_success(o, style, outcome.result.value(), outcome, sink, bar)
                            : on_failure(o, style, cfg, outcome.result.error(), outcome, sink, bar,
                                         watcher.interrupted());
  if (o.verbose || o.timing) show_timings(outcome);
  return code;
}

}  // namespace tether::cli
