// Engine limits (issue #7 items 2 and 3): every step and every event counts toward max_steps,
// virtual time saturates instead of wrapping, the stack reserve and resource limits stop a run.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/engine/limits.hpp"

namespace kesim::engine {
namespace {

struct FnTask : Task {
  std::function<void(Engine&)> fn;
};
void run_fn(Task& t) { static_cast<FnTask&>(t).fn(*t.engine); }

struct Harness {
  explicit Harness(EngineConfig cfg = {}) : engine(cfg) {}
  ~Harness() { engine.unwind_all(); }
  FnTask& spawn(std::function<void(Engine&)> fn) {
    auto& t = *tasks.emplace_back(std::make_unique<FnTask>());
    t.fn = std::move(fn);
    t.body = &run_fn;
    engine.add_task(t);
    return t;
  }
  Engine engine;
  std::vector<std::unique_ptr<FnTask>> tasks;
};

// A loop of steps that never reach a scheduling point (log, assert, call...) used to run
// forever: count_step alone must reach max_steps.
TEST(EngineLimits, StepsWithoutASchedulingPointCountTowardMaxSteps) {
  Harness h({.processors = 1, .max_steps = 5000});
  std::uint64_t ran = 0;
  h.engine.ready(h.spawn([&](Engine& e) {
    for (;;) {
      e.count_step();
      ++ran;
    }
  }));
  EXPECT_EQ(h.engine.run(), StopReason::StepLimit);
  EXPECT_EQ(ran, 5000u);
  EXPECT_EQ(h.engine.steps(), 0u);  // the reported scheduling points are unchanged
}

// An event that re-posts itself 1 ns later (a 1 ns periodic timer) used to run unbounded.
struct Periodic final : EventHandler {
  Engine* e = nullptr;
  std::uint64_t fired = 0;
  void on_event(std::uint64_t, std::uint64_t) override {
    ++fired;
    e->post(e->now() + 1, this, 0, 0);
  }
};

TEST(EngineLimits, EventsCountTowardMaxSteps) {
  Harness h({.processors = 1, .time_limit = kTimeMax, .max_steps = 10'000});
  Periodic p;
  p.e = &h.engine;
  auto& t = h.spawn([](Engine& e) { e.block(); });  // keeps the run alive
  h.engine.ready(t);
  h.engine.post(1, &p, 0, 0);
  EXPECT_EQ(h.engine.run(), StopReason::StepLimit);
  EXPECT_LE(p.fired, 10'000u);
  EXPECT_GT(p.fired, 9'000u);
}

TEST(EngineLimits, TimeSaturatesInsteadOfWrapping) {
  EXPECT_EQ(sat_add(5, 10), 15);
  EXPECT_EQ(sat_add(kTimeMax - 1, 10), kTimeMax);
  EXPECT_EQ(sat_add(1, kTimeMax), kTimeMax);
  EXPECT_EQ(sat_add(7, -3), 7);
  // 292 years of work after 1 s used to wrap to a time in the past and "complete" at once.
  Harness h({.processors = 1, .time_limit = 10'000'000'000});
  bool finished = false;
  h.engine.ready(h.spawn([&](Engine& e) {
    e.work(1'000'000'000);
    EXPECT_EQ(e.after(kTimeMax), kTimeMax);
    e.work(kTimeMax);
    finished = true;
  }));
  EXPECT_EQ(h.engine.run(), StopReason::TimeLimit);
  EXPECT_FALSE(finished);
  EXPECT_EQ(h.engine.now(), 10'000'000'000);
}

// A task that recurses without bound stops with the "stack" limit before the guard page.
int recurse(Engine& e, int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  e.count_step();
  return depth < (1 << 30) ? recurse(e, depth + 1) + frame[0] : 0;
}

TEST(EngineLimits, StackReserveStopsARunawayRecursion) {
  Harness h({.processors = 1, .stack_size = 64 * 1024});
  h.engine.ready(h.spawn([](Engine& e) { recurse(e, 0); }));
  EXPECT_EQ(h.engine.run(), StopReason::ResourceLimit);
  EXPECT_STREQ(h.engine.limit_name(), "stack");
}

// A limit reached from an event handler (not on the running fiber) stops the run too.
struct LimitEvent final : EventHandler {
  Engine* e = nullptr;
  void on_event(std::uint64_t, std::uint64_t) override { e->limit_reached("apcs"); }
};

TEST(EngineLimits, ALimitReachedInAnEventHandlerStopsTheRun) {
  Harness h({.processors = 1});
  LimitEvent ev;
  ev.e = &h.engine;
  std::uint64_t steps = 0;
  h.engine.ready(h.spawn([&](Engine& e) {
    e.post(100, &ev, 0, 0);
    for (;;) {
      e.count_step();
      ++steps;
      e.work(10);
    }
  }));
  EXPECT_EQ(h.engine.run(), StopReason::ResourceLimit);
  EXPECT_STREQ(h.engine.limit_name(), "apcs");
  EXPECT_LE(steps, 11u);
}

TEST(EngineLimits, ALimitReachedOnTheFiberStopsAtOnce) {
  Harness h({.processors = 1});
  bool after = false;
  h.engine.ready(h.spawn([&](Engine& e) {
    e.limit_reached("threads");
    after = true;
  }));
  EXPECT_EQ(h.engine.run(), StopReason::ResourceLimit);
  EXPECT_STREQ(h.engine.limit_name(), "threads");
  EXPECT_FALSE(after);
}

}  // namespace
}  // namespace kesim::engine
