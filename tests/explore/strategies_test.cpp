// PCT as published, POS, delay bounding, the searches (iterative dfs, portfolio), the budget,
// option validation and scenario-hashed tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "sim/explore/driver.hpp"
#include "sim/explore/pct.hpp"
#include "sim/explore/pos.hpp"
#include "sim/explore/token.hpp"

namespace kesim::explore {
namespace {

// Candidate tasks for direct strategy calls.
struct Tasks {
  std::vector<engine::Task> t;
  explicit Tasks(int n) : t(static_cast<std::size_t>(n)) {
    for (int i = 0; i < n; ++i) {
      t[static_cast<std::size_t>(i)].index = i;
      t[static_cast<std::size_t>(i)].state = engine::TaskState::Running;
    }
  }
  std::vector<engine::Task*> all() {
    std::vector<engine::Task*> v;
    for (auto& x : t) v.push_back(&x);
    return v;
  }
};

TEST(Pct, ChangePointsAreDistinctAndAmongTheFirstKChoices) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    PctStrategy s(seed, 5, 6);
    auto cp = s.change_points();
    ASSERT_EQ(cp.size(), 4u);
    for (auto p : cp) EXPECT_TRUE(p >= 1 && p <= 6);
    std::sort(cp.begin(), cp.end());
    EXPECT_EQ(std::adjacent_find(cp.begin(), cp.end()), cp.end());
  }
  EXPECT_EQ(PctStrategy(1, 5, 2).change_points().size(), 2u);  // k < d - 1: every choice changes
}

TEST(Pct, WithoutChangePointsTheSameThreadRunsEveryTime) {
  Tasks tasks(3);
  auto c = tasks.all();
  PctStrategy s(7, 1, 100);
  const std::size_t first = s.choose(c, 0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(s.choose(c, 0), first);
}

TEST(Pct, InitialPrioritiesAreARandomPermutation) {
  // Over seeds, each of 3 threads is the highest-priority one sometimes.
  Tasks tasks(3);
  auto c = tasks.all();
  std::vector<int> first(3, 0);
  for (std::uint64_t seed = 1; seed <= 300; ++seed) ++first[PctStrategy(seed, 1, 10).choose(c, 0)];
  for (int n : first) EXPECT_GT(n, 50);
}

TEST(Pct, ThePriorityOfTheIthChangePointIsIInChangePointOrderNotTimeOrder) {
  // Find a seed whose change points are in decreasing time order: k_1 later than k_2. At k_2
  // (earlier) the running thread gets priority 2; at k_1 the next one gets priority 1, lower.
  // With 3 threads: after both changes the thread lowered first (priority 2) must win over the
  // one lowered at k_1 (priority 1). Time-order lowering would give the opposite.
  for (std::uint64_t seed = 1; seed < 1000; ++seed) {
    PctStrategy s(seed, 3, 4);
    const auto cp = s.change_points();
    if (!(cp[0] > cp[1]) || cp[1] < 2) continue;
    Tasks tasks(2);
    auto c = tasks.all();
    std::vector<std::size_t> ran;
    for (int i = 0; i < 6; ++i) ran.push_back(s.choose(c, 0));
    // At k_2 the highest thread h is lowered to 2; the other thread o runs (priority >= 3 > 2).
    // At k_1, o is lowered to 1: from then on h (2) runs.
    const std::size_t h = ran[0];
    const std::size_t o = 1 - h;
    EXPECT_EQ(ran[cp[1] - 1], o) << "seed " << seed;
    EXPECT_EQ(ran[cp[0] - 1], h) << "seed " << seed;
    EXPECT_EQ(ran[5], h) << "seed " << seed;
    return;
  }
  FAIL() << "no seed with k_1 > k_2";
}

TEST(Pos, TheHighestPriorityRunsItKeepsItsPriorityAndTheOthersAreRedrawn) {
  Tasks tasks(3);
  auto c = tasks.all();
  PosStrategy s(3);
  int count[3] = {0, 0, 0};
  for (int i = 0; i < 300; ++i) {
    std::uint64_t before[3];
    for (int t = 0; t < 3; ++t) before[t] = s.priority(t);
    const std::size_t x = s.choose(c, 0);
    ++count[x];
    if (i == 0) continue;
    for (int t = 0; t < 3; ++t) {
      if (static_cast<std::size_t>(t) == x) {
        EXPECT_GE(before[t], std::max({before[0], before[1], before[2]}));  // the highest ran
        EXPECT_EQ(s.priority(t), before[t]);                                // and keeps it
      } else {
        EXPECT_NE(s.priority(t), before[t]);  // the others are drawn again
      }
    }
  }
  PosStrategy a(9), b(9);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a.choose(c, 0), b.choose(c, 0));
  // Over seeds, every thread runs first sometimes.
  int first[3] = {0, 0, 0};
  for (std::uint64_t seed = 1; seed <= 300; ++seed) ++first[PosStrategy(seed).choose(c, 0)];
  for (int n : first) EXPECT_GT(n, 50);
}

TEST(Tokens, PosTokensParse) {
  EXPECT_EQ(parse_token("pos:4")->strategy, "pos");
  EXPECT_EQ(parse_token("pos:4")->text(), "pos:4");
  EXPECT_EQ(parse_token("pos:4:1"), std::nullopt);
  EXPECT_TRUE(make_schedule("pos:4"));
}

TEST(Tokens, ScenarioHashIsFnv1aAndSplits) {
  EXPECT_EQ(scenario_hash(""), "811c9dc5");   // the FNV-1a 32-bit offset basis
  EXPECT_EQ(scenario_hash("a"), "e40c292c");  // published FNV-1a test vector
  const SplitToken s = split_token("A1b2c3d4/seed:5");
  EXPECT_EQ(s.hash, "a1b2c3d4");
  EXPECT_EQ(s.schedule, "seed:5");
  EXPECT_EQ(split_token("seed:5").hash, std::nullopt);
  EXPECT_EQ(split_token("zzzzzzzz/seed:5").schedule, "zzzzzzzz/seed:5");
}

TEST(Dfs, DelayBoundingCountsTheRankOfEachPick) {
  // Three candidates, default 0: pick 1 costs one delay, pick 2 two.
  const std::vector<ChoicePoint> run = {ChoicePoint{3, 0, 0, 0, 3}};
  EXPECT_EQ(next_dfs_prefix(run, 1, BoundKind::delays), (std::vector<std::uint32_t>{1}));
  const std::vector<ChoicePoint> second = {ChoicePoint{3, 0, 1, 0, 3}};
  EXPECT_EQ(next_dfs_prefix(second, 1, BoundKind::delays), std::nullopt);
  EXPECT_EQ(next_dfs_prefix(second, 2, BoundKind::delays), (std::vector<std::uint32_t>{2}));
  // As preemptions both cost 1.
  EXPECT_EQ(next_dfs_prefix(second, 1, BoundKind::preemptions), (std::vector<std::uint32_t>{2}));
}

// A model with three binary choice points (current 0, default 0): the picks follow the dfs
// prefix, else the default. `fails` decides on the picks.
RunSchedule model(std::function<bool(const std::vector<std::uint32_t>&)> fails, std::vector<std::string>* seen = nullptr) {
  return [fails, seen](const std::string& token) {
    if (seen) seen->push_back(token);
    ScheduleRun r;
    std::vector<std::uint32_t> picks(3, 0);
    if (auto p = parse_dfs_token(token))
      for (std::size_t i = 0; i < p->size() && i < 3; ++i) picks[i] = (*p)[i];
    for (std::uint32_t x : picks) r.choices.push_back(ChoicePoint{2, 0, x, 0, 2});
    r.threads = 2;
    r.steps = 10;
    r.failed = fails(picks) || (token.rfind("pct:", 0) == 0 && fails({9, 9, 9}));
    return r;
  };
}

TEST(Driver, IterativeDfsFindsAScheduleWithTheFewestPreemptions) {
  // Fails with 2 preemptions (0,1,1) or with 1 (1,x,x). Fixed bound 2 meets (0,1,1) first in
  // DFS order; iterative deepening meets a 1-preemption schedule first.
  const auto fails = [](const std::vector<std::uint32_t>& p) { return p[0] == 1 || (p[1] == 1 && p[2] == 1); };
  ExploreConfig fixed;
  fixed.strategy = "dfs";
  fixed.preemption_bound = 2;
  fixed.shrink = false;
  EXPECT_EQ(explore_schedules(fixed, model(fails)).token, "dfs:0.1.1");
  ExploreConfig iterative;
  iterative.strategy = "dfs";
  const Exploration e = explore_schedules(iterative, model(fails));
  ASSERT_TRUE(e.found);
  EXPECT_EQ(e.token, "dfs:1");
  EXPECT_EQ(e.strategy, "dfs");
}

TEST(Driver, IterativeDfsSaysWhenTheWholeTreeIsCovered) {
  ExploreConfig c;
  c.strategy = "dfs";
  const Exploration e = explore_schedules(c, model([](const auto&) { return false; }));
  EXPECT_FALSE(e.found);
  EXPECT_TRUE(e.exhausted);
  EXPECT_EQ(e.verdict, "exhaustive: 8 schedules (none has more than 3 preemptions)");
  ExploreConfig capped = c;
  capped.iterative_cap = 1;
  const Exploration f = explore_schedules(capped, model([](const auto&) { return false; }));
  EXPECT_FALSE(f.exhausted);
  EXPECT_EQ(f.verdict, "exhaustive up to 1 preemptions: 4 schedules");
}

TEST(Driver, ShrinkingDropsPreemptionsThatDoNotMatter) {
  // Fails whenever the last pick preempts: of 1.1.1 only the last preemption matters.
  const RunSchedule run = model([](const auto& p) { return p[2] == 1; });
  const ScheduleRun failing = run("dfs:1.1.1");
  ASSERT_TRUE(failing.failed);
  int runs = 0;
  EXPECT_EQ(shrink_dfs("dfs:1.1.1", failing, run, std::chrono::milliseconds(1000), &runs).token, "dfs:0.0.1");
  EXPECT_EQ(runs, 3);  // 0.1.1 fails (kept), 0.0.1 fails (kept), 0.0.0 does not
  // Trailing default picks are dropped too; a token that is not dfs is left alone.
  EXPECT_EQ(shrink_dfs("dfs:0.0.1.0", failing, run, std::chrono::milliseconds(1000), &runs).token, "dfs:0.0.1");
  EXPECT_EQ(shrink_dfs("seed:4", failing, run, std::chrono::milliseconds(1000), &runs).token, "seed:4");
  // No time: nothing is tried.
  EXPECT_EQ(shrink_dfs("dfs:1.1.1", failing, run, std::chrono::milliseconds(0), &runs).token, "dfs:1.1.1");
}

TEST(Driver, FoundScheduleReportsItsSteps) {
  ExploreConfig c;
  c.strategy = "dfs";
  c.preemption_bound = 1;
  const Exploration e = explore_schedules(c, model([](const auto& p) { return p[1] == 1; }));
  ASSERT_TRUE(e.found);
  EXPECT_EQ(e.token, "dfs:0.1");
  EXPECT_EQ(e.from_steps, 10u);
  EXPECT_EQ(e.to_steps, 10u);
}

TEST(Driver, PortfolioStartsWithTheDefaultScheduleAndNamesTheFinder) {
  std::vector<std::string> seen;
  ExploreConfig c;  // portfolio
  const Exploration e = explore_schedules(c, model([](const auto& p) { return p[0] == 9; }, &seen));
  ASSERT_TRUE(e.found);
  EXPECT_EQ(seen.front(), "dfs:");
  EXPECT_EQ(e.strategy, "pct");
  EXPECT_EQ(e.token.rfind("pct:1:2:3", 0), 0u);  // d=2, k = the probe's 3 choice points
  // Random runs before it: the rounds interleave.
  EXPECT_EQ(seen[1], "seed:1");
}

TEST(Driver, PortfolioEndsWhenDfsCoversTheWholeTree) {
  ExploreConfig c;
  c.runs = 100000;
  const Exploration e = explore_schedules(c, model([](const auto&) { return false; }));
  EXPECT_FALSE(e.found);
  EXPECT_TRUE(e.exhausted);
  EXPECT_NE(e.verdict.find("exhaustive: 8 schedules"), std::string::npos) << e.verdict;
  EXPECT_NE(e.verdict.find("PCT d=3"), std::string::npos) << e.verdict;
  EXPECT_LT(e.runs, 1000);
}

TEST(Driver, TheWallClockBudgetStopsExploration) {
  ExploreConfig c;
  c.strategy = "random";
  c.runs = 100000000;
  c.budget = std::chrono::milliseconds(60);
  const Exploration e = explore_schedules(c, [](const std::string&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return ScheduleRun{};
  });
  EXPECT_FALSE(e.found);
  EXPECT_GE(e.wall_ms, 60);
  EXPECT_LT(e.runs, 100);
  EXPECT_EQ(e.verdict, "random, " + std::to_string(e.runs) + " runs");
}

TEST(Driver, PctVerdictGivesThePublishedBound) {
  // (1 - 1/(n k^(d-1)))^N with n = 2, k = 3, d = 3, N runs.
  EXPECT_NEAR(pct_miss_probability(10, 3, 2, 3), std::pow(1.0 - 1.0 / 18, 10), 1e-12);
  ExploreConfig c;
  c.strategy = "pct";
  c.runs = 11;
  const Exploration e = explore_schedules(c, model([](const auto&) { return false; }));
  EXPECT_EQ(e.runs, 11);  // the probe and 10 PCT runs
  EXPECT_NE(e.verdict.find("PCT d=3, 10 runs: a bug of depth <= 3 would be missed with probability <= 0.565"),
            std::string::npos)
      << e.verdict;
}

TEST(Driver, OptionsThatDoNotApplyAreErrors) {
  ExploreConfig c;
  c.strategy = "random";
  c.preemption_bound = 1;
  EXPECT_NE(validate(c), "");
  c.strategy = "dfs";
  EXPECT_EQ(validate(c), "");
  c.delay_bound = 1;
  EXPECT_NE(validate(c), "");
  c.preemption_bound.reset();
  EXPECT_EQ(validate(c), "");
  c.seed = 4;
  EXPECT_NE(validate(c), "");  // dfs draws nothing at random
  c.seed.reset();
  c.strategy = "pct";
  EXPECT_NE(validate(c), "");
  c.delay_bound.reset();
  c.seed = 4;
  EXPECT_EQ(validate(c), "");
  c.strategy = "bogus";
  c.delay_bound.reset();
  EXPECT_NE(validate(c), "");
}

}  // namespace
}  // namespace kesim::explore
