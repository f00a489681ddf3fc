#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace tether::cli {
namespace {

std::string format_eta(double seconds) {
  auto s = static_cast<long>(seconds + 0.5);
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%ld:%02ld", s / 60, s % 60);
  return buf.data();
}

}  // namespace

std::string human_bytes(double bytes) {
  static constexpr std::array<const char*, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < kUnits.size()) {
    bytes /= 1024;
    ++unit;
  }
  std::array<char, 32> buf{};
  if (unit == 0) {
    std::snprintf(buf.data(), buf.size(), "%.0f %s", bytes, kUnits[unit]);
  } else {
    std::snprintf(buf.data(), buf.size(), "%.1f %s", bytes, kUnits[unit]);
  }
  return buf.data();
}

ProgressBar::ProgressBar(bool enabled, int width) : enabled_(enabled), width_(width) {
  // As wide as the terminal, so that the line never wraps (a wrapped line
  // would not redraw in place).
  winsize size{};
  if (enabled_ && ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20) {
    width_ = std::min<int>(size.ws_col - 1, 120);
  }
}

void ProgressBar::update(std::uint64_t loaded, std::optional<std::uint64_t> total) noexcept {
  loaded_.store(loaded, std::memory_order_relaxed);
  if (total) total_.store(static_cast<std::int64_t>(*total), std::memory_order_relaxed);
}

std::string ProgressBar::render(std::uint64_t loaded, std::optional<std::uint64_t> total,
                                double seconds, int width) {
  const double rate = seconds > 0 ? static_cast<double>(loaded) / seconds : 0;
  std::string tail = "  " + human_bytes(static_cast<double>(loaded));
  if (total) tail += " / " + human_bytes(static_cast<double>(*total));
  tail += "  " + human_bytes(rate) + "/s";
  if (total && rate > 0 && *total >= loaded) {
    tail += "  ETA " + format_eta(static_cast<double>(*total - loaded) / rate);
  }
  if (!total || *total == 0) return "Downloading" + tail;

  const double fraction = std::min(1.0, static_cast<double>(loaded) / static_cast<double>(*total));
  std::array<char, 8> percent{};
  std::snprintf(percent.data(), percent.size(), "%3d%%", static_cast<int>(fraction * 100));
  const int bar = std::max(10, width - static_cast<int>(tail.size()) - 8);
  const int filled = static_cast<int>(fraction * bar);
  std::string line = std::string(percent.data()) + " [";
  line += std::string(static_cast<std::size_t>(filled), '=');
  if (filled < bar) line += '>' + std::string(static_cast<std::size_t>(bar - filled - 1), ' ');
  return line + "]" + tail;
}

void ProgressBar::draw() {
  const auto total = total_.load(std::memory_order_relaxed);
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  auto line = render(loaded(), total < 0 ? std::nullopt : std::optional<std::uint64_t>(total),
                     seconds, width_);
  // \r and erase-line redraw in place; stderr keeps stdout free for data.
  std::fprintf(stderr, "\r\x1b[2K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::tick() {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw();
}

void ProgressBar::finish(bool keep_line) {
  if (!enabled_) return;
  if (keep_line) {
    draw();
    std::fputs("\n", stderr);
  } else if (drawn_) {
    std::fputs("\r\x1b[2K", stderr);
  }
  std::fflush(stderr);
}

}  // namespace tether::cli
