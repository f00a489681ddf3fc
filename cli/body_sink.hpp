// Where a streamed body goes while it arrives: a FILE.part for -o, stdout
// (a line or an event at a time) for --stream; nothing when it is printed
// once complete.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <tether/request.hpp>

#include "options.hpp"
#include "stream_printer.hpp"

namespace tether::cli {

class BodySink {
 public:
  explicit BodySink(const Options& o);  // creates FILE.part; throws when it cannot
  ~BodySink() { close(); }
  BodySink(const BodySink&) = delete;
  BodySink& operator=(const BodySink&) = delete;

  bool streaming() const { return download() || o_.stream; }
  bool download() const { return !part_path_.empty(); }
  std::uint64_t written() const { return written_; }
  const std::string& part_path() const { return part_path_; }

  // A response head arrived. A retry's new response starts the body over:
  // FILE.part is truncated and the count reset (what --stream printed cannot
  // be taken back; a note on stderr says so). The printer frames by the
  // head's Content-Type. False when the file could not be truncated.
  bool restart(const ResponseHead& head);
  // False when the file could not be written.
  bool write(const std::string& chunk);
  // Success: FILE.part becomes FILE. False if that failed.
  bool commit();
  // Failure: FILE.part is removed, or kept with --keep-partial. Returns what
  // happened to it, for the message ("" when there was no download).
  std::string discard();

 private:
  bool close();

  const Options& o_;
  StreamPrinter printer_;
  std::string part_path_;
  std::FILE* file_ = nullptr;
  std::uint64_t written_ = 0;
};

}  // namespace tether::cli
