// Engine tests: fibers, virtual time, CPUs, preemption and the choice hook, with no kernel.
#include "sim/engine/engine.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kesim::engine {
namespace {

// A task whose body is a std::function, for tests.
struct FnTask : Task {
  std::function<void(Engine&)> fn;
};

void run_fn(Task& t) { static_cast<FnTask&>(t).fn(*t.engine); }

struct Harness {
  explicit Harness(EngineConfig cfg = {}) : engine(cfg) {}
  ~Harness() { engine.unwind_all(); }
  FnTask& spawn(std::function<void(Engine&)> fn, int priority = 8, std::uint64_t affinity = ~0ull) {
    auto& t = *tasks.emplace_back(std::make_unique<FnTask>());
    t.fn = std::move(fn);
    t.body = &run_fn;
    t.priority = static_cast<std::uint8_t>(priority);
    t.affinity = affinity;
    engine.add_task(t);
    return t;
  }
  Engine engine;
  std::vector<std::unique_ptr<FnTask>> tasks;
  std::vector<std::string> log;
};

TEST(Engine, RunsTasksToCompletionAndAdvancesVirtualTime) {
  Harness h({.processors = 1});
  auto& a = h.spawn([&](Engine& e) {
    h.log.push_back("a0@" + std::to_string(e.now()));
    e.work(100);
    h.log.push_back("a1@" + std::to_string(e.now()));
  });
  h.engine.ready(a);
  EXPECT_EQ(h.engine.run(), StopReason::AllFinished);
  EXPECT_EQ(h.log, (std::vector<std::string>{"a0@0", "a1@100"}));
  EXPECT_EQ(h.engine.now(), 100);
}

TEST(Engine, TwoCpusRunWorkInParallel) {
  Harness h({.processors = 2});
  Time end_a = 0, end_b = 0;
  auto& a = h.spawn([&](Engine& e) { e.work(1000); end_a = e.now(); });
  auto& b = h.spawn([&](Engine& e) { e.work(1000); end_b = e.now(); });
  h.engine.ready(a);
  h.engine.ready(b);
  h.engine.run();
  EXPECT_EQ(end_a, 1000);
  EXPECT_EQ(end_b, 1000);
}

TEST(Engine, OneCpuSerializesWork) {
  Harness h({.processors = 1});
  Time end_b = 0;
  auto& a = h.spawn([&](Engine& e) { e.work(1000); });
  auto& b = h.spawn([&](Engine& e) { e.work(1000); end_b = e.now(); });
  h.engine.ready(a);
  h.engine.ready(b);
  h.engine.run();
  EXPECT_EQ(end_b, 2000);
}

TEST(Engine, HigherPriorityReadyPreemptsWorkingTaskAndWorkResumes) {
  Harness h({.processors = 1});
  Time end_low = 0, end_high = 0;
  FnTask* high = nullptr;
  auto& low = h.spawn([&](Engine& e) {
    Time left = e.work(1000);
    while (left) left = e.work(left);
    end_low = e.now();
  }, 4);
  high = &h.spawn([&](Engine& e) { e.work(300); end_high = e.now(); }, 12);
  struct Wake final : EventHandler {
    Engine* e; Task* t;
    void on_event(std::uint64_t, std::uint64_t) override { e->ready(*t); }
  } wake;
  wake.e = &h.engine;
  wake.t = high;
  h.engine.ready(low);
  h.engine.post(200, &wake, 0, 0);
  h.engine.run();
  EXPECT_EQ(end_high, 500);
  EXPECT_EQ(end_low, 1300);
}

TEST(Engine, QuantumEndRoundRobinsEqualPriority) {
  Harness h({.processors = 1, .quantum = 100});
  std::vector<int> order;
  auto body = [&](int id) {
    return [&, id](Engine& e) {
      Time left = 250;
      while (left) { left = e.work(left); order.push_back(id); }
    };
  };
  auto& a = h.spawn(body(0));
  auto& b = h.spawn(body(1));
  h.engine.ready(a);
  h.engine.ready(b);
  h.engine.run();
  // a: 0-100, b: 100-200, a: 200-300, b: 300-400, a: 400-450 (done), b: 450-500.
  EXPECT_EQ(order, (std::vector<int>{0, 1, 0, 0, 1, 1}));
  EXPECT_EQ(h.engine.now(), 500);
}

TEST(Engine, BlockedTaskWithNothingToWakeItStalls) {
  Harness h({.processors = 1});
  auto& a = h.spawn([&](Engine& e) { e.block(); });
  h.engine.ready(a);
  EXPECT_EQ(h.engine.run(), StopReason::Stalled);
  EXPECT_EQ(a.state, TaskState::Blocked);
}  // the destructor unwinds a's fiber

TEST(Engine, TimeLimitStopsAPeriodicEventSource) {
  Harness h({.processors = 1, .time_limit = 1000});
  auto& a = h.spawn([&](Engine& e) { for (;;) e.work(300); });
  h.engine.ready(a);
  EXPECT_EQ(h.engine.run(), StopReason::TimeLimit);
  EXPECT_EQ(h.engine.now(), 1000);
}

TEST(Engine, RandomStrategyInterleavesDeterministicallyPerSeed) {
  auto trace_for = [](std::uint64_t seed) {
    Harness h({.processors = 2});
    RandomStrategy s(seed);
    h.engine.set_strategy(&s);
    std::string out;
    for (char id : {'a', 'b'}) {
      auto& t = h.spawn([&, id](Engine& e) {
        for (int i = 0; i < 20; ++i) { out += id; e.point(); }
      });
      h.engine.ready(t);
    }
    h.engine.run();
    return out;
  };
  EXPECT_EQ(trace_for(7), trace_for(7));
  bool differs = false;
  for (std::uint64_t s = 1; s < 10 && !differs; ++s) differs = trace_for(s) != trace_for(s + 100);
  EXPECT_TRUE(differs);
}

TEST(Engine, StepLimitStopsASpinningTask) {
  Harness h({.processors = 1, .max_steps = 1000});
  auto& a = h.spawn([&](Engine& e) { for (;;) e.point(); });
  h.engine.ready(a);
  EXPECT_EQ(h.engine.run(), StopReason::StepLimit);
}

TEST(Engine, ManyTasksReuseStacks) {
  Harness h({.processors = 2});
  for (int i = 0; i < 5000; ++i) h.engine.ready(h.spawn([](Engine& e) { e.work(10); }));
  EXPECT_EQ(h.engine.run(), StopReason::AllFinished);
  EXPECT_LE(h.engine.stacks().high_water(), 4u);
}

}  // namespace
}  // namespace kesim::engine

namespace kesim::engine {
namespace {

// The engine never ends the process for a task's exception: run() rethrows it (issue #7
// item 9), and the other tasks are unwound when the engine goes.
TEST(Engine, AnExceptionFromATaskBodyIsRethrownByRun) {
  Harness h({.processors = 1});
  auto& a = h.spawn([](Engine& e) {
    e.work(100);
    throw std::runtime_error("task body failed");
  });
  auto& b = h.spawn([](Engine& e) { e.block(); });
  h.engine.ready(a);
  h.engine.ready(b);
  try {
    h.engine.run();
    FAIL() << "run() returned";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "task body failed");
  }
  EXPECT_EQ(h.engine.now(), 100);
}

}  // namespace
}  // namespace kesim::engine

// Exploration runs its schedules with a hash-only trace (no record kept): the hash and the
// count must be exactly those of a trace that keeps its records, or tokens and digests would
// differ between `explore` and `replay`.
TEST(Trace, HashOnlyTraceHasTheSameHashAsAKeepingOne) {
  kesim::engine::Trace keeping, hash_only, keeping_all;
  hash_only.set_keep_recent(false);
  keeping_all.set_keep_all(true);
  for (int i = 0; i < 200; ++i) {
    const kesim::engine::TraceRecord r{i * 7, 0, static_cast<std::int16_t>(i % 3), kesim::engine::TraceKind::Dispatch,
                                i % 5, i % 11 - 1, i * 3, -i};
    keeping.record(r);
    hash_only.record(r);
    keeping_all.record(r);
  }
  EXPECT_EQ(hash_only.hash(), keeping.hash());
  EXPECT_EQ(keeping_all.hash(), keeping.hash());
  EXPECT_EQ(hash_only.count(), 200u);
  EXPECT_TRUE(hash_only.recent().empty());
  ASSERT_EQ(keeping.recent().size(), kesim::engine::Trace::kRing);
  EXPECT_EQ(keeping.recent().back().seq, 199u);
  EXPECT_EQ(keeping.recent().front().time, (200 - 64) * 7);
  EXPECT_EQ(keeping_all.all().size(), 200u);
}
