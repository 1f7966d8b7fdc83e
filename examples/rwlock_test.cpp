// examples/rwlock_test.cpp — a reader/writer lock built on one simulated interlocked word, tested
// under schedule exploration. Word layout: bit 0 = a writer owns the lock; the rest counts the
// readers (value / 2). The seeded bug: a reader that finds no writer *stores* its new count
// instead of compare-exchanging it, so a writer that got in between the load and the store is
// overwritten and a reader and a writer own the lock together.
#include <kesim/check.hpp>
#include <kesim/explore.hpp>
#include <kesim/gtest.hpp>
#include <kesim/nt/interlocked.hpp>
#include <kesim/simulator.hpp>

using namespace kesim::nt;

namespace {

class RwLock {
 public:
  explicit RwLock(bool seeded_bug) : bug_(seeded_bug) {}

  void AcquireShared() {
    for (;;) {
      const std::int64_t v = ReadNoFence64(word_);
      if (v & 1) {  // a writer owns it
        YieldProcessor();
        continue;
      }
      if (bug_) {  // BUG: another CPU may take the lock between the load and this store
        WriteNoFence64(word_, v + 2);
        return;
      }
      if (InterlockedCompareExchange64(word_, v + 2, v) == v) return;
    }
  }
  void ReleaseShared() { InterlockedExchangeAdd64(word_, -2); }
  void AcquireExclusive() {
    while (InterlockedCompareExchange64(word_, 1, 0) != 0) YieldProcessor();
  }
  void ReleaseExclusive() { InterlockedExchangeAdd64(word_, -1); }

 private:
  bool bug_;
  InterlockedWord word_;
};

// Two readers and a writer, twice each; the invariant: never a writer with anyone else.
kesim::TestBody scenario(bool seeded_bug) {
  return [seeded_bug](kesim::Simulator& sim) {
    struct State {
      RwLock lock;
      int readers = 0, writers = 0;
      explicit State(bool bug) : lock(bug) {}
    };
    auto s = std::make_shared<State>(seeded_bug);
    sim.add_invariant("a writer owns the lock alone",
                      [s] { return s->writers == 0 || (s->writers == 1 && s->readers == 0); });
    for (const char* name : {"Reader1", "Reader2"})
      sim.spawn(name, [s] {
        for (int i = 0; i < 2; ++i) {
          s->lock.AcquireShared();
          ++s->readers;
          KESIM_ASSERT(s->writers == 0);
          KiRunOnCpu(100);
          --s->readers;
          s->lock.ReleaseShared();
        }
      });
    sim.spawn("Writer", [s] {
      for (int i = 0; i < 2; ++i) {
        s->lock.AcquireExclusive();
        ++s->writers;
        KESIM_ASSERT(s->readers == 0);
        KiRunOnCpu(100);
        --s->writers;
        s->lock.ReleaseExclusive();
      }
    });
  };
}

// A spinning reader never blocks, so a lost writer bit is a livelock: bound each run tightly.
const kesim::SimulatorOptions kMachine{.processors = 2, .time_limit = 10'000'000, .max_steps = 100'000};

}  // namespace

TEST(RwLock, ExplorationFindsTheSeededBugAndReplaysIt) {
  kesim::ExploreResult found;
  ASSERT_TRUE(kesim::testing::SomeScheduleFails({.strategy = "random", .runs = 2000, .machine = kMachine},
                                                scenario(true), &found));
  // Either a reader and the writer inside together (KESIM_ASSERT / the invariant), or the
  // reader's plain store erased the writer's bit and the readers spin for ever (time_limit).
  EXPECT_NE(found.outcome, kesim::Outcome::completed);
  // The token reproduces the same failure, byte for byte.
  const kesim::Replay again = kesim::replay_model(found.token, kMachine, scenario(true));
  EXPECT_EQ(again.result.outcome, found.outcome);
  EXPECT_EQ(again.sim->report(), found.report);
}

TEST(RwLock, TheFixSurvivesExploration) {
  EXPECT_TRUE(kesim::testing::NoFailingSchedule({.strategy = "random", .runs = 2000, .machine = kMachine},
                                                scenario(false)));
  EXPECT_TRUE(kesim::testing::NoFailingSchedule(
      {.strategy = "dfs", .runs = 5000, .bound = 1, .machine = kMachine}, scenario(false)));
}
