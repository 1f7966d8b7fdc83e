// sim/run/progress.cpp — drawing `kesim explore`'s progress line (progress.hpp).
#include "sim/run/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace kesim::run {

ProgressLine::ProgressLine(std::FILE* out, std::string strategy)
    : out_(out), strategy_(std::move(strategy)), active_(out && isatty(fileno(out)) == 1) {}

ProgressLine::~ProgressLine() { clear(); }

explore::ProgressHook ProgressLine::hook() {
  if (!active_) return {};
  return [this](const explore::Progress& p) { update(p); };
}

std::string ProgressLine::format(const explore::Progress& p, const std::string& strategy, double seconds) {
  const double rate = seconds > 0 ? p.runs / seconds : 0.0;
  std::string who = strategy;
  // A portfolio names the search at work; "seed" is how the driver calls random sampling.
  const std::string_view at_work = p.strategy == "seed" ? std::string_view("random") : p.strategy;
  if (!at_work.empty() && at_work != strategy) who += fmt::format(" ({})", at_work);
  const std::string best = p.found ? fmt::format("a failing schedule of {} steps, shrinking", p.best_steps)
                                   : std::string("no failure yet");
  return fmt::format("kesim explore: {} schedules, {:.0f}/s, {}, best so far: {}", p.runs, rate, who, best);
}

void ProgressLine::update(const explore::Progress& p) {
  // Reading the clock costs little, but schedules can be a few microseconds: look every 16th.
  if (!active_ || (++calls_ & 15u) != 0) return;
  const Clock::time_point now = Clock::now();
  // The first drawing waits kInterval too: an exploration that ends sooner shows no line.
  if (now - last_ < kInterval) return;
  last_ = now;
  drawn_ = true;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  // \r back to the start, the text, then erase what a longer previous line left (ESC [ K).
  fmt::print(out_, "\r{}\x1b[K", format(p, strategy_, seconds));
  std::fflush(out_);
}

void ProgressLine::clear() {
  if (!active_ || !drawn_) return;
  fmt::print(out_, "\r\x1b[K");
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace kesim::run
