// Ke layer tests through the public C++ API: dispatcher objects, waits, APCs, regions, IRQL
// rules, guarded mutexes, spin locks, exit checks. Each test runs a fresh simulator.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/ke/ke.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;

TEST(KeEvent, NotificationReleasesAllSynchronizationReleasesOne) {
  for (bool notification : {true, false}) {
    Simulator sim({.processors = 2});
    auto& ev = sim.kernel().create_event("E", notification, false);
    int woke = 0;
    for (int i = 0; i < 3; ++i)
      sim.spawn("W" + std::to_string(i), [&] {
        KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
        ++woke;
      });
    LONG prev = -1;
    sim.spawn("S", [&] { prev = KeSetEvent(ev, 0, false); }, 8, 1000);
    RunResult r = sim.run();
    EXPECT_EQ(prev, 0);
    if (notification) {
      EXPECT_EQ(r.outcome, Outcome::completed);
      EXPECT_EQ(woke, 3);
      EXPECT_EQ(ev.SignalState, 1);
    } else {
      EXPECT_EQ(r.outcome, Outcome::hang);
      EXPECT_EQ(woke, 1);
      EXPECT_EQ(ev.SignalState, 0);
      EXPECT_EQ(r.blocked.size(), 2u);
    }
  }
}

TEST(KeEvent, SetResetPulseReturnPreviousState) {
  Simulator sim;
  auto& ev = sim.kernel().create_event("E", true, false);
  std::vector<LONG> got;
  sim.spawn("T", [&] {
    got.push_back(KeSetEvent(ev, 0, false));
    got.push_back(KeSetEvent(ev, 0, false));
    got.push_back(KeResetEvent(ev));
    got.push_back(KePulseEvent(ev, 0, false));
    got.push_back(ev.SignalState);
  });
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(got, (std::vector<LONG>{0, 1, 1, 0, 0}));
}

TEST(KeWait, TimeoutPollAndWaitAnyIndex) {
  Simulator sim;
  auto& a = sim.kernel().create_event("A", true, false);
  auto& b = sim.kernel().create_event("B", true, true);
  std::vector<NTSTATUS> got;
  Time at = 0;
  sim.spawn("T", [&] {
    Time zero = 0, ms = 1'000'000;
    got.push_back(KeWaitForSingleObject(a, Executive, KernelMode, false, &zero));
    got.push_back(KeWaitForSingleObject(a, Executive, KernelMode, false, &ms));
    at = current_kernel().engine().now();
    DISPATCHER_HEADER* objs[] = {&a, &b};
    got.push_back(KeWaitForMultipleObjects(objs, WaitAny, Executive, KernelMode, false, nullptr));
  });
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(got, (std::vector<NTSTATUS>{STATUS_TIMEOUT, STATUS_TIMEOUT, 1}));
  EXPECT_EQ(at, 1'000'000);
}

TEST(KeWait, WaitAllIsAtomic) {
  Simulator sim;
  auto& s = sim.kernel().create_semaphore("S", 1, 10);
  auto& e = sim.kernel().create_event("E", false, false);
  NTSTATUS st = -1;
  sim.spawn("All", [&] {
    DISPATCHER_HEADER* objs[] = {&s, &e};
    st = KeWaitForMultipleObjects(objs, WaitAll, Executive, KernelMode, false, nullptr);
  });
  LONG sem_while_waiting = -1;
  sim.spawn("Setter", [&] {
    sem_while_waiting = s.SignalState;  // WaitAll consumed nothing yet
    KeSetEvent(e, 0, false);
  }, 8, 500);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(sem_while_waiting, 1);
  EXPECT_EQ(st, STATUS_SUCCESS);
  EXPECT_EQ(s.SignalState, 0);
  EXPECT_EQ(e.SignalState, 0);
}

TEST(KeSemaphore, LimitExceededRaisesAndBugchecksSystemThread) {
  Simulator sim;
  auto& s = sim.kernel().create_semaphore("S", 1, 1);
  sim.spawn("T", [&] { KeReleaseSemaphore(s, 0, 1, false); });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  EXPECT_EQ(r.bugcheck->code, 0x7Eu);
  EXPECT_EQ(r.bugcheck->params[0], 0xC0000047u);
  EXPECT_EQ(s.SignalState, 1);
}

TEST(KeMutex, RecursionOwnershipAndCriticalRegion) {
  Simulator sim;
  auto& m = sim.kernel().create_mutex("M");
  std::vector<LONG> got;
  sim.spawn("T", [&] {
    KTHREAD& t = *KeGetCurrentThread();
    KeWaitForSingleObject(m, Executive, KernelMode, false, nullptr);
    got.push_back(m.SignalState);
    got.push_back(t.KernelApcDisable);
    KeWaitForSingleObject(m, Executive, KernelMode, false, nullptr);
    got.push_back(m.SignalState);
    got.push_back(t.KernelApcDisable);
    got.push_back(KeReleaseMutex(m, false));
    got.push_back(KeReleaseMutex(m, false));
    got.push_back(m.SignalState);
    got.push_back(t.KernelApcDisable);
  });
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(got, (std::vector<LONG>{0, -1, -1, -1, -1, 0, 1, 0}));
}

TEST(KeMutex, ForeignReleaseRaisesMutantNotOwned) {
  Simulator sim;
  auto& m = sim.kernel().create_mutex("M");
  auto& held = sim.kernel().create_event("Held", true, false);
  sim.spawn("Owner", [&] {
    KeWaitForSingleObject(m, Executive, KernelMode, false, nullptr);
    KeSetEvent(held, 0, false);
    KiRunOnCpu(1'000'000);
  });
  sim.spawn("Thief", [&] {
    KeWaitForSingleObject(held, Executive, KernelMode, false, nullptr);
    KeReleaseMutex(m, false);
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  EXPECT_EQ(r.bugcheck->code, 0x7Eu);
  EXPECT_EQ(r.bugcheck->params[0], 0xC0000046u);
}

TEST(KeMutex, ExitOwningMutexBugchecks4000008A) {
  Simulator sim;
  auto& m = sim.kernel().create_mutex("M");
  auto& t = sim.spawn("T", [&] { KeWaitForSingleObject(m, Executive, KernelMode, false, nullptr); });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  EXPECT_EQ(r.bugcheck->code, 0x4000008Au);
  EXPECT_EQ(r.bugcheck->params[0], t.address);
  EXPECT_EQ(r.bugcheck->params[1], m.address);
}

TEST(KeMutex, AbbaDeadlockReportsTheCycle) {
  Simulator sim({.processors = 2});
  auto& a = sim.kernel().create_mutex("A");
  auto& b = sim.kernel().create_mutex("B");
  auto body = [&](KMUTANT& first, KMUTANT& second) {
    return [&] {
      KeWaitForSingleObject(first, Executive, KernelMode, false, nullptr);
      KiRunOnCpu(10'000);
      KeWaitForSingleObject(second, Executive, KernelMode, false, nullptr);
    };
  };
  sim.spawn("T1", body(a, b));
  sim.spawn("T2", body(b, a));
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::deadlock);
  ASSERT_EQ(r.cycle.size(), 2u);
  EXPECT_EQ(r.cycle[0].thread, 0);
  EXPECT_EQ(r.cycle[0].waits_for, "B");
  EXPECT_EQ(r.cycle[0].held_by, 1);
  EXPECT_EQ(r.cycle[1].waits_for, "A");
}

TEST(KeTimer, SynchronizationTimerWakesOneAndPeriodicRearms) {
  Simulator sim({.processors = 1});
  auto& tm = sim.kernel().create_timer("T", false);
  std::vector<Time> wakes;
  sim.spawn("W", [&] {
    KeSetTimer(tm, 1000, 500);
    for (int i = 0; i < 3; ++i) {
      KeWaitForSingleObject(tm, Executive, KernelMode, false, nullptr);
      wakes.push_back(current_kernel().engine().now());
    }
    EXPECT_TRUE(KeCancelTimer(tm));
  });
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(wakes, (std::vector<Time>{1000, 1500, 2000}));
}

TEST(KeApc, SpecialApcInterruptsPassiveWaitAndTheWaitResumes) {
  Simulator sim;
  auto& ev = sim.kernel().create_event("E", true, false);
  std::vector<std::string> log;
  KTHREAD* waiter = nullptr;
  waiter = &sim.spawn("Waiter", [&] {
    NTSTATUS s = KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
    log.push_back("wait returned " + status_name(s));
  });
  KAPC apc;
  static std::vector<std::string>* g_log;
  g_log = &log;
  sim.spawn("Queuer", [&] {
    KeInitializeApc(apc, *waiter, ApcKind::Special,
                    [](KAPC&) { g_log->push_back(std::string("apc at ") + irql_name(KeGetCurrentIrql())); },
                    nullptr, nullptr);
    KeInsertQueueApc(apc);
    KiRunOnCpu(100);
    KeSetEvent(ev, 0, false);
  }, 8, 1000);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(log, (std::vector<std::string>{"apc at APC_LEVEL", "wait returned STATUS_SUCCESS"}));
}

TEST(KeApc, GuardedRegionBlocksSpecialApcsAndTheWaitHangs) {
  Simulator sim;
  auto& ev = sim.kernel().create_event("IoDone", true, false);
  static KEVENT* g_ev;
  g_ev = &ev;
  KTHREAD* waiter = &sim.spawn("Waiter", [&] {
    KeEnterGuardedRegion();
    KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
    KeLeaveGuardedRegion();
  });
  KAPC apc;
  sim.spawn("Completer", [&] {
    // Like IopCompleteRequest: the special APC would set the event the waiter waits on.
    KeInitializeApc(apc, *waiter, ApcKind::Special, [](KAPC&) { KeSetEvent(*g_ev, 0, false); },
                    nullptr, nullptr);
    KeInsertQueueApc(apc);
  }, 8, 1000);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::hang);
  ASSERT_EQ(r.blocked.size(), 1u);
  EXPECT_NE(r.blocked[0].why.find("SpecialApcDisable -1"), std::string::npos) << r.blocked[0].why;
}

TEST(KeApc, NormalApcWaitsForCriticalRegionToEnd) {
  Simulator sim({.processors = 1});
  static std::vector<std::string>* g_log;
  std::vector<std::string> log;
  g_log = &log;
  KTHREAD* target = nullptr;
  target = &sim.spawn("Target", [&] {
    KeEnterCriticalRegion();
    KiRunOnCpu(10'000);
    log.push_back("leaving");
    KeLeaveCriticalRegion();
    log.push_back("left");
  });
  KAPC apc;
  sim.spawn("Queuer", [&] {
    KeInitializeApc(apc, *target, ApcKind::Normal, nullptr,
                    [](KAPC&) { g_log->push_back(std::string("normal at ") + irql_name(KeGetCurrentIrql())); },
                    nullptr);
    KeInsertQueueApc(apc);
  }, 9, 1000);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(log, (std::vector<std::string>{"leaving", "normal at PASSIVE_LEVEL", "left"}));
}

TEST(KeRegions, KeAreApcsDisabledDependsOnVersion) {
  for (auto [v, expected] : {std::pair{Version::xp, false}, std::pair{Version::server2003, true}}) {
    Simulator sim({.version = v});
    bool apcs = !expected, all = false;
    sim.spawn("T", [&] {
      KeEnterGuardedRegion();
      apcs = KeAreApcsDisabled();
      all = KeAreAllApcsDisabled();
      KeLeaveGuardedRegion();
    });
    EXPECT_EQ(sim.run().outcome, Outcome::completed);
    EXPECT_EQ(apcs, expected);
    EXPECT_TRUE(all);
  }
}

TEST(KeIrql, WaitAtDispatchLevelBugchecksAsVerifierDoes) {
  Simulator sim;
  auto& ev = sim.kernel().create_event("E", true, false);
  KTHREAD& t = sim.spawn("T", [&] {
    KeRaiseIrql(DISPATCH_LEVEL);
    KeWaitForSingleObject(ev, Executive, KernelMode, false, nullptr);
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  EXPECT_EQ(r.bugcheck->code, 0xC4u);
  EXPECT_EQ(r.bugcheck->params[0], 0x121u);
  // Microsoft's 0xC4 reference: Arg2 is the address of the IRQL value, Arg3 the object's
  // address, Arg4 the address of the timeout value (NULL here).
  EXPECT_EQ(r.bugcheck->params[1], t.stack_base + 0x5c00);
  EXPECT_EQ(r.bugcheck->params[2], ev.address);
  EXPECT_EQ(r.bugcheck->params[3], 0u);
}

TEST(KeIrql, WaitVerifierSubcodesPassAddressesOfIrqlAndTimeout) {
  struct Case {
    KIRQL irql;
    bool with_timeout;
    std::uint64_t subcode;
  };
  for (const Case c : {Case{DISPATCH_LEVEL, true, 0x122}, Case{3, false, 0x120},
                       Case{12, true, 0x120}}) {
    Simulator sim;
    auto& ev = sim.kernel().create_event("E", true, false);
    KTHREAD& t = sim.spawn("T", [&] {
      KeRaiseIrql(c.irql);
      const Time timeout = 1000;
      KeWaitForSingleObject(ev, Executive, KernelMode, false, c.with_timeout ? &timeout : nullptr);
    });
    RunResult r = sim.run();
    ASSERT_EQ(r.outcome, Outcome::bugcheck);
    EXPECT_EQ(r.bugcheck->code, 0xC4u);
    EXPECT_EQ(r.bugcheck->params[0], c.subcode);
    EXPECT_EQ(r.bugcheck->params[1], t.stack_base + 0x5c00) << "not the IRQL value itself";
    EXPECT_EQ(r.bugcheck->params[2], ev.address);
    EXPECT_EQ(r.bugcheck->params[3], c.with_timeout ? t.stack_base + 0x5c08 : 0u)
        << "not the timeout value itself";
  }
}

TEST(KeExit, UnbalancedCriticalRegionBugchecks0x20) {
  Simulator sim;
  sim.spawn("T", [] { KeEnterCriticalRegion(); });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  EXPECT_EQ(r.bugcheck->code, 0x20u);
  EXPECT_EQ(r.bugcheck->params[1], 0xFFFFu);
}

TEST(KeGuardedMutex, CountEncodingFollowsTheKmtestValues) {
  Simulator sim({.processors = 2, .version = Version::win10, .autoboost = false});
  auto& m = sim.kernel().create_guarded_mutex("G", KOBJECTS::GuardedMutexObject);
  std::vector<LONG> counts;
  sim.spawn("Owner", [&] {
    counts.push_back(m.Count);
    KeAcquireGuardedMutex(m);
    counts.push_back(m.Count);
    KiRunOnCpu(10'000);
    counts.push_back(m.Count);  // one waiter queued
    KeReleaseGuardedMutex(m);
  });
  sim.spawn("Waiter", [&] {
    KeAcquireGuardedMutex(m);
    KeReleaseGuardedMutex(m);
    counts.push_back(m.Count);
  }, 8, 1000);
  RunResult r = sim.run();
  EXPECT_EQ(r.outcome, Outcome::completed);
  EXPECT_EQ(counts, (std::vector<LONG>{1, 0, 4, 1}));
}

TEST(KeGuardedMutex, Server2003WaiterIsInGateWait) {
  Simulator sim({.version = Version::server2003});
  auto& m = sim.kernel().create_guarded_mutex("G", KOBJECTS::GuardedMutexObject);
  sim.spawn("Owner", [&] { KeAcquireGuardedMutex(m); KiRunOnCpu(10'000); });  // never releases
  sim.spawn("Waiter", [&] { KeAcquireGuardedMutex(m); }, 8, 1000);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);  // Owner exits in a guarded region
  ASSERT_EQ(r.blocked.size(), 1u);
  EXPECT_EQ(r.blocked[0].state, KTHREAD_STATE::GateWait);
  EXPECT_EQ(r.blocked[0].reason, WrGuardedMutex);
}

TEST(KeSpinLock, ContendedAcquireSpinsUntilRelease) {
  Simulator sim({.processors = 2});
  auto& l = sim.kernel().create_spin_lock("L");
  Time got = -1;
  sim.spawn("Holder", [&] {
    KIRQL old = KeAcquireSpinLock(l);
    KiRunOnCpu(5'000);
    KeReleaseSpinLock(l, old);
  });
  sim.spawn("Spinner", [&] {
    KIRQL old = KeAcquireSpinLock(l);
    got = current_kernel().engine().now();
    KeReleaseSpinLock(l, old);
  }, 8, 1000);
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(got, 5000);
}

TEST(KeSpinLock, RecursiveAcquireOnMpIsADeadlockOnItself) {
  Simulator sim({.processors = 2});
  auto& l = sim.kernel().create_spin_lock("L");
  sim.spawn("T", [&] { KeAcquireSpinLock(l); KeAcquireSpinLock(l); });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::deadlock);
  ASSERT_EQ(r.cycle.size(), 1u);
  EXPECT_EQ(r.cycle[0].held_by, r.cycle[0].thread);
}

TEST(KeDeterminism, SameSeedSameTraceHash) {
  auto hash = [](std::uint64_t seed) {
    Simulator sim({.processors = 2, .seed = seed});
    auto& m = sim.kernel().create_guarded_mutex("G", KOBJECTS::GuardedMutexObject);
    for (int i = 0; i < 4; ++i)
      sim.spawn("T" + std::to_string(i), [&] {
        for (int j = 0; j < 5; ++j) { KeAcquireGuardedMutex(m); KiRunOnCpu(100); KeReleaseGuardedMutex(m); }
      });
    return sim.run().trace_hash;
  };
  EXPECT_EQ(hash(3), hash(3));
  EXPECT_EQ(hash(0), hash(0));
  bool differs = false;
  for (std::uint64_t s = 1; s < 8 && !differs; ++s) differs = hash(s) != hash(0);
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace kesim
