// `kesim explore`'s progress line (sim/run/progress.hpp): what it says, and that it stays
// silent when stderr is not a terminal (tests, CI and pipes see no change).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "sim/run/progress.hpp"

namespace kesim::run {
namespace {

TEST(ProgressLine, SaysSchedulesRateStrategyAndBestSoFar) {
  explore::Progress p;
  p.runs = 5000;
  p.strategy = "pct";
  EXPECT_EQ(ProgressLine::format(p, "portfolio", 2.0),
            "kesim explore: 5000 schedules, 2500/s, portfolio (pct), best so far: no failure yet");
  p.strategy = "seed";  // the driver's name for random sampling
  EXPECT_EQ(ProgressLine::format(p, "random", 0.5),
            "kesim explore: 5000 schedules, 10000/s, random, best so far: no failure yet");
  p.strategy = "dfs";
  p.found = true;
  p.best_steps = 42;
  EXPECT_EQ(ProgressLine::format(p, "dfs", 1.0),
            "kesim explore: 5000 schedules, 5000/s, dfs, best so far: a failing schedule of 42 steps, shrinking");
}

TEST(ProgressLine, DrawsNothingWhenTheStreamIsNotATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressLine line(f, "random");
    EXPECT_FALSE(line.active());
    EXPECT_FALSE(static_cast<bool>(line.hook()));
    explore::Progress p;
    p.runs = 1;
    for (int i = 0; i < 1000; ++i) line.update(p);
  }
  EXPECT_EQ(std::ftell(f), 0L);
  std::fclose(f);
}

}  // namespace
}  // namespace kesim::run
