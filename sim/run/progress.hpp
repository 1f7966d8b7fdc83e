// sim/run/progress.hpp — the progress line of `kesim explore` on stderr: schedules, schedules
// per second, the strategy at work and the best failing schedule so far, redrawn in place (\r)
// at most ten times a second. Only when the stream is a terminal: piped or redirected output
// (tests, CI, scripts) sees nothing. The wall clock is read here, in the front end, and only to
// draw: exploration's results never depend on it (sim/explore/driver.hpp Progress).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "sim/explore/driver.hpp"

namespace kesim::run {

class ProgressLine {
 public:
  // `strategy`: the configured strategy, shown before the search at work ("portfolio (pct)").
  ProgressLine(std::FILE* out, std::string strategy);
  ~ProgressLine();  // erases the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // False when the stream is not a terminal: hook() is then empty and nothing is drawn.
  bool active() const { return active_; }
  // The hook for ExploreConfig::progress (empty when inactive); it refers to this object.
  explore::ProgressHook hook();
  // Draws `p` if the last drawing is at least kInterval old.
  void update(const explore::Progress& p);
  // Erases the line (before the result is printed).
  void clear();

  // The text of one drawing, without \r (for tests).
  static std::string format(const explore::Progress& p, const std::string& strategy, double seconds);
  static constexpr std::chrono::milliseconds kInterval{100};

 private:
  using Clock = std::chrono::steady_clock;
  std::FILE* out_;
  std::string strategy_;
  bool active_ = false;
  bool drawn_ = false;
  std::uint32_t calls_ = 0;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = start_;
};

}  // namespace kesim::run
