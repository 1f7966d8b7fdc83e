// tools/bench/bench.cpp — Google Benchmark suite: the raw Boost.Context switch next to what
// kesim builds on it (an engine switch, a scheduling point, uncontended and contended event
// waits, push locks) and a scenario throughput figure. Not part of the default test run:
//   build/test/tools/bench/kesim_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/engine/engine.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/fiber/fiber.hpp"

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/fiber.hpp>
#include <boost/context/fixedsize_stack.hpp>

namespace {

using namespace kesim;
using namespace kesim::nt;

// ---- raw Boost.Context switch: jump_fcontext ping-pong, nothing else -------------------------

namespace raw {
namespace ctx = boost::context::detail;
ctx::fcontext_t g_main = nullptr;
std::int64_t g_left = 0;
// Two of these bounce control between each other with jump_fcontext only; g_left counts the
// switches. The first one entered gets its peer's fresh context in t.data.
void bounce(ctx::transfer_t t) {
  ctx::fcontext_t peer = t.data ? *static_cast<ctx::fcontext_t*>(t.data) : t.fctx;
  if (t.data) g_main = t.fctx;
  for (;;) {
    if (--g_left <= 0) {
      t = ctx::jump_fcontext(g_main, nullptr);
      g_main = t.fctx;
      continue;
    }
    t = ctx::jump_fcontext(peer, nullptr);
    peer = t.fctx;
  }
}
}  // namespace raw

void BM_RawBoostContextSwitch(benchmark::State& state) {
  namespace ctx = boost::context::detail;
  constexpr std::size_t kStack = 64 * 1024;
  std::vector<char> sa(kStack), sb(kStack);
  ctx::fcontext_t b = ctx::make_fcontext(sb.data() + kStack, kStack, &raw::bounce);
  ctx::fcontext_t next = ctx::make_fcontext(sa.data() + kStack, kStack, &raw::bounce);
  void* data = &b;
  for (auto _ : state) {
    raw::g_left = 1'000'000;
    ctx::transfer_t t = ctx::jump_fcontext(next, data);
    next = t.fctx;  // whichever fiber stopped; it resumes where it left off
    data = nullptr;
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000);
  state.counters["ns_per_switch"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 1'000'000, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RawBoostContextSwitch)->Unit(benchmark::kMillisecond);

// ---- raw Boost.Context fiber (the public boost::context::fiber API): ping-pong ----------------

void BM_RawBoostFiberSwitch(benchmark::State& state) {
  namespace bc = boost::context;
  std::int64_t left = 0;
  bc::fiber* peer_slot = nullptr;
  // `pong` resumes whoever resumed it; one iteration of the benchmark = 1,000,000 switches.
  bc::fiber pong{[&](bc::fiber&& caller) {
    for (;;) {
      --left;
      caller = std::move(caller).resume();
    }
    return std::move(caller);
  }};
  (void)peer_slot;
  for (auto _ : state) {
    left = 1'000'000;
    while (left > 0) pong = std::move(pong).resume();  // two switches per resume
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000 * 2);
  state.counters["ns_per_switch"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2'000'000, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RawBoostFiberSwitch)->Unit(benchmark::kMillisecond);

// ---- kesim's fiber layer: two fibers ping-pong; one iteration = one switch ----------------------

struct PingPong {
  fiber::StackPool pool{64 * 1024};
  fiber::Fiber main, a, b;
  std::int64_t remaining = 0;
};
PingPong* g_pp = nullptr;

void ping(fiber::Fiber&) {
  for (;;) {
    if (--g_pp->remaining <= 0) fiber::switch_to(g_pp->a, g_pp->main);
    else fiber::switch_to(g_pp->a, g_pp->b);
  }
}
void pong(fiber::Fiber&) {
  for (;;) {
    if (--g_pp->remaining <= 0) fiber::switch_to(g_pp->b, g_pp->main);
    else fiber::switch_to(g_pp->b, g_pp->a);
  }
}

void BM_KesimFiberSwitch(benchmark::State& state) {
  PingPong pp;
  g_pp = &pp;
  pp.a.prepare(&pp.pool, &ping, nullptr);
  pp.b.prepare(&pp.pool, &pong, nullptr);
  for (auto _ : state) {
    state.PauseTiming();
    pp.remaining = 1'000'000;
    state.ResumeTiming();
    fiber::switch_to(pp.main, pp.a);
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000);
  state.counters["ns_per_switch"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 1'000'000, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  // The fibers are parked mid-loop; their stacks go with the pool.
}
BENCHMARK(BM_KesimFiberSwitch)->Unit(benchmark::kMillisecond);

// ---- engine-level: tasks that only hit scheduling points --------------------------------------

struct Alternate final : engine::Strategy {
  std::size_t choose(std::span<engine::Task* const> c, int current) override {
    const std::size_t next = static_cast<std::size_t>(current) + 1;  // no division on the hot path
    return current < 0 || next == c.size() ? 0 : next;
  }
};

struct LoopTask : engine::Task {
  std::int64_t n = 0;
};
void loop_body(engine::Task& t) {
  auto& l = static_cast<LoopTask&>(t);
  for (std::int64_t i = 0; i < l.n; ++i) t.engine->point();
}

void run_loop_tasks(benchmark::State& state, int tasks, bool alternate) {
  constexpr std::int64_t kPoints = 1'000'000;
  for (auto _ : state) {
    engine::Engine e({.processors = tasks, .max_steps = ~0ull});
    Alternate alt;
    if (alternate) e.set_strategy(&alt);
    std::vector<std::unique_ptr<LoopTask>> ts;
    for (int i = 0; i < tasks; ++i) {
      auto& t = *ts.emplace_back(std::make_unique<LoopTask>());
      t.n = kPoints / tasks;
      t.body = &loop_body;
      e.add_task(t);
      e.ready(t);
    }
    e.run();
    e.unwind_all();
  }
  state.SetItemsProcessed(state.iterations() * kPoints);
  state.counters["ns_per_point"] = benchmark::Counter(static_cast<double>(state.iterations()) * kPoints,
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// A scheduling point that switches every time (two tasks, a strategy that alternates).
void BM_EngineThreadSwitch(benchmark::State& state) { run_loop_tasks(state, 2, true); }
BENCHMARK(BM_EngineThreadSwitch)->Unit(benchmark::kMillisecond);

// A scheduling point that does not switch (one task).
void BM_SchedulingPointNoSwitch(benchmark::State& state) { run_loop_tasks(state, 1, false); }
BENCHMARK(BM_SchedulingPointNoSwitch)->Unit(benchmark::kMillisecond);

// A thread switch through the engine's dispatcher: two tasks on one CPU hand the CPU to each
// other — ready the other, block — so every iteration is one context switch chosen by the
// default policy (no custom strategy, no Ke logic on top).
struct HandOffTask : engine::Task {
  engine::Task* other = nullptr;
  std::int64_t n = 0;
};
void hand_off_body(engine::Task& t) {
  auto& h = static_cast<HandOffTask&>(t);
  for (std::int64_t i = 0; i < h.n; ++i) {
    t.engine->ready(*h.other);
    t.engine->block();
  }
  t.engine->ready(*h.other);
}

void BM_EngineThreadSwitchHandOff(benchmark::State& state) {
  constexpr std::int64_t kSwitches = 1'000'000;
  for (auto _ : state) {
    engine::Engine e({.processors = 1, .max_steps = ~0ull});
    HandOffTask a, b;
    a.other = &b;
    b.other = &a;
    a.n = b.n = kSwitches / 2;
    a.body = b.body = &hand_off_body;
    e.add_task(a);
    e.add_task(b);
    e.ready(a);
    e.run();
    e.unwind_all();
  }
  state.SetItemsProcessed(state.iterations() * kSwitches);
  state.counters["ns_per_switch"] = benchmark::Counter(static_cast<double>(state.iterations()) * kSwitches,
                                                       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_EngineThreadSwitchHandOff)->Unit(benchmark::kMillisecond);

// ---- Ke: events -------------------------------------------------------------------------------

// Uncontended: set a synchronization event, then wait on it (satisfied without blocking).
void BM_EventSetWaitUncontended(benchmark::State& state) {
  constexpr int kRounds = 200'000;
  for (auto _ : state) {
    Simulator sim({.processors = 1});
    auto& ev = sim.kernel().create_event("E", false, false);
    sim.spawn("T", [&] {
      for (int i = 0; i < kRounds; ++i) {
        KeSetEvent(ev, 0, false);
        KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
      }
    });
    sim.run();
  }
  state.SetItemsProcessed(state.iterations() * kRounds * 2);
}
BENCHMARK(BM_EventSetWaitUncontended)->Unit(benchmark::kMillisecond);

// Contended: two threads on one CPU ping-pong through two synchronization events; every wait
// blocks and every set readies the other thread (two context switches per round).
void BM_EventPingPongContended(benchmark::State& state) {
  constexpr int kRounds = 50'000;
  for (auto _ : state) {
    Simulator sim({.processors = 1});
    auto& ping = sim.kernel().create_event("Ping", false, false);
    auto& pong = sim.kernel().create_event("Pong", false, false);
    sim.spawn("A", [&] {
      for (int i = 0; i < kRounds; ++i) {
        KeSetEvent(ping, 0, false);
        KeWaitForSingleObject(pong, Executive, KernelMode, false, nullptr);
      }
    });
    sim.spawn("B", [&] {
      for (int i = 0; i < kRounds; ++i) {
        KeWaitForSingleObject(ping, Executive, KernelMode, false, nullptr);
        KeSetEvent(pong, 0, false);
      }
    });
    sim.run();
  }
  state.SetItemsProcessed(state.iterations() * kRounds * 4);  // 2 sets + 2 waits per round
}
BENCHMARK(BM_EventPingPongContended)->Unit(benchmark::kMillisecond);

// ---- Ex: push locks ---------------------------------------------------------------------------

void BM_PushLockUncontended(benchmark::State& state) {
  constexpr int kRounds = 500'000;
  for (auto _ : state) {
    Simulator sim({.processors = 1});
    auto& l = ex::create_push_lock(sim.kernel(), "L");
    sim.spawn("T", [&] {
      KeEnterCriticalRegion();
      for (int i = 0; i < kRounds; ++i) {
        ex::ExAcquirePushLockExclusive(l);
        ex::ExReleasePushLockExclusive(l);
      }
      KeLeaveCriticalRegion();
    });
    sim.run();
  }
  state.SetItemsProcessed(state.iterations() * kRounds);  // acquire/release pairs
}
BENCHMARK(BM_PushLockUncontended)->Unit(benchmark::kMillisecond);

// Contended: four threads on two CPUs each hold the lock for 1 us of work per round.
void BM_PushLockContended(benchmark::State& state) {
  constexpr int kThreads = 4, kRounds = 20'000;
  for (auto _ : state) {
    Simulator sim({.processors = 2});
    auto& l = ex::create_push_lock(sim.kernel(), "L");
    for (int t = 0; t < kThreads; ++t)
      sim.spawn("T" + std::to_string(t), [&] {
        KeEnterCriticalRegion();
        for (int i = 0; i < kRounds; ++i) {
          ex::ExAcquirePushLockExclusive(l);
          KiRunOnCpu(1000);
          ex::ExReleasePushLockExclusive(l);
        }
        KeLeaveCriticalRegion();
      });
    sim.run();
  }
  state.SetItemsProcessed(state.iterations() * kThreads * kRounds);
}
BENCHMARK(BM_PushLockContended)->Unit(benchmark::kMillisecond);

// ---- throughput: simulated kernel operations per second of host time -------------------------

// An uncontended loop of kernel operations (region enter/leave, push lock, event).
void BM_UncontendedKernelOps(benchmark::State& state) {
  constexpr int kRounds = 200'000;
  std::uint64_t ops = 0;
  for (auto _ : state) {
    Simulator sim({.processors = 1});
    auto& l = ex::create_push_lock(sim.kernel(), "L");
    auto& ev = sim.kernel().create_event("E", true, true);
    sim.spawn("T", [&] {
      for (int i = 0; i < kRounds; ++i) {
        KeEnterCriticalRegion();
        ex::ExAcquirePushLockShared(l);
        KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
        ex::ExReleasePushLockShared(l);
        KeLeaveCriticalRegion();
      }
    });
    ops += sim.run().steps;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(ops));
}
BENCHMARK(BM_UncontendedKernelOps)->Unit(benchmark::kMillisecond);

// Many threads: 2,000 threads on 4 CPUs, each 50 rounds of a guarded mutex with work and an
// event; items = scheduling points (simulated kernel operations).
void BM_ScenarioThroughputManyThreads(benchmark::State& state) {
  constexpr int kThreads = 2000, kRounds = 50;
  std::uint64_t ops = 0;
  for (auto _ : state) {
    Simulator sim({.processors = 4, .autoboost = false});
    auto& g = sim.kernel().create_guarded_mutex("G", ke::KOBJECTS::GuardedMutexObject);
    auto& go = sim.kernel().create_event("Go", true, false);
    for (int t = 0; t < kThreads; ++t)
      sim.spawn("W" + std::to_string(t), [&] {
        KeWaitForSingleObject(go, Executive, KernelMode, false, nullptr);
        for (int i = 0; i < kRounds; ++i) {
          KeAcquireGuardedMutex(g);
          KiRunOnCpu(100);
          KeReleaseGuardedMutex(g);
        }
      });
    sim.spawn("Starter", [&] { KeSetEvent(go, 0, false); }, 8, 1000);
    ops += sim.run().steps;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(ops));
}
BENCHMARK(BM_ScenarioThroughputManyThreads)->Unit(benchmark::kMillisecond);

// ---- memory: 100,000 blocked threads (issue #7: at most 6 KB each) ----------------------------

// Resident set size of this process, from /proc/self/statm (pages).
std::int64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (f) {
    if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<std::int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

constexpr int kBlockedThreads = 100'000;

// Every kesim thread waits on one notification event; a lower-priority thread that runs once
// all of them are blocked measures the RSS, then sets the event. bytes_per_thread = RSS delta
// / threads: the KTHREAD, its body, and the touched pages of its fiber stack (the guard pages
// cost nothing resident).
void BM_BlockedThreadsMemory(benchmark::State& state) {
  double per_thread = 0;
  for (auto _ : state) {
    const std::int64_t before = rss_bytes();
    std::int64_t blocked = 0;
    {
      Simulator sim({.processors = 1, .autoboost = false, .time_limit = 1'000'000'000'000});
      auto& go = sim.kernel().create_event("Go", true, false);
      for (int t = 0; t < kBlockedThreads; ++t)
        sim.spawn("W" + std::to_string(t), [&] { KeWaitForSingleObject(go, Executive, KernelMode, false, nullptr); });
      sim.spawn("Measure", [&] {
        blocked = rss_bytes();
        KeSetEvent(go, 0, false);
      }, 1, 1000);
      sim.run();
    }
    per_thread = static_cast<double>(blocked - before) / kBlockedThreads;
  }
  state.counters["bytes_per_thread"] = per_thread;
  state.counters["sizeof_KTHREAD"] = static_cast<double>(sizeof(ke::KTHREAD));
}
BENCHMARK(BM_BlockedThreadsMemory)->Unit(benchmark::kMillisecond)->Iterations(1);

// The same count of raw boost::context::fiber objects (64 KiB fixedsize stacks), each resumed
// once and suspended: the floor kesim's figure is compared with.
void BM_RawBoostFiberMemory(benchmark::State& state) {
  namespace bc = boost::context;
  double per_fiber = 0;
  for (auto _ : state) {
    const std::int64_t before = rss_bytes();
    std::vector<bc::fiber> fibers;
    fibers.reserve(kBlockedThreads);
    for (int i = 0; i < kBlockedThreads; ++i) {
      bc::fiber f{std::allocator_arg, bc::fixedsize_stack(64 * 1024), [](bc::fiber&& caller) {
                    caller = std::move(caller).resume();  // "blocked": suspended mid-body
                    return std::move(caller);
                  }};
      fibers.push_back(std::move(f).resume());
    }
    per_fiber = static_cast<double>(rss_bytes() - before) / kBlockedThreads;
    for (auto& f : fibers) f = std::move(f).resume();  // let each finish
  }
  state.counters["bytes_per_fiber"] = per_fiber;
}
BENCHMARK(BM_RawBoostFiberMemory)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
