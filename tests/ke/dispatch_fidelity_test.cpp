// Regression tests for issue #6 (fidelity round 2), kernel half: each test is named after the
// NT behaviour it pins down and failed before the fix it guards.
//   - a kernel APC that could not be delivered during a wait at APC_LEVEL runs when IRQL drops
//     (ReactOS KiSwapContextResume requests the APC interrupt; hal KfLowerIrql fires it);
//   - a readied thread that must preempt runs inside the routine that readied it (ReactOS
//     KiExitDispatcher; kmtest ntos_ke/KeEvent.c TestEventScheduling);
//   - KeReleaseMutex wakes the waiter before leaving the critical region (ReactOS ke/mutex.c);
//   - thread exit checks every owned mutant (ReactOS ke/thrdobj.c KeRundownThread);
//   - a boost decays one level per quantum end (ReactOS ke_x.h KiComputeNewPriority);
//   - priorities 0, 15, 16 and 31 are scheduled alike (no shift by 32 at priority 31).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/ke/ke.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;

// ---- APC delivery when IRQL drops ------------------------------------------------------------

TEST(KeApc, SpecialApcQueuedDuringAnApcLevelWaitRunsWhenIrqlDropsToPassive) {
  Simulator sim({.processors = 2});
  auto& go = sim.kernel().create_event("Go", true, false);
  static std::vector<std::string>* g_log;
  std::vector<std::string> log;
  g_log = &log;
  KTHREAD& waiter = sim.spawn("Waiter", [&] {
    KeRaiseIrql(APC_LEVEL);
    KeWaitForSingleObject(go, Executive, KernelMode, false, nullptr);  // the APC cannot unwait it
    log.push_back("woken");
    KeLowerIrql(PASSIVE_LEVEL);  // the APC interrupt fires here, inside KeLowerIrql
    log.push_back("lowered");
  });
  KAPC apc;
  sim.spawn("Queuer", [&] {
    KeInitializeApc(apc, waiter, ApcKind::Special,
                    [](KAPC&) { g_log->push_back("apc at " + std::string(irql_name(KeGetCurrentIrql()))); },
                    nullptr, nullptr);
    EXPECT_TRUE(KeInsertQueueApc(apc));
    KeSetEvent(go, 0, false);
  }, 8, 1000);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(log, (std::vector<std::string>{"woken", "apc at APC_LEVEL", "lowered"}));
  EXPECT_FALSE(waiter.ApcState.KernelApcPending);
}

// ---- KiExitDispatcher: the switch happens inside the routine ---------------------------------

// kmtest KeEvent.c TestEventScheduling, on one CPU: the waiter boosted above the signaller by
// KeSetEvent's increment records the counter before the signaller's next statement changes it.
TEST(KeDispatch, SetEventWithIncrementSwitchesToTheBoostedWaiterInsideTheCall) {
  for (KPRIORITY increment : {1, 2, 7, 8}) {
    Simulator sim({.processors = 1});
    auto& event = sim.kernel().create_event("Event", false, false);
    auto& wait_event = sim.kernel().create_event("WaitEvent", false, false);
    int counter = 0;
    std::vector<int> seen;
    sim.spawn("Count", [&] {
      for (int i = 0; i < 20; ++i) {
        KeSetEvent(wait_event, 0, false);
        KeWaitForSingleObject(event, Executive, KernelMode, false, nullptr);
        seen.push_back(counter);
      }
    }, 8, 0);
    sim.spawn("Scheduler", [&] {
      for (int i = 1; i <= 20; ++i) {
        KeWaitForSingleObject(wait_event, Executive, KernelMode, false, nullptr);
        EXPECT_EQ(KeSetEvent(event, increment, false), 0);
        counter = i;  // not a kernel call: the boosted waiter must have run already
      }
    }, 8, 0);
    EXPECT_EQ(sim.run().outcome, Outcome::completed);
    ASSERT_EQ(seen.size(), 20u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(seen[i], i) << "increment " << increment;
  }
}

TEST(KeDispatch, ReleaseSemaphoreSwitchesToAHigherPriorityWaiterInsideTheCall) {
  Simulator sim({.processors = 1});
  auto& sem = sim.kernel().create_semaphore("S", 0, 1);
  bool woke = false;
  bool seen_inside = false;
  sim.spawn("High", [&] {
    KeWaitForSingleObject(sem, Executive, KernelMode, false, nullptr);
    woke = true;
  }, 12, 0);
  sim.spawn("Low", [&] {
    KeReleaseSemaphore(sem, 0, 1, false);
    seen_inside = woke;
  }, 8, 1000);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_TRUE(seen_inside);
}

TEST(KeDispatch, LowerIrqlBelowDispatchRunsTheDeferredReadyThreadInsideTheCall) {
  Simulator sim({.processors = 1});
  auto& ev = sim.kernel().create_event("E", true, false);
  bool woke = false;
  bool seen_inside = false;
  sim.spawn("High", [&] {
    KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
    woke = true;
  }, 12, 0);
  sim.spawn("Low", [&] {
    KeRaiseIrql(DISPATCH_LEVEL);
    KeSetEvent(ev, 0, false);  // High is readied but cannot preempt at DISPATCH_LEVEL
    const bool before = woke;
    KeLowerIrql(PASSIVE_LEVEL);
    seen_inside = !before && woke;
  }, 8, 1000);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_TRUE(seen_inside);
}

// ---- KeReleaseMutex: KiWaitTest before KeLeaveCriticalRegion --------------------------------

TEST(KeMutex, ReleaseGivesTheMutexToTheQueuedWaiterBeforeTheReleasersOwnApc) {
  Simulator sim({.processors = 2});
  auto& m = sim.kernel().create_mutex("M");
  static std::vector<std::string>* g_log;
  static KMUTANT* g_m;
  std::vector<std::string> log;
  g_log = &log;
  g_m = &m;
  KAPC apc;
  KTHREAD* owner = nullptr;
  owner = &sim.spawn("Owner", [&] {
    KeWaitForSingleObject(m, Executive, KernelMode, false, nullptr);
    // A normal APC to itself stays queued: owning a KMUTEX disables normal kernel APCs.
    KeInitializeApc(apc, *owner, ApcKind::Normal, nullptr, [](KAPC&) {
      KeWaitForSingleObject(*g_m, Executive, KernelMode, false, nullptr);
      g_log->push_back("apc owns M");
      KeReleaseMutex(*g_m, false);
    }, nullptr);
    KeInsertQueueApc(apc);
    KiRunOnCpu(10'000);  // the waiter queues on M meanwhile
    KeReleaseMutex(m, false);
  }, 8, 0);
  sim.spawn("Waiter", [&] {
    KeWaitForSingleObject(m, Executive, KernelMode, false, nullptr);
    log.push_back("waiter owns M");
    KiRunOnCpu(1'000);
    KeReleaseMutex(m, false);
  }, 8, 1'000);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(log, (std::vector<std::string>{"waiter owns M", "apc owns M"}));
}

// ---- KeRundownThread: every owned mutant ----------------------------------------------------

TEST(KeExit, HeldKmutexIsFoundWhateverTheAcquisitionOrder) {
  for (bool kmutex_first : {true, false}) {
    Simulator sim({.processors = 1});
    auto& mutex = sim.kernel().create_mutex("Mutex");
    auto& mutant = sim.kernel().create_mutex("Mutant");
    mutant.ApcDisable = 0;  // KeInitializeMutant: a mutant, abandoned at exit
    sim.spawn("T", [&] {
      DISPATCHER_HEADER* first = kmutex_first ? static_cast<DISPATCHER_HEADER*>(&mutex) : &mutant;
      DISPATCHER_HEADER* second = kmutex_first ? static_cast<DISPATCHER_HEADER*>(&mutant) : &mutex;
      KeWaitForSingleObject(*first, Executive, KernelMode, false, nullptr);
      KeWaitForSingleObject(*second, Executive, KernelMode, false, nullptr);
    });
    RunResult r = sim.run();
    ASSERT_EQ(r.outcome, Outcome::bugcheck) << "kmutex_first " << kmutex_first;
    EXPECT_EQ(r.bugcheck->code, 0x4000008Au) << "kmutex_first " << kmutex_first;
    EXPECT_EQ(r.bugcheck->params[1], mutex.address) << "kmutex_first " << kmutex_first;
  }
}

// ---- priority: decay and boundaries ----------------------------------------------------------

TEST(KePriority, WaitBoostDecaysOneLevelPerQuantumEndDownToBase) {
  Simulator sim({.processors = 1, .quantum = 1'000'000});
  auto& ev = sim.kernel().create_event("E", false, false);
  std::vector<int> priorities;
  KTHREAD* boosted = nullptr;
  boosted = &sim.spawn("Boosted", [&] {
    KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
    priorities.push_back(boosted->priority);  // 8 + increment 4
    KiRunOnCpu(2'500'000);                    // two quantum ends
    priorities.push_back(boosted->priority);
    KiRunOnCpu(10'000'000);                   // ten more: the decay stops at the base
    priorities.push_back(boosted->priority);
  }, 8, 0);
  sim.spawn("Setter", [&] { KeSetEvent(ev, 4, false); }, 8, 1'000);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(priorities, (std::vector<int>{12, 10, 8}));
}

TEST(KePriority, RealTimePriorityDoesNotDecay) {
  Simulator sim({.processors = 1, .quantum = 1'000'000});
  int after = -1;
  KTHREAD* t = nullptr;
  t = &sim.spawn("RealTime", [&] {
    KiRunOnCpu(5'000'000);
    after = t->priority;
  }, 20, 0);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(after, 20);
}

// A thread at the boundary priorities 0, 15, 16 and 31 is not preempted by a lower one when it
// lowers IRQL, and is preempted at once by a higher one it readies. At 31 the dispatcher used
// to shift by 32 (undefined): it preempted and re-dispatched the thread for nothing.
TEST(KePriority, BoundaryPrioritiesAreScheduledByPriorityOnly) {
  for (int p : {0, 15, 16, 31}) {
    Simulator sim({.processors = 1});
    auto& ev = sim.kernel().create_event("E", false, false);
    std::uint64_t switches_across_lower = ~0ull;
    bool higher_ran_inside = false;
    bool higher_ran = false;
    if (p < 31)
      sim.spawn("Higher", [&] {
        KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
        higher_ran = true;
      }, p + 1, 0);
    if (p > 0) sim.spawn("Lower", [] { KiRunOnCpu(1'000); }, p - 1, 0);
    sim.spawn("T", [&] {
      auto& engine = current_kernel().engine();
      KeRaiseIrql(DISPATCH_LEVEL);
      const std::uint64_t before = engine.context_switches();
      KeLowerIrql(PASSIVE_LEVEL);  // only a lower-priority thread is ready
      switches_across_lower = engine.context_switches() - before;
      if (p < 31) {
        KeSetEvent(ev, 0, false);
        higher_ran_inside = higher_ran;
      }
    }, p, 0);
    EXPECT_EQ(sim.run().outcome, Outcome::completed) << "priority " << p;
    EXPECT_EQ(switches_across_lower, 0u) << "priority " << p;
    if (p < 31) EXPECT_TRUE(higher_ran_inside) << "priority " << p;
  }
}

}  // namespace
}  // namespace kesim
