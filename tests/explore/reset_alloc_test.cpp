// What one schedule costs the allocator and the kernel's memory map, counted, not timed
// (issue #9 item 6): machines built one after another reuse the same fiber stacks, and a run
// allocates nothing per scheduling point. A global operator new counter sees every allocation
// of this test binary.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <string>

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

namespace {

// The reference protocol's `spin` reader/writer lock (/work/shared/BENCHMARKS.md; the C++ API
// benchmark's), written so the body itself allocates nothing: its state lives outside the body
// and is re-initialized by it, and each thread's lambda (a reference and an int) fits
// std::function's inline buffer. What is left to count is kesim's own cost per schedule.
struct RwSpin {
  std::optional<InterlockedWord> word;
  int writers = 0, readers = 0;
};
constexpr std::uint64_t kLock = 1, kShare = 0x10;

void rw_thread(RwSpin& s, int i) {
  for (int k = 0; k < 2; ++k) {
    if ((i + k) % 2 == 0) {
      while (s.word->compare_exchange(kLock, 0) != 0) YieldProcessor();
      ++s.writers;
      KESIM_ASSERT(s.writers == 1 && s.readers == 0);
      --s.writers;
      s.word->store(0);
    } else {
      for (;;) {
        const std::uint64_t v = s.word->load();
        if (v == 0 || (v >> 4) != 0) {
          if (s.word->compare_exchange((v + kShare) | kLock, v) == v) break;
        } else {
          YieldProcessor();
        }
      }
      ++s.readers;
      KESIM_ASSERT(s.writers == 0);
      --s.readers;
      for (;;) {
        const std::uint64_t v = s.word->load();
        KESIM_ASSERT((v >> 4) != 0);
        if (s.word->compare_exchange(v == (kShare | kLock) ? 0 : v - kShare, v) == v) break;
      }
    }
  }
}

RwSpin g_rw;
void rw_body(kesim::Simulator& sim) {
  g_rw.word.emplace();
  g_rw.writers = g_rw.readers = 0;
  sim.spawn("T0", [&s = g_rw] { rw_thread(s, 0); });
  sim.spawn("T1", [&s = g_rw] { rw_thread(s, 1); });
}

std::uint64_t explore_allocations(int runs) {
  const std::uint64_t before = g_allocations.load();
  const kesim::ExploreResult r = kesim::explore_model(
      {.strategy = "random", .runs = runs, .fail_on_findings = false, .machine = kMachine}, rw_body);
  const std::uint64_t n = g_allocations.load() - before;
  EXPECT_FALSE(r.found) << r.token;
  EXPECT_EQ(r.schedules, runs);
  return n;
}

TEST(ScheduleCost, ExploringMoreSchedulesAllocatesNothingMore) {
  // explore_model builds one machine, then resets it between schedules: 1,000 schedules more
  // cost not one allocation more (the reset, the body on the reused machine, the run).
  // (Run counts with as many digits: the verdict's text, built once at the end, is as long.)
  explore_allocations(10);  // warm-up (stack arenas, lazily built tables)
  const std::uint64_t few = explore_allocations(1020);
  const std::uint64_t many = explore_allocations(2020);
  EXPECT_EQ(many, few);
}

TEST(ScheduleCost, AResetScheduleAllocatesNothingAfterWarmUp) {
  kesim::Simulator sim(kMachine);
  rw_body(sim);
  ASSERT_EQ(sim.run().outcome, kesim::Outcome::completed);
  for (int seed = 1; seed <= 5; ++seed) {  // warm-up: every seed path once
    sim.reset("seed:" + std::to_string(seed));
    rw_body(sim);
    sim.run();
  }
  std::uint64_t allocations = 0, steps = 0;
  for (std::uint64_t seed = 100; seed < 600; ++seed) {
    const std::string token = "seed:" + std::to_string(seed);  // short: no allocation either
    const std::uint64_t before = g_allocations.load();
    sim.reset(token);
    rw_body(sim);
    const kesim::RunResult r = sim.run();
    allocations += g_allocations.load() - before;
    steps += r.steps;
    ASSERT_EQ(r.outcome, kesim::Outcome::completed) << token;
  }
  EXPECT_GT(steps, 500u * 8);
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
