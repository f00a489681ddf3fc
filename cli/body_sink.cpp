#include "body_sink.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace tether::cli {

BodySink::BodySink(const Options& o)
    : o_(o), printer_([](std::string_view unit) {
        std::cout << unit;
        std::cout.flush();
      }) {
  if (o.output.empty()) return;
  part_path_ = o.output + ".part";
  file_ = std::fopen(part_path_.c_str(), "wb");
  if (!file_) throw std::runtime_error("cannot write '" + part_path_ + "'");
}

bool BodySink::restart(const ResponseHead& head) {
  printer_.finish();
  if (written_ > 0 && o_.stream && !download()) {
    std::cerr << "\ntether: the response started over (retry); output restarts here\n";
  }
  written_ = 0;
  printer_.start(head.headers.get("Content-Type").value_or(""));
  if (!file_) return true;
  std::fflush(file_);
  std::rewind(file_);
  return ftruncate(fileno(file_), 0) == 0;
}

bool BodySink::write(const std::string& chunk) {
  written_ += chunk.size();
  if (file_) return std::fwrite(chunk.data(), 1, chunk.size(), file_) == chunk.size();
  if (o_.stream) printer_.feed(chunk);
  return true;
}

bool BodySink::commit() {
  printer_.finish();
  if (!download()) return true;
  bool ok = close();
  std::error_code ec;
  if (ok) std::filesystem::rename(part_path_, o_.output, ec);
  return ok && !ec;
}

std::string BodySink::discard() {
  printer_.finish();
  if (!download()) return "";
  close();
  if (o_.keep_partial) return "partial download kept as " + part_path_;
  std::error_code ec;
  std::filesystem::remove(part_path_, ec);
  return "partial download removed";
}

bool BodySink::close() {
  if (!file_) return true;
  bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  return ok;
}

}  // namespace tether::cli
