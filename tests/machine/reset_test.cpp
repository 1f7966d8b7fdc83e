// tests/machine/reset_test.cpp — a machine reset in place (machine::Machine::reset, used by
// exploration between schedules) behaves byte-identically to a newly built one: for every
// scenario of scenarios/ and several schedule tokens, and for C++ API bodies with events,
// timers, semaphores, push locks, APCs and interlocked words, the schedules run one after
// another on one reused machine give the same trace hash, outcome, steps, output and report
// as the same schedules each on a fresh machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "include/kesim/check.hpp"
#include "include/kesim/explore.hpp"
#include "include/kesim/nt/interlocked.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/explore/driver.hpp"
#include "sim/machine/machine.hpp"
#include "sim/scenario/interpreter.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/source_map.hpp"

using namespace kesim;
using namespace kesim::nt;

namespace {

// What must not differ between a fresh and a reset machine.
struct Fingerprint {
  std::uint64_t hash = 0;
  Outcome outcome = Outcome::completed;
  std::uint64_t steps = 0;
  std::string text;  // output lines, or the C++ API's report
  bool operator==(const Fingerprint&) const = default;
};

// Schedules of every kind: the default one, seeds, PCT, POS, dfs prefixes, and a recorded one.
const std::vector<std::string> kTokens = {"",        "seed:1",     "seed:2",  "seed:3",
                                          "seed:17", "pct:4:3:40", "pos:5",   "dfs:1.0.1",
                                          "dfs:0.1", "seed:99",    "rec:seed:7"};

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// One schedule of a loaded scenario on `m` (fresh or just reset).
Fingerprint run_yaml(const scenario::Program& p, machine::Machine& m) {
  scenario::Interpreter interp(p, m);
  EXPECT_TRUE(interp.setup_errors().empty());
  const check::RunResult& r = m.run();
  return {r.trace_hash, r.outcome, r.steps, join(m.output())};
}

std::vector<std::string> scenario_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(KESIM_SOURCE_DIR) + "/scenarios"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(MachineReset, EveryScenarioRunsOnAResetMachineAsOnAFreshOne) {
  int compared = 0;
  for (const std::string& file : scenario_files()) {
    const scenario::LoadResult lr = scenario::load_file(file);
    if (!lr.program || !lr.errors.empty()) continue;  // the suite's bad-input examples
    const scenario::Program& p = *lr.program;
    {
      machine::Machine probe(scenario::machine_config(p));
      scenario::Interpreter interp(p, probe);
      if (!interp.setup_errors().empty()) continue;
    }
    const scenario::ProgramSourceMap source(p);
    std::unique_ptr<machine::Machine> reused;
    std::unique_ptr<engine::Strategy> reused_strategy;
    for (const std::string& token : kTokens) {
      std::optional<explore::Schedule> fresh_s = explore::make_schedule(token);
      ASSERT_TRUE(fresh_s) << token;
      scenario::Overrides ov;
      if (fresh_s->seed) ov.seed = fresh_s->seed;
      ov.strategy = fresh_s->strategy.get();
      ov.recent_trace = false;
      const machine::Config config = scenario::machine_config(p, ov);
      machine::Machine fresh(config, &source);
      const Fingerprint want = run_yaml(p, fresh);

      std::optional<explore::Schedule> s = explore::make_schedule(token);
      ov.strategy = s->strategy.get();
      const machine::Config rc = scenario::machine_config(p, ov);
      if (!reused) reused = std::make_unique<machine::Machine>(rc, &source);
      else reused->reset(rc.seed, rc.strategy);
      const Fingerprint got = run_yaml(p, *reused);
      reused_strategy = std::move(s->strategy);  // lives until the next reset
      EXPECT_EQ(got, want) << file << " schedule '" << token << "'";
      ++compared;
    }
    reused.reset();
  }
  EXPECT_GT(compared, 500);  // about a hundred scenarios, each under every token
}

// A C++ body that touches every kind of state a reset must restore: dispatcher objects and
// their wait lists, a timer in the timer queue, a push lock and its waiters, a KMUTEX in a
// thread's mutant list, an APC queued to a waiting thread, interlocked words, an invariant.
void busy_body(Simulator& sim) {
  auto& ev = sim.create_event("Ready", NotificationEvent, false);
  auto& sem = sim.create_semaphore("Slots", 1, 1);
  auto& timer = sim.create_timer("Tick", SynchronizationEvent);
  auto& mutex = sim.create_mutex("M");
  auto& lock = sim.create_push_lock("L");
  auto word = std::make_shared<InterlockedWord>();
  sim.add_invariant("word below 8", [word] { return word->peek() < 8; });
  sim.spawn("A", [&, word] {
    KeSetTimer(timer, 20'000, 0);
    KeWaitForSingleObject(sem, Executive, KernelMode, false, nullptr);
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(lock);
    InterlockedIncrement64(*word);
    ExReleasePushLockExclusive(lock);
    KeLeaveCriticalRegion();
    KeReleaseSemaphore(sem, 0, 1, false);
    KeWaitForSingleObject(timer, Executive, KernelMode, false, nullptr);
    KeSetEvent(ev, 0, false);
  });
  sim.spawn("B", [&, word] {
    KeWaitForSingleObject(mutex, Executive, KernelMode, false, nullptr);
    KeWaitForSingleObject(sem, Executive, KernelMode, false, nullptr);
    KeEnterCriticalRegion();
    ExAcquirePushLockShared(lock);
    InterlockedIncrement64(*word);
    ExReleasePushLockShared(lock);
    KeLeaveCriticalRegion();
    KeReleaseSemaphore(sem, 0, 1, false);
    KeReleaseMutex(mutex, false);
    KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
  });
  sim.spawn("C", [&, word] {
    KeWaitForSingleObject(mutex, Executive, KernelMode, false, nullptr);
    InterlockedIncrement64(*word);
    KeReleaseMutex(mutex, false);
  }, 9);
}

// A body that deadlocks in some schedules (ABBA on two KMUTEXes) and leaves threads blocked
// mid-wait: the reset must unwind them and start over.
void abba_body(Simulator& sim) {
  auto& a = sim.create_mutex("A");
  auto& b = sim.create_mutex("B");
  sim.spawn("T1", [&] {
    KeWaitForSingleObject(a, Executive, KernelMode, false, nullptr);
    KeWaitForSingleObject(b, Executive, KernelMode, false, nullptr);
    KeReleaseMutex(b, false);
    KeReleaseMutex(a, false);
  });
  sim.spawn("T2", [&] {
    KeWaitForSingleObject(b, Executive, KernelMode, false, nullptr);
    KeWaitForSingleObject(a, Executive, KernelMode, false, nullptr);
    KeReleaseMutex(a, false);
    KeReleaseMutex(b, false);
  });
}

Fingerprint run_api(Simulator& sim, const TestBody& body) {
  body(sim);
  const RunResult r = sim.run();
  return {r.trace_hash, r.outcome, r.steps, sim.report()};
}

TEST(MachineReset, CppApiBodiesRunOnAResetSimulatorAsOnAFreshOne) {
  std::set<Outcome> outcomes;
  for (const kesim::TestBody& body : {kesim::TestBody(busy_body), kesim::TestBody(abba_body)}) {
    std::unique_ptr<Simulator> reused;
    for (int round = 0; round < 2; ++round)
      for (const std::string& token : kTokens) {
        Simulator fresh({.processors = 2, .schedule = token});
        const Fingerprint want = run_api(fresh, body);
        if (!reused) reused = std::make_unique<Simulator>(SimulatorOptions{.processors = 2, .schedule = token});
        else reused->reset(token);
        const Fingerprint got = run_api(*reused, body);
        EXPECT_EQ(got, want) << "schedule '" << token << "'";
        outcomes.insert(got.outcome);
      }
  }
  EXPECT_TRUE(outcomes.count(Outcome::deadlock)) << "some schedule must leave threads blocked";
}

}  // namespace
