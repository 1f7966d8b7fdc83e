// Ex layer tests: fast mutexes with the exact Count values per version (kmtest ExFastMutex.c for
// xp/server2003; the guarded-mutex encoding on win10), IRQL and OldIrql, Try, hand-off, wait
// reasons, misuse (release without acquire, recursion), AutoBoost hooks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/ke/ke.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/ex/fmutex.hpp"
#include "sim/ke/ki.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;
using namespace kesim::ex;

void delay(Time ns) { KeDelayExecutionThread(KernelMode, false, ns); }

// Count, Owner (thread index, -1 none), Contention, OldIrql.
struct State {
  LONG count;
  int owner;
  std::uint32_t contention;
  KIRQL old_irql;
  bool operator==(const State&) const = default;
};
std::ostream& operator<<(std::ostream& os, const State& s) {
  return os << "{Count " << s.count << ", Owner " << s.owner << ", Contention " << s.contention
            << ", OldIrql " << int(s.old_irql) << "}";
}
State state_of(const FAST_MUTEX& m) {
  return {m.Count, m.Owner ? m.Owner->index : -1, m.Contention, m.OldIrql};
}

struct FakeTracker final : LockTracker {
  std::vector<std::string> log;
  void pre_acquire(KTHREAD& t, KOBJECT_BASE& l) override {
    log.push_back("pre " + t.name + " " + l.name + " " + irql_name(t.Irql));
  }
  void on_wait(KTHREAD& t, KOBJECT_BASE& l) override { log.push_back("wait " + t.name); }
  void post_acquire(KTHREAD& t, KOBJECT_BASE& l) override { log.push_back("post " + t.name); }
  void post_release(KTHREAD& t, KOBJECT_BASE& l) override {
    log.push_back("release " + t.name + " count " + std::to_string(static_cast<FAST_MUTEX&>(l).Count));
  }
  void on_exit(KTHREAD&) override {}
};

TEST(ExFastMutex, CreateAndInitialize) {
  Simulator sim;
  auto& m = create_fast_mutex(sim.kernel(), "F");
  EXPECT_EQ(m.type, KOBJECTS::FastMutexObject);
  EXPECT_EQ(state_of(m), (State{1, -1, 0, PASSIVE_LEVEL}));
  m.Count = 7;
  m.Contention = 3;
  m.OldIrql = 0x55;
  ExInitializeFastMutex(m);
  EXPECT_EQ(state_of(m), (State{1, -1, 0, 0x55}));  // OldIrql untouched (kmtest)
}

// kmtest TestFastMutex: IRQL, OldIrql, KeAreApcsDisabled, Try by the owner, per version.
TEST(ExFastMutex, AcquireRaisesToApcLevelAndTryByTheOwnerFails) {
  for (Version v : {Version::xp, Version::server2003, Version::win10})
    for (KIRQL start : {PASSIVE_LEVEL, APC_LEVEL}) {
      Simulator sim({.processors = 1, .version = v, .autoboost = false});
      auto& m = create_fast_mutex(sim.kernel(), "F");
      std::vector<State> states;
      std::vector<int> irqls;
      std::vector<bool> flags;
      sim.spawn("T", [&] {
        KeRaiseIrql(start);
        ExAcquireFastMutex(m);
        states.push_back(state_of(m));
        irqls.push_back(KeGetCurrentIrql());
        flags.push_back(KeAreApcsDisabled());
        flags.push_back(KeAreAllApcsDisabled());
        flags.push_back(ExTryToAcquireFastMutex(m));
        states.push_back(state_of(m));
        irqls.push_back(KeGetCurrentIrql());
        ExReleaseFastMutex(m);
        states.push_back(state_of(m));
        irqls.push_back(KeGetCurrentIrql());
        flags.push_back(ExTryToAcquireFastMutex(m));
        states.push_back(state_of(m));
        ExReleaseFastMutex(m);
        KeLowerIrql(PASSIVE_LEVEL);
      });
      ASSERT_EQ(sim.run().outcome, Outcome::completed);
      EXPECT_EQ(states, (std::vector<State>{{0, 0, 0, start}, {0, 0, 0, start}, {1, -1, 0, start},
                                            {0, 0, 0, start}}));
      EXPECT_EQ(irqls, (std::vector<int>{APC_LEVEL, APC_LEVEL, start}));
      EXPECT_EQ(flags, (std::vector<bool>{false, true, false, true}));
    }
}

// kmtest TestFastMutexConcurrent (xp/server2003): Count -n with n waiters, Contention per blocked
// acquirer, direct hand-off to the oldest waiter, wait reason WrExecutive.
TEST(ExFastMutex, LegacyCountGoesNegativeAndHandsOffInOrder) {
  for (Version v : {Version::xp, Version::server2003}) {
    Simulator sim({.processors = 4, .version = v});
    auto& m = create_fast_mutex(sim.kernel(), "F");
    KEVENT* in[4];
    for (int i = 0; i < 4; ++i) in[i] = &sim.kernel().create_event("In" + std::to_string(i), true, false);
    std::vector<State> s;
    bool tried = true;
    int try_irql = -1;
    std::pair<KTHREAD_STATE, KWAIT_REASON> waiting{};
    auto holder = [&](int i, KIRQL irql, bool unsafe) {
      return [&, i, irql, unsafe] {
        const KIRQL old = KeRaiseIrql(irql);
        unsafe ? ExAcquireFastMutexUnsafe(m) : ExAcquireFastMutex(m);
        KeWaitForSingleObject(*in[i], Executive, KernelMode, false, nullptr);
        unsafe ? ExReleaseFastMutexUnsafe(m) : ExReleaseFastMutex(m);
        KeLowerIrql(old);
      };
    };
    sim.spawn("T0", holder(0, PASSIVE_LEVEL, false));                   // index 0
    sim.spawn("Try", [&] {                                               // index 1
      tried = ExTryToAcquireFastMutex(m);
      try_irql = KeGetCurrentIrql();
    }, 8, 1000);
    sim.spawn("T2", holder(1, APC_LEVEL, false), 8, 2000);              // index 2
    sim.spawn("T3", holder(2, APC_LEVEL, true), 8, 4000);               // index 3 (Unsafe)
    sim.spawn("T4", holder(3, PASSIVE_LEVEL, false), 8, 5000);          // index 4
    sim.spawn("Ctl", [&] {                                               // index 5
      delay(500);
      s.push_back(state_of(m));   // T0 owns
      delay(1000);                // 1500: the Try failed
      s.push_back(state_of(m));
      delay(1000);                // 2500: T2 blocked
      s.push_back(state_of(m));
      const KTHREAD& t2 = *current_kernel().threads()[2];
      waiting = {KiThreadState(t2), t2.WaitReason};
      KeSetEvent(*in[0], 0, false);
      delay(500);                 // 3000: handed to T2
      s.push_back(state_of(m));
      delay(2500);                // 5500: T3 and T4 blocked
      s.push_back(state_of(m));
      KeSetEvent(*in[1], 0, false);
      delay(500);
      s.push_back(state_of(m));   // T3 (oldest) owns
      KeSetEvent(*in[2], 0, false);
      delay(500);
      s.push_back(state_of(m));   // T4 owns
      KeSetEvent(*in[3], 0, false);
      delay(500);
      s.push_back(state_of(m));
    });
    ASSERT_EQ(sim.run().outcome, Outcome::completed);
    EXPECT_FALSE(tried);
    EXPECT_EQ(try_irql, PASSIVE_LEVEL);
    EXPECT_EQ(waiting.first, KTHREAD_STATE::Waiting);
    EXPECT_EQ(waiting.second, WrExecutive);
    // The Unsafe acquire leaves OldIrql as the previous owner stored it.
    EXPECT_EQ(s, (std::vector<State>{{0, 0, 0, PASSIVE_LEVEL},
                                     {0, 0, 0, PASSIVE_LEVEL},
                                     {-1, 0, 1, PASSIVE_LEVEL},
                                     {0, 2, 1, APC_LEVEL},
                                     {-2, 2, 3, APC_LEVEL},
                                     {-1, 3, 3, APC_LEVEL},
                                     {0, 4, 3, PASSIVE_LEVEL},
                                     {1, -1, 3, PASSIVE_LEVEL}}));
  }
}

// win10: the guarded-mutex encoding (1 free, 0 held, +4 per waiter, WOKEN 2), WrFastMutex.
TEST(ExFastMutex, Win10UsesTheGuardedMutexCountEncoding) {
  Simulator sim({.processors = 3, .version = Version::win10, .autoboost = false});
  auto& m = create_fast_mutex(sim.kernel(), "F");
  auto& go = sim.kernel().create_event("Go", true, false);
  std::vector<LONG> counts;
  std::pair<KTHREAD_STATE, KWAIT_REASON> waiting{};
  std::vector<int> order;
  sim.spawn("Owner", [&] {
    ExAcquireFastMutex(m);
    order.push_back(0);
    counts.push_back(m.Count);
    KeWaitForSingleObject(go, Executive, KernelMode, false, nullptr);
    ExReleaseFastMutex(m);
  });
  for (int i = 1; i <= 2; ++i)
    sim.spawn("W" + std::to_string(i), [&, i] {
      ExAcquireFastMutex(m);
      order.push_back(i);
      counts.push_back(m.Count);
      ExReleaseFastMutex(m);
    }, 8, 1000 * i);
  sim.spawn("Ctl", [&] {
    delay(1500);
    counts.push_back(m.Count);  // one waiter
    const KTHREAD& w = *current_kernel().threads()[1];
    waiting = {KiThreadState(w), w.WaitReason};
    delay(1000);
    counts.push_back(m.Count);  // two waiters
    KeSetEvent(go, 0, false);
    delay(1000);
    counts.push_back(m.Count);
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  // held 0; 4; 8; W1 takes it with one waiter left: 4; W2 after W1's release: 0; free: 1.
  EXPECT_EQ(counts, (std::vector<LONG>{0, 4, 8, 4, 0, 1}));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(waiting.first, KTHREAD_STATE::Waiting);
  EXPECT_EQ(waiting.second, WrFastMutex);
  EXPECT_EQ(m.Contention, 2u);
}

// Free-build misuse (kmtest ExFastMutex.c): a release without an acquire.
TEST(ExFastMutex, ReleaseWithoutAcquire) {
  for (auto [v, expected] : {std::pair{Version::server2003, LONG{2}},
                             // win10: the guarded-mutex protocol, which turns 1 into 0 and
                             // signals (kmtest KeGuardedMutex.c asserts this for guarded mutexes).
                             std::pair{Version::win10, LONG{0}}}) {
    Simulator sim({.processors = 1, .version = v, .autoboost = false});
    auto& m = create_fast_mutex(sim.kernel(), "F");
    sim.spawn("T", [&] { ExReleaseFastMutexUnsafe(m); });
    ASSERT_EQ(sim.run().outcome, Outcome::completed);
    EXPECT_EQ(m.Count, expected);
    EXPECT_EQ(m.Owner, nullptr);
  }
}

TEST(ExFastMutex, AcquireThenUnsafeReleaseLeavesApcLevel) {
  Simulator sim({.processors = 1, .version = Version::server2003});
  auto& m = create_fast_mutex(sim.kernel(), "F");
  int irql = -1;
  sim.spawn("T", [&] {
    ExAcquireFastMutex(m);
    ExReleaseFastMutexUnsafe(m);
    irql = KeGetCurrentIrql();
    KeLowerIrql(PASSIVE_LEVEL);
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(irql, APC_LEVEL);
  EXPECT_EQ(m.Count, 1);
}

TEST(ExFastMutex, RecursiveAcquireIsADeadlockOnItself) {
  for (Version v : {Version::xp, Version::server2003, Version::win10}) {
    Simulator sim({.processors = 1, .version = v, .autoboost = false});
    auto& m = create_fast_mutex(sim.kernel(), "F");
    sim.spawn("T", [&] {
      ExAcquireFastMutex(m);
      ExAcquireFastMutex(m);
    });
    RunResult r = sim.run();
    ASSERT_EQ(r.outcome, Outcome::deadlock);
    ASSERT_EQ(r.cycle.size(), 1u);
    EXPECT_EQ(r.cycle[0].held_by, r.cycle[0].thread);
    EXPECT_EQ(r.cycle[0].waits_for, "F");
    EXPECT_EQ(m.Count, v == Version::win10 ? 4 : -1);
    EXPECT_EQ(m.Contention, 1u);
  }
}

TEST(ExFastMutex, Win10AutoBoostHooksSeeTheCallersIrql) {
  Simulator sim({.processors = 2, .version = Version::win10});
  FakeTracker tracker;
  sim.kernel().set_lock_tracker(&tracker);
  auto& m = create_fast_mutex(sim.kernel(), "F");
  sim.spawn("A", [&] {
    ExAcquireFastMutex(m);
    delay(2000);
    ExReleaseFastMutex(m);
  });
  sim.spawn("B", [&] {
    ExAcquireFastMutex(m);
    ExReleaseFastMutex(m);
    KeRaiseIrql(DISPATCH_LEVEL);
    if (ExTryToAcquireFastMutex(m)) ExReleaseFastMutex(m);
    KeLowerIrql(PASSIVE_LEVEL);
  }, 8, 1000);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(tracker.log, (std::vector<std::string>{
                             "pre A F PASSIVE_LEVEL", "post A", "pre B F PASSIVE_LEVEL", "wait B",
                             "release A count 4",  // checked before Count changes
                             "post B", "release B count 0", "pre B F DISPATCH_LEVEL", "post B",
                             "release B count 0"}));
}

}  // namespace
}  // namespace kesim
