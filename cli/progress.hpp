// The download progress bar: size, rate and ETA, redrawn in place on stderr
// (on a terminal only) at most ten times a second.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tether::cli {

// "1.5 MiB", "512 B".
std::string human_bytes(double bytes);

class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  // `width`: used when the terminal does not tell its own.
  explicit ProgressBar(bool enabled, int width = 80);

  // From the engine thread's progress callback: only stores two numbers.
  void update(std::uint64_t loaded, std::optional<std::uint64_t> total) noexcept;
  // From the main thread: redraws when due (at most every 100 ms).
  void tick();
  // A new response (a retry's) starts over: the rate counts from now.
  void restart() { start_ = Clock::now(); }
  // The last redraw, and the line ended (success) or cleared.
  void finish(bool keep_line);

  std::uint64_t loaded() const noexcept { return loaded_.load(std::memory_order_relaxed); }

  // The line as drawn for these numbers (exposed for unit tests).
  static std::string render(std::uint64_t loaded, std::optional<std::uint64_t> total,
                            double seconds, int width);

 private:
  void draw();

  bool enabled_;
  int width_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
  bool drawn_ = false;
  std::atomic<std::uint64_t> loaded_{0};
  std::atomic<std::int64_t> total_{-1};  // -1: unknown
};

}  // namespace tether::cli
