// What one schedule costs the allocator and the kernel's memory map, counted, not timed
// (issue #9 item 6): machines built one after another reuse the same fiber stacks, and a run
// allocates nothing per scheduling point. A global operator new counter sees every allocation
// of this test binary.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>

#include <kesim/check.hpp>
#include <kesim/explore.hpp>
#include <kesim/nt/interlocked.hpp>
#include <kesim/simulator.hpp>

#include "sim/fiber/fiber.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace kesim::nt;

namespace {

// Two threads take a CAS spin lock `rounds` times each (the reference protocol's exclusive
// half, /work/shared/BENCHMARKS.md). `sim` is set up; the caller runs it.
struct SpinLock {
  InterlockedWord word;
  int owners = 0;
};
void spin_lock_protocol(kesim::Simulator& sim, int rounds) {
  auto s = std::make_shared<SpinLock>();  // the threads' bodies keep it alive
  for (const char* name : {"T0", "T1"})
    sim.spawn(name, [s, rounds] {
      for (int k = 0; k < rounds; ++k) {
        while (InterlockedCompareExchange64(s->word, 1, 0) != 0) YieldProcessor();
        ++s->owners;
        KESIM_ASSERT(s->owners == 1);
        --s->owners;
        InterlockedExchange64(s->word, 0);
      }
    });
}

const kesim::SimulatorOptions kMachine{.processors = 2, .time_limit = 10'000'000, .max_steps = 100'000};

// Allocations made by run() alone, and the run's scheduling points.
struct RunCost {
  std::uint64_t allocations = 0;
  std::uint64_t steps = 0;
};
RunCost run_cost(int rounds, const std::string& schedule) {
  kesim::SimulatorOptions opt = kMachine;
  opt.schedule = schedule;
  kesim::Simulator sim(opt);
  spin_lock_protocol(sim, rounds);
  const std::uint64_t before = g_allocations.load();
  const kesim::RunResult r = sim.run();
  RunCost c{g_allocations.load() - before, r.steps};
  EXPECT_EQ(r.outcome, kesim::Outcome::completed);
  return c;
}

TEST(ScheduleCost, MachinesBuiltOneAfterAnotherReuseTheSameStacks) {
  // The first machine may map an arena; every later one takes it back from the cache.
  run_cost(2, "seed:1");
  const std::uint64_t mapped = kesim::fiber::StackPool::arenas_mapped();
  for (int i = 2; i < 200; ++i) run_cost(2, "seed:" + std::to_string(i));
  EXPECT_EQ(kesim::fiber::StackPool::arenas_mapped(), mapped);
  EXPECT_GE(kesim::fiber::StackPool::cached_arenas(), 1u);
}

TEST(ScheduleCost, ExplorationMapsNoStackAfterItsFirstSchedule) {
  const auto body = [](kesim::Simulator& sim) { spin_lock_protocol(sim, 2); };
  kesim::explore_model({.strategy = "random", .runs = 1, .fail_on_findings = false, .machine = kMachine}, body);
  const std::uint64_t mapped = kesim::fiber::StackPool::arenas_mapped();
  const kesim::ExploreResult r = kesim::explore_model(
      {.strategy = "random", .runs = 500, .fail_on_findings = false, .machine = kMachine}, body);
  EXPECT_FALSE(r.found) << r.token;
  EXPECT_EQ(r.schedules, 500);
  EXPECT_EQ(kesim::fiber::StackPool::arenas_mapped(), mapped);
}

TEST(ScheduleCost, ARunAllocatesNothingPerSchedulingPoint) {
  // The same protocol with 2 and with 40 rounds: many more scheduling points and switches, not
  // one allocation more (the hot path allocates nothing, STYLE/common brief).
  for (const char* schedule : {"", "seed:7", "pct:3:3:40", "pos:5", "dfs:1.0.1"}) {
    const RunCost small = run_cost(2, schedule);
    const RunCost large = run_cost(40, schedule);
    ASSERT_GT(large.steps, small.steps * 10) << schedule;
    EXPECT_EQ(large.allocations, small.allocations) << schedule;
  }
}

}  // namespace
