// Ke/Ex routines added for the ReactOS kmtests (issue #6): KeReleaseMutant with Abandon, the
// raise-free and queued spin-lock routines, KeTestSpinLock, KeRaiseIrqlToDpcLevel, the unsafe
// guarded-mutex pair, the critical-region fast-mutex pair, and ExRaiseStatus caught by a handler
// frame. Each test checks the values the kmtest (or ReactOS source) names.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/ex/fmutex.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;

// ReactOS ke/mutex.c: Abandon sets the state to 1 and marks the mutant abandoned even when a
// non-owner calls; the next acquirer's wait returns STATUS_ABANDONED.
TEST(KeReleaseMutant, AbandonByANonOwnerFreesItAndTheNextWaitSaysAbandoned) {
  Simulator sim({.processors = 1});
  auto& m = sim.kernel().create_mutex("M");
  m.ApcDisable = 0;  // a mutant (KeInitializeMutant)
  LONG previous = 99;
  NTSTATUS next = STATUS_SUCCESS;
  sim.spawn("Owner", [&] {
    KeWaitForSingleObject(m, Executive, KernelMode, false, nullptr);
    KiRunOnCpu(1'000);
    Time t = 10'000'000;
    KeDelayExecutionThread(KernelMode, false, t);
  });
  sim.spawn("Abandoner", [&] { previous = KeReleaseMutant(m, 1, true, false); }, 8, 2'000);
  sim.spawn("Next", [&] { next = KeWaitForSingleObject(m, Executive, KernelMode, false, nullptr); }, 8, 3'000);
  RunResult r = sim.run();
  EXPECT_EQ(r.outcome, Outcome::completed);
  EXPECT_EQ(previous, 0);
  EXPECT_EQ(next, STATUS_ABANDONED);
}

TEST(KeReleaseMutant, WithoutAbandonANonOwnerRaisesAndAHandlerCatchesIt) {
  Simulator sim({.processors = 1});
  auto& m = sim.kernel().create_mutex("M");
  NTSTATUS caught = STATUS_SUCCESS;
  sim.spawn("T", [&] {
    KTHREAD& t = *KeGetCurrentThread();
    KiExceptionFrame frame{t.exception_frames,
                           [](const void*, NTSTATUS s) { return s == STATUS_MUTANT_NOT_OWNED; }, nullptr,
                           t.apc_depth};
    t.exception_frames = &frame;
    try {
      KeReleaseMutant(m, 1, false, false);
    } catch (const KiRaisedException& e) {
      caught = e.status;
    }
    t.exception_frames = frame.prev;
  });
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(caught, STATUS_MUTANT_NOT_OWNED);
  EXPECT_EQ(m.SignalState, 1);
}

TEST(ExRaiseStatus, AFilterThatDeclinesLeavesTheBugcheck0x7E) {
  Simulator sim({.processors = 1});
  auto& m = sim.kernel().create_mutex("M");
  sim.spawn("T", [&] {
    KTHREAD& t = *KeGetCurrentThread();
    KiExceptionFrame frame{t.exception_frames, [](const void*, NTSTATUS) { return false; }, nullptr,
                           t.apc_depth};
    t.exception_frames = &frame;
    KeReleaseMutex(m, false);
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  ASSERT_TRUE(r.bugcheck.has_value());
  EXPECT_EQ(r.bugcheck->code, 0x7Eu);
}

// kmtest KeSpinLock.c: on one CPU the free build never sets the word (KeTestSpinLock TRUE, a
// second try by the holder TRUE); on several CPUs the try fails and KeTestSpinLock sees the holder.
TEST(KeSpinLock, TryAtDpcLevelAndTestDependOnTheProcessorCount) {
  for (int cpus : {1, 2}) {
    Simulator sim({.processors = cpus});
    auto& l = sim.kernel().create_spin_lock("L");
    std::vector<bool> got;
    sim.spawn("T", [&] {
      KIRQL old = KeRaiseIrqlToDpcLevel();
      got.push_back(old == PASSIVE_LEVEL);
      got.push_back(KeTryToAcquireSpinLockAtDpcLevel(l));
      got.push_back(KeTestSpinLock(l));
      got.push_back(KeTryToAcquireSpinLockAtDpcLevel(l));
      KeReleaseSpinLockFromDpcLevel(l);
      got.push_back(KeTestSpinLock(l));
      got.push_back(KeGetCurrentIrql() == DISPATCH_LEVEL);
      KeLowerIrql(old);
    });
    EXPECT_EQ(sim.run().outcome, Outcome::completed) << cpus;
    if (cpus == 1) EXPECT_EQ(got, (std::vector<bool>{true, true, true, true, true, true}));
    else EXPECT_EQ(got, (std::vector<bool>{true, true, false, false, true, true}));
  }
}

// Queued spin locks are granted in request order: three waiters queued A, B, C get the lock in
// that order whatever their priorities.
TEST(KeSpinLock, InStackQueuedWaitersGetTheLockInRequestOrder) {
  Simulator sim({.processors = 4});
  auto& l = sim.kernel().create_spin_lock("L");
  std::vector<std::string> order;
  sim.spawn("Holder", [&] {
    KIRQL old = KeAcquireInStackQueuedSpinLock(l);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KiRunOnCpu(10'000);
    KeReleaseInStackQueuedSpinLock(l, old);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
  });
  int start = 1'000;
  for (const char* name : {"A", "B", "C"}) {
    const int priority = name[0] == 'C' ? 15 : 8;  // the latest and highest still waits its turn
    sim.spawn(name, [&, name] {
      KIRQL old = KeAcquireInStackQueuedSpinLock(l);
      order.push_back(name);
      KiRunOnCpu(100);
      KeReleaseInStackQueuedSpinLock(l, old);
    }, priority, start);
    start += 1'000;
  }
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(order, (std::vector<std::string>{"A", "B", "C"}));
}

// kmtest KeGuardedMutex.c: the unsafe pair leaves SpecialApcDisable alone; Count 1 -> 0 -> 1.
TEST(KeGuardedMutex, UnsafePairLeavesTheGuardedRegionAlone) {
  Simulator sim({.processors = 1, .version = Version::server2003});
  auto& m = sim.kernel().create_guarded_mutex("G", KOBJECTS::GuardedMutexObject);
  std::vector<int> got;
  sim.spawn("T", [&] {
    KTHREAD& t = *KeGetCurrentThread();
    KeAcquireGuardedMutexUnsafe(m);
    got.insert(got.end(), {m.Count, t.SpecialApcDisable, m.Owner == &t});
    KeReleaseGuardedMutexUnsafe(m);
    got.insert(got.end(), {m.Count, t.SpecialApcDisable, m.Owner == nullptr});
    KeAcquireGuardedMutex(m);  // mismatched: the safe acquire's region stays entered
    KeReleaseGuardedMutexUnsafe(m);
    got.push_back(t.SpecialApcDisable);
    KeLeaveGuardedRegion();
  });
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(got, (std::vector<int>{0, 0, 1, 1, 0, 1, -1}));
}

// ReactOS include/internal/ex.h: critical region first, then the unsafe acquire (IRQL unchanged).
TEST(ExFastMutex, CriticalRegionPairEntersAndLeavesTheRegion) {
  Simulator sim({.processors = 1, .version = Version::server2003});
  auto& m = ex::create_fast_mutex(sim.kernel(), "F");
  std::vector<int> got;
  sim.spawn("T", [&] {
    KTHREAD& t = *KeGetCurrentThread();
    ex::ExEnterCriticalRegionAndAcquireFastMutexUnsafe(m);
    got.insert(got.end(), {t.KernelApcDisable, m.Count, KeGetCurrentIrql(), m.Owner == &t});
    ex::ExReleaseFastMutexUnsafeAndLeaveCriticalRegion(m);
    got.insert(got.end(), {t.KernelApcDisable, m.Count, m.Owner == nullptr});
  });
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(got, (std::vector<int>{-1, 0, PASSIVE_LEVEL, 1, 0, 1, 1}));
}

}  // namespace
}  // namespace kesim
