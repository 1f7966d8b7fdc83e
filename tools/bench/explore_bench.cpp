// tools/bench/explore_bench.cpp — exploration throughput (issue #9 item 6): schedules/s through
// the C++ API on the reference spin-lock protocol (/work/shared/BENCHMARKS.md) and through the
// YAML explore path (`kesim explore` minus the CLI), to be read beside BM_RawBoostContextSwitch
// and BM_KesimFiberSwitch of the same run. Items = schedules.
#include <benchmark/benchmark.h>

#include <memory>
#include <optional>
#include <string>

#include "include/kesim/check.hpp"
#include "include/kesim/explore.hpp"
#include "include/kesim/nt/interlocked.hpp"
#include "sim/engine/trace.hpp"
#include "sim/run/run.hpp"

#ifndef KESIM_SOURCE_DIR
#error "KESIM_SOURCE_DIR must name the source tree (tools/bench/CMakeLists.txt)"
#endif

namespace {

using namespace kesim::nt;

// The reference protocol's `spin` reader/writer lock on one word: LOCK = 1, SHARE = 0x10; every
// atomic operation is one scheduling point; thread i in round k takes the lock exclusive when
// (i + k) is even, shared otherwise. The invariants (never two owners, or an owner and a
// reader) are KESIM_ASSERTs, so a broken lock would fail a schedule.
constexpr std::uint64_t kLock = 1, kShare = 0x10;

struct RwState {
  InterlockedWord word;
  int writers = 0;
  int readers = 0;
};

void acquire_exclusive(RwState& s) {
  while (s.word.compare_exchange(kLock, 0) != 0) YieldProcessor();
  ++s.writers;
  KESIM_ASSERT(s.writers == 1 && s.readers == 0);
}
void release_exclusive(RwState& s) {
  --s.writers;
  s.word.store(0);
}
void acquire_shared(RwState& s) {
  for (;;) {
    const std::uint64_t v = s.word.load();
    if (v == 0 || (v >> 4) != 0) {
      if (s.word.compare_exchange((v + kShare) | kLock, v) == v) break;
    } else {
      YieldProcessor();
    }
  }
  ++s.readers;
  KESIM_ASSERT(s.writers == 0);
}
void release_shared(RwState& s) {
  --s.readers;
  for (;;) {
    const std::uint64_t v = s.word.load();
    KESIM_ASSERT((v >> 4) != 0);  // a shared release sees a non-zero share count
    const std::uint64_t next = v == (kShare | kLock) ? 0 : v - kShare;
    if (s.word.compare_exchange(next, v) == v) return;
  }
}

void rw_thread(RwState& s, int i, int rounds) {
  for (int k = 0; k < rounds; ++k) {
    if ((i + k) % 2 == 0) {
      acquire_exclusive(s);
      release_exclusive(s);
    } else {
      acquire_shared(s);
      release_shared(s);
    }
  }
}

kesim::TestBody spin_rw_protocol(int threads, int rounds) {
  return [threads, rounds](kesim::Simulator& sim) {
    auto s = std::make_shared<RwState>();
    for (int i = 0; i < threads; ++i)
      sim.spawn(i == 0 ? "T0" : i == 1 ? "T1" : "T2", [s, i, rounds] { rw_thread(*s, i, rounds); });
  };
}

// The same protocol with a body that allocates nothing itself: the state lives outside the body,
// which re-initializes it, and each thread's lambda (a pointer and two ints) fits std::function's
// inline buffer. The difference to the above is the body's own cost (make_shared and two
// std::function allocations per schedule); what is left is kesim's.
kesim::TestBody spin_rw_protocol_reused_state(int threads, int rounds) {
  auto state = std::make_shared<std::optional<RwState>>();
  return [threads, rounds, state](kesim::Simulator& sim) {
    RwState* s = &state->emplace();
    for (int i = 0; i < threads; ++i)
      sim.spawn(i == 0 ? "T0" : i == 1 ? "T1" : "T2", [s, i, rounds] { rw_thread(*s, i, rounds); });
  };
}

// kesim::explore_model, random strategy, on the 2-thread 2-round protocol (Relacy's random
// scheduler: 995 k schedules/s on the same protocol, BENCHMARKS.md). Items = schedules.
void explore_api(benchmark::State& state, const kesim::TestBody& body) {
  std::int64_t schedules = 0;
  for (auto _ : state) {
    const kesim::ExploreResult r = kesim::explore_model(
        {.strategy = "random", .runs = 1000, .fail_on_findings = false,
         .machine = {.processors = 2, .time_limit = 10'000'000, .max_steps = 100'000}},
        body);
    if (r.found) state.SkipWithError(("the correct lock failed: " + r.token).c_str());
    schedules += r.schedules;
  }
  state.SetItemsProcessed(schedules);
}
void BM_ExploreApiSpinLock(benchmark::State& state) {
  explore_api(state, spin_rw_protocol(static_cast<int>(state.range(0)), 2));
}
BENCHMARK(BM_ExploreApiSpinLock)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);
void BM_ExploreApiSpinLockReusedState(benchmark::State& state) {
  explore_api(state, spin_rw_protocol_reused_state(static_cast<int>(state.range(0)), 2));
}
BENCHMARK(BM_ExploreApiSpinLockReusedState)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);

// `kesim explore` on a YAML scenario without the CLI: load once, then schedules (random).
void explore_yaml(benchmark::State& state, const char* file, const char* strategy) {
  const std::string path = std::string(KESIM_SOURCE_DIR) + "/" + file;
  std::int64_t schedules = 0;
  for (auto _ : state) {
    kesim::explore::ExploreConfig c;
    c.strategy = strategy;
    c.runs = 1000;
    const kesim::run::ExploreResult r = kesim::run::explore(path, c, {});
    if (r.exit_code != kesim::run::kMet) state.SkipWithError(("explore: " + r.summary + r.diagnostics).c_str());
    schedules += r.runs;
  }
  state.SetItemsProcessed(schedules);
}
void BM_ExploreYamlSpinLock2x2(benchmark::State& state) {
  explore_yaml(state, "tools/bench/scenarios/spin_lock_2x2.yaml", "random");
}
BENCHMARK(BM_ExploreYamlSpinLock2x2)->Unit(benchmark::kMillisecond);
void BM_ExploreYamlCasSpinLock3x3(benchmark::State& state) {
  explore_yaml(state, "scenarios/designs/cas_spin_lock.yaml", "random");
}
BENCHMARK(BM_ExploreYamlCasSpinLock3x3)->Unit(benchmark::kMillisecond);

// One trace record: hash-only (what explored schedules do) and keeping the recent ring (what
// `run` does for its text report). Items = records; `perf stat -e instructions` over a filter
// of one of them gives instructions per record.
void trace_records(benchmark::State& state, bool keep_recent) {
  kesim::engine::Trace trace;
  trace.set_keep_recent(keep_recent);
  std::int64_t n = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i)
      trace.record({i, 0, 1, kesim::engine::TraceKind::Interlocked, i & 3, 7, i, 0});
    n += 1000;
  }
  benchmark::DoNotOptimize(trace.hash());
  state.SetItemsProcessed(n);
}
void BM_TraceRecordHashOnly(benchmark::State& state) { trace_records(state, false); }
BENCHMARK(BM_TraceRecordHashOnly);
void BM_TraceRecordKeepRecent(benchmark::State& state) { trace_records(state, true); }
BENCHMARK(BM_TraceRecordKeepRecent);

}  // namespace
