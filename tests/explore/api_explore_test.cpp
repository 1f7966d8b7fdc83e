// kesim::explore_model (the C++ front end) over the shared driver: the new strategies, the
// finder's name, hash-free tokens that replay, the verdict, and a bad strategy.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include <kesim/check.hpp>
#include <kesim/explore.hpp>
#include <kesim/nt/interlocked.hpp>
#include <kesim/simulator.hpp>

using namespace kesim::nt;

namespace {

// Two threads take a lock by check-then-act (a load, then a store) or by compare-exchange.
kesim::TestBody check_then_act(bool broken) {
  return [broken](kesim::Simulator& sim) {
    struct State {
      InterlockedWord lock;
      int owners = 0;
    };
    auto s = std::make_shared<State>();
    for (const char* name : {"A", "B"})
      sim.spawn(name, [s, broken] {
        if (broken) {
          while (ReadNoFence64(s->lock) != 0) YieldProcessor();
          WriteNoFence64(s->lock, 1);
        } else {
          while (InterlockedCompareExchange64(s->lock, 1, 0) != 0) YieldProcessor();
        }
        ++s->owners;
        KESIM_ASSERT(s->owners == 1);
        KiRunOnCpu(100);
        --s->owners;
        InterlockedExchange64(s->lock, 0);
      });
  };
}

const kesim::SimulatorOptions kMachine{.processors = 2, .time_limit = 10'000'000, .max_steps = 100'000};

TEST(ExploreModel, EveryStrategyFindsTheBrokenLockAndItsTokenReplays) {
  for (const char* strategy : {"portfolio", "random", "pct", "pos", "dfs"}) {
    const kesim::ExploreResult r = kesim::explore_model(
        {.strategy = strategy, .runs = 500, .fail_on_findings = false, .machine = kMachine}, check_then_act(true));
    ASSERT_TRUE(r.found) << strategy;
    EXPECT_EQ(r.token.find('/'), std::string::npos) << r.token;  // no scenario hash in the C++ API
    if (std::string(strategy) != "portfolio") EXPECT_EQ(r.strategy, strategy);
    const kesim::Replay again = kesim::replay_model(r.token, kMachine, check_then_act(true));
    EXPECT_EQ(again.result.outcome, r.outcome) << strategy;
    EXPECT_EQ(again.sim->report(), r.report) << strategy;
  }
}

TEST(ExploreModel, NothingFoundGivesAVerdict) {
  const kesim::ExploreResult r = kesim::explore_model(
      {.strategy = "portfolio", .runs = 200, .fail_on_findings = false, .machine = kMachine}, check_then_act(false));
  EXPECT_FALSE(r.found);
  EXPECT_NE(r.verdict.find("portfolio, "), std::string::npos) << r.verdict;
}

TEST(ExploreModel, AnUnknownStrategyThrows) {
  EXPECT_THROW(kesim::explore_model({.strategy = "bogus"}, check_then_act(true)), std::invalid_argument);
}

}  // namespace
