// Ex layer tests: push locks bit for bit (the kmtest ExPushLock.c sequences with exact words,
// chains and wake order), barging, the Win11-style word, sleeping per version, self-deadlock,
// AutoBoost hooks and their ordering, nested wait blocks, randomized contention, determinism,
// and cache-aware push locks. Threads are ordered with start times and delays; operations take
// no virtual time.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/check/analysis.hpp"
#include "sim/ke/ke.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/ke/ki.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;
using namespace kesim::ex;

constexpr std::uint64_t kStack = 0xfffff6840d330000ull;
// The simulated address of thread `n`'s wait block at nesting depth `depth`.
std::uint64_t block_of(int n, int depth = 0) {
  return kStack + static_cast<std::uint64_t>(n) * 0x8000 + 0x5000 - depth * 0x60;
}

void delay(Time ns) { KeDelayExecutionThread(KernelMode, false, ns); }
Time now() { return current_kernel().engine().now(); }

// What a test needs of a chain: address, links, share count and flags, newest first.
struct Link {
  std::uint64_t address, next, last, previous;
  std::int32_t share_count;
  std::uint32_t flags;
  bool operator==(const Link&) const = default;
};
std::vector<Link> chain(const EX_PUSH_LOCK& p) {
  std::vector<Link> out;
  for (const WaitBlockView& b : wait_block_chain(current_kernel(), p))
    out.push_back({b.address, b.next, b.last, b.previous, b.share_count, b.flags});
  return out;
}
std::ostream& operator<<(std::ostream& os, const Link& l) {
  return os << std::hex << "{" << l.address << " next " << l.next << " last " << l.last
            << " prev " << l.previous << " sc " << std::dec << l.share_count << " fl "
            << l.flags << "}";
}

// Records every AutoBoost hook; optionally bugchecks 0x162 on a release by a non-holder.
struct FakeTracker final : LockTracker {
  std::vector<std::string> log;
  bool check_release = false;
  void pre_acquire(KTHREAD& t, KOBJECT_BASE& l) override { log.push_back("pre " + t.name + " " + l.name); }
  void on_wait(KTHREAD& t, KOBJECT_BASE& l) override { log.push_back("wait " + t.name + " " + l.name); }
  void post_acquire(KTHREAD& t, KOBJECT_BASE& l) override { log.push_back("post " + t.name + " " + l.name); }
  void post_release(KTHREAD& t, KOBJECT_BASE& l) override {
    std::string s = "release " + t.name + " " + l.name;
    if (l.type == KOBJECTS::PushLockObject)
      s += " word " + std::to_string(static_cast<EX_PUSH_LOCK&>(l).Value & 0xf);
    log.push_back(s);
    if (check_release && std::find(l.holders.begin(), l.holders.end(), &t) == l.holders.end())
      KeBugCheckEx(0x162, t.address, l.address, 0xffffffff, 0, "no lock entry");
  }
  void on_exit(KTHREAD&) override {}
};

// ---- uncontended words --------------------------------------------------------------------

TEST(ExPushLock, UncontendedWordsExclusiveSharedAndFourSharers) {
  for (bool generic : {false, true}) {
    Simulator sim({.processors = 1});
    auto& p = create_push_lock(sim.kernel(), "P");
    std::vector<std::uint64_t> v;
    sim.spawn("T", [&] {
      KeEnterCriticalRegion();
      ExAcquirePushLockExclusive(p);
      v.push_back(p.Value);
      generic ? ExReleasePushLock(p) : ExReleasePushLockExclusive(p);
      v.push_back(p.Value);
      for (int i = 0; i < 4; ++i) {
        ExAcquirePushLockShared(p);
        v.push_back(p.Value);
      }
      for (int i = 0; i < 4; ++i) {
        generic ? ExReleasePushLock(p) : ExReleasePushLockShared(p);
        v.push_back(p.Value);
      }
      KeLeaveCriticalRegion();
    });
    EXPECT_EQ(sim.run().outcome, Outcome::completed);
    EXPECT_EQ(v, (std::vector<std::uint64_t>{0x1, 0, 0x11, 0x21, 0x31, 0x41, 0x31, 0x21, 0x11, 0}))
        << (generic ? "generic" : "specific");
    EXPECT_TRUE(p.holders.empty());
  }
}

TEST(ExPushLock, ConvertSucceedsOnlyForTheSoleSharer) {
  Simulator sim({.processors = 1});
  auto& p = create_push_lock(sim.kernel(), "P");
  std::vector<std::uint64_t> v;
  std::vector<bool> got;
  sim.spawn("T", [&] {
    ExAcquirePushLockShared(p);
    got.push_back(ExTryConvertPushLockSharedToExclusive(p));
    v.push_back(p.Value);
    ExReleasePushLockExclusive(p);
    ExAcquirePushLockShared(p);
    ExAcquirePushLockShared(p);
    got.push_back(ExTryConvertPushLockSharedToExclusive(p));
    v.push_back(p.Value);
    ExReleasePushLockShared(p);
    ExReleasePushLockShared(p);
    v.push_back(p.Value);
    got.push_back(ExTryToAcquirePushLockExclusive(p));
    got.push_back(ExTryToAcquirePushLockExclusive(p));
    v.push_back(p.Value);
    ExReleasePushLockExclusive(p);
  });
  EXPECT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(got, (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ(v, (std::vector<std::uint64_t>{0x1, 0x21, 0, 0x1}));
}

// ---- kmtest TestPushLockWaiterSelection ---------------------------------------------------

class WaiterSelection : public ::testing::TestWithParam<Version> {};

TEST_P(WaiterSelection, OldestExclusiveWakesAloneThenBothSharersTogether) {
  const Version version = GetParam();
  Simulator sim({.processors = 2, .version = version});
  sim.kernel().engine().trace().set_keep_all(true);
  auto& p = create_push_lock(sim.kernel(), "P");
  KEVENT* release[3];
  for (int i = 0; i < 3; ++i) release[i] = &sim.kernel().create_event("R" + std::to_string(i), true, false);
  Time acquired[3] = {-1, -1, -1};
  auto waiter = [&](int i, bool exclusive) {
    return [&, i, exclusive] {
      KeEnterCriticalRegion();
      exclusive ? ExAcquirePushLockExclusive(p) : ExAcquirePushLockShared(p);
      acquired[i] = now();
      KeWaitForSingleObject(*release[i], Executive, KernelMode, false, nullptr);
      exclusive ? ExReleasePushLockExclusive(p) : ExReleasePushLockShared(p);
      KeLeaveCriticalRegion();
    };
  };
  std::vector<std::uint64_t> words;
  std::vector<std::vector<Link>> chains;
  std::vector<std::pair<KTHREAD_STATE, KWAIT_REASON>> states;
  std::vector<Time> acquired_at_4000;
  sim.spawn("Owner", [&] {
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(p);
    for (int i = 0; i < 3; ++i) {
      delay(1000 + (i == 0 ? 500 : 0));  // t = 1500, 2500, 3500: after each waiter queued
      words.push_back(p.Value);
      chains.push_back(chain(p));
    }
    for (int n = 1; n <= 3; ++n) {
      const KTHREAD& w = *current_kernel().threads()[n];
      states.emplace_back(KiThreadState(w), w.WaitReason);
    }
    ExReleasePushLockExclusive(p);
    KeLeaveCriticalRegion();
    delay(500);  // t = 4000: only X owns
    acquired_at_4000.assign(acquired, acquired + 3);
    words.push_back(p.Value);
    chains.push_back(chain(p));
    KeSetEvent(*release[0], 0, false);
    delay(500);  // both sharers own
    words.push_back(p.Value);
    KeSetEvent(*release[1], 0, false);
    KeSetEvent(*release[2], 0, false);
    delay(500);
    words.push_back(p.Value);
  });
  sim.spawn("X", waiter(0, true), 8, 1000);
  sim.spawn("S1", waiter(1, false), 8, 2000);
  sim.spawn("S2", waiter(2, false), 8, 3000);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::completed);

  const std::uint64_t x = block_of(1), s1 = block_of(2), s2 = block_of(3);
  EXPECT_EQ(words, (std::vector<std::uint64_t>{x | 3, s1 | 3, s2 | 3, s2 | 3, 0x21, 0}));
  // Sleeping waiters have cleared their own WAIT flag: exclusive 1, shared 0.
  EXPECT_EQ(chains[0], (std::vector<Link>{{x, 0, x, 0, 0, 1}}));
  EXPECT_EQ(chains[1], (std::vector<Link>{{s1, x, x, 0, 0, 0}, {x, 0, x, s1, 0, 1}}));
  EXPECT_EQ(chains[2], (std::vector<Link>{{s2, s1, x, 0, 0, 0}, {s1, x, x, s2, 0, 0}, {x, 0, x, s1, 0, 1}}));
  // X detached; the newest block now caches S1 as the oldest.
  EXPECT_EQ(chains[3], (std::vector<Link>{{s2, s1, s1, 0, 0, 0}, {s1, x, x, s2, 0, 0}}));
  const KTHREAD_STATE sleeping = version == Version::win10 ? KTHREAD_STATE::Waiting : KTHREAD_STATE::GateWait;
  for (auto [state, reason] : states) {
    EXPECT_EQ(state, sleeping);
    EXPECT_EQ(reason, WrPushLock);
  }
  EXPECT_EQ(acquired_at_4000[0], 3500);
  EXPECT_EQ(acquired_at_4000[1], -1);
  EXPECT_EQ(acquired_at_4000[2], -1);
  EXPECT_EQ(acquired[1], 4000);
  EXPECT_EQ(acquired[2], 4000);
  // Wake all: oldest (S1) first.
  std::vector<std::int32_t> unblocked;
  for (const engine::TraceRecord& rec : sim.kernel().engine().trace().all())
    if (rec.kind == engine::TraceKind::Unblock && rec.time == 4000 && rec.thread >= 2)
      unblocked.push_back(rec.thread);
  EXPECT_EQ(unblocked, (std::vector<std::int32_t>{2, 3}));
  EXPECT_TRUE(p.holders.empty());
}

INSTANTIATE_TEST_SUITE_P(Versions, WaiterSelection,
                         ::testing::Values(Version::xp, Version::server2003, Version::win10),
                         [](const auto& info) {
                           return info.param == Version::xp           ? "xp"
                                  : info.param == Version::server2003 ? "server2003"
                                                                      : "win10";
                         });

// ---- kmtest TestPushLockSharedOwnerDrain ----------------------------------------------------

class SharedOwnerDrain : public ::testing::TestWithParam<bool> {};

TEST_P(SharedOwnerDrain, ShareCountInOldestBlockThenExclusiveThenShared) {
  const bool generic = GetParam();
  Simulator sim({.processors = 2, .version = Version::server2003});
  auto& p = create_push_lock(sim.kernel(), "P");
  auto& rel_x = sim.kernel().create_event("RX", true, false);
  auto& rel_s = sim.kernel().create_event("RS", true, false);
  Time acq_x = -1, acq_s = -1;
  std::vector<std::uint64_t> words;
  std::vector<std::vector<Link>> chains;
  std::vector<Time> seen_x, seen_s;
  sim.spawn("Owner", [&] {
    KeEnterCriticalRegion();
    for (int i = 0; i < 3; ++i) ExAcquirePushLockShared(p);
    delay(1500);  // X queued
    words.push_back(p.Value);
    chains.push_back(chain(p));
    delay(1000);  // S queued behind X
    words.push_back(p.Value);
    chains.push_back(chain(p));
    for (int i = 0; i < 2; ++i) {
      generic ? ExReleasePushLock(p) : ExReleasePushLockShared(p);
      words.push_back(p.Value);
      chains.push_back(chain(p));
      seen_x.push_back(acq_x);
      seen_s.push_back(acq_s);
    }
    generic ? ExReleasePushLock(p) : ExReleasePushLockShared(p);
    KeLeaveCriticalRegion();
    delay(500);  // X owns, S still queued
    seen_x.push_back(acq_x);
    seen_s.push_back(acq_s);
    words.push_back(p.Value);
    chains.push_back(chain(p));
    KeSetEvent(rel_x, 0, false);
    delay(500);
    words.push_back(p.Value);
    KeSetEvent(rel_s, 0, false);
    delay(500);
    words.push_back(p.Value);
  });
  sim.spawn("X", [&] {
    ExAcquirePushLockExclusive(p);
    acq_x = now();
    KeWaitForSingleObject(rel_x, Executive, KernelMode, false, nullptr);
    generic ? ExReleasePushLock(p) : ExReleasePushLockExclusive(p);
  }, 8, 1000);
  sim.spawn("S", [&] {
    ExAcquirePushLockShared(p);
    acq_s = now();
    KeWaitForSingleObject(rel_s, Executive, KernelMode, false, nullptr);
    generic ? ExReleasePushLock(p) : ExReleasePushLockShared(p);
  }, 8, 2000);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  const std::uint64_t x = block_of(1), s = block_of(2);
  EXPECT_EQ(words, (std::vector<std::uint64_t>{x | 0xB, s | 0xB, s | 0xB, s | 0xB, s | 3, 0x11, 0}));
  EXPECT_EQ(chains[0], (std::vector<Link>{{x, 0, x, 0, 3, 1}}));
  EXPECT_EQ(chains[1], (std::vector<Link>{{s, x, x, 0, 0, 0}, {x, 0, x, s, 3, 1}}));
  EXPECT_EQ(chains[2].back().share_count, 2);
  EXPECT_EQ(chains[3].back().share_count, 1);
  EXPECT_EQ(chains[4], (std::vector<Link>{{s, x, s, 0, 0, 0}}));
  EXPECT_EQ(seen_x, (std::vector<Time>{-1, -1, 2500}));  // the last share woke X at once
  EXPECT_EQ(seen_s, (std::vector<Time>{-1, -1, -1}));
  EXPECT_EQ(acq_s, 3000);
}

INSTANTIATE_TEST_SUITE_P(ReleaseKinds, SharedOwnerDrain, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Generic" : "Specific"; });

// ---- barging, the Win11 word, per-version sleep ------------------------------------------------

TEST(ExPushLock, ReleaserBargesAheadOfTheWokenWaiter) {
  for (Version v : {Version::server2003, Version::win10}) {
    Simulator sim({.processors = 2, .version = v});
    auto& p = create_push_lock(sim.kernel(), "P");
    std::vector<std::string> order;
    std::vector<std::uint64_t> words;
    sim.spawn("A", [&] {
      ExAcquirePushLockExclusive(p);
      order.push_back("A");
      delay(2000);
      words.push_back(p.Value);  // X queued
      ExReleasePushLockExclusive(p);
      words.push_back(p.Value);  // sole waiter woken: word 0
      ExAcquirePushLockExclusive(p);  // before X runs: barging
      order.push_back("A");
      words.push_back(p.Value);
      delay(1000);  // X retried and queued again, same block address
      words.push_back(p.Value);
      ExReleasePushLockExclusive(p);
    });
    sim.spawn("X", [&] {
      ExAcquirePushLockExclusive(p);
      order.push_back("X");
      ExReleasePushLockExclusive(p);
    }, 8, 1000);
    ASSERT_EQ(sim.run().outcome, Outcome::completed);
    EXPECT_EQ(order, (std::vector<std::string>{"A", "A", "X"}));
    EXPECT_EQ(words, (std::vector<std::uint64_t>{block_of(1) | 3, 0, 1, block_of(1) | 3}));
    EXPECT_EQ(p.Value, 0u);
  }
}

// The S2 dump shows 0xfffff6840d33729f: a block address with all four flags, the state while a
// later waiter has linked in behind an exclusive waiter queued on several sharers (MultipleShared)
// and not yet optimized the list (Waking). Another CPU reading the word at that scheduling point
// sees it; the random strategy puts the reader there for some seeds.
TEST(ExPushLock, AllFourFlagsWhileALaterWaiterOptimizes) {
  int captured_runs = 0;
  for (std::uint64_t seed = 1; seed <= 32; ++seed) {
    Simulator sim({.processors = 2, .seed = seed});
    auto& p = create_push_lock(sim.kernel(), "P");
    auto& go = sim.kernel().create_event("Go", true, false);
    std::uint64_t captured = 0;
    sim.spawn("Holder", [&] {
      for (int i = 0; i < 3; ++i) ExAcquirePushLockShared(p);
      KeWaitForSingleObject(go, Executive, KernelMode, false, nullptr);
      for (int i = 0; i < 3; ++i) ExReleasePushLockShared(p);
    });
    sim.spawn("X", [&] { ExAcquirePushLockExclusive(p); ExReleasePushLockExclusive(p); }, 8, 100);
    sim.spawn("S", [&] { ExAcquirePushLockShared(p); ExReleasePushLockShared(p); }, 8, 200);
    sim.spawn("Reader", [&] {
      for (int i = 0; i < 2000 && captured == 0; ++i) {
        KiSchedulingPoint();
        if ((p.Value & 0xf) == 0xf) captured = p.Value;
      }
    }, 8, 200);
    sim.spawn("Go", [&] { KeSetEvent(go, 0, false); }, 8, 1000);
    ASSERT_EQ(sim.run().outcome, Outcome::completed) << "seed " << seed;
    EXPECT_EQ(p.Value, 0u);
    if (captured != 0) {
      EXPECT_EQ(captured, block_of(2) | 0xf) << "seed " << seed;
      ++captured_runs;
    }
  }
  EXPECT_GT(captured_runs, 0);
}

TEST(ExPushLock, WokenWaiterRunsAtLeastAtTheWakersPriority) {
  for (Version v : {Version::server2003, Version::win10}) {
    Simulator sim({.processors = 2, .version = v});
    auto& p = create_push_lock(sim.kernel(), "P");
    int low_priority_after_wake = -1;
    KTHREAD& low = sim.spawn("Low", [&] {
      ExAcquirePushLockExclusive(p);
      ExReleasePushLockExclusive(p);
    }, 4, 1000);
    sim.spawn("High", [&] {
      ExAcquirePushLockExclusive(p);
      delay(2000);
      ExReleasePushLockExclusive(p);
      low_priority_after_wake = low.priority;
    }, 12, 0);
    ASSERT_EQ(sim.run().outcome, Outcome::completed);
    EXPECT_EQ(low_priority_after_wake, 12);
  }
}

TEST(ExPushLock, DecodeShowsTheFieldsOfTheS2Word) {
  const PushLockFields f = decode_push_lock(0xfffff6840d33729full);
  EXPECT_EQ(f.Locked, 1u);
  EXPECT_EQ(f.Waiting, 1u);
  EXPECT_EQ(f.Waking, 1u);
  EXPECT_EQ(f.MultipleShared, 1u);
  EXPECT_EQ(f.Ptr, 0xfffff6840d337290ull);
  EXPECT_EQ(f.Shared, 0xfffff6840d33729full >> 4);
  const PushLockFields g = decode_push_lock(0x41);
  EXPECT_EQ(g.Locked, 1u);
  EXPECT_EQ(g.Waiting, 0u);
  EXPECT_EQ(g.Shared, 4u);
  EXPECT_EQ(g.Ptr, 0u);
}

// ---- misuse ------------------------------------------------------------------------------------

TEST(ExPushLock, ExclusiveReacquireIsADeadlockOnItself) {
  for (Version v : {Version::server2003, Version::win10}) {
    Simulator sim({.processors = 1, .version = v});
    auto& p = create_push_lock(sim.kernel(), "P");
    sim.spawn("T", [&] {
      ExAcquirePushLockExclusive(p);
      ExAcquirePushLockExclusive(p);
    });
    RunResult r = sim.run();
    ASSERT_EQ(r.outcome, Outcome::deadlock);
    ASSERT_EQ(r.cycle.size(), 1u);
    EXPECT_EQ(r.cycle[0].thread, 0);
    EXPECT_EQ(r.cycle[0].held_by, 0);
    EXPECT_EQ(r.cycle[0].waits_for, "P");
    ASSERT_EQ(r.blocked.size(), 1u);
    EXPECT_EQ(r.blocked[0].reason, WrPushLock);
    EXPECT_EQ(r.blocked[0].lock, p.index);
    EXPECT_EQ(p.Value, block_of(0) | 3);
  }
}

TEST(ExPushLock, SharedReacquireBehindAQueuedWriterDeadlocks) {
  Simulator sim({.processors = 2});
  auto& p = create_push_lock(sim.kernel(), "P");
  sim.spawn("T", [&] {
    ExAcquirePushLockShared(p);
    delay(2000);
    ExAcquirePushLockShared(p);  // a waiter is queued: this queues too
  });
  sim.spawn("W", [&] { ExAcquirePushLockExclusive(p); }, 8, 1000);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::deadlock);
  ASSERT_FALSE(r.cycle.empty());
  EXPECT_EQ(r.cycle[0].thread, 0);
  EXPECT_EQ(r.cycle[0].waits_for, "P");
  EXPECT_EQ(r.blocked.size(), 2u);
}

TEST(ExPushLock, ForeignReleaseWithAutoBoostBugchecksBeforeTheWordChanges) {
  Simulator sim({.processors = 2});
  FakeTracker tracker;
  tracker.check_release = true;
  sim.kernel().set_lock_tracker(&tracker);
  auto& p = create_push_lock(sim.kernel(), "P");
  auto& forever = sim.kernel().create_event("Forever", true, false);
  sim.spawn("Worker", [&] {
    ExAcquirePushLockExclusive(p);
    KeWaitForSingleObject(forever, Executive, KernelMode, false, nullptr);
  });
  for (int i = 0; i < 4; ++i)
    sim.spawn("W" + std::to_string(i), [&] { ExAcquirePushLockExclusive(p); }, 8, 1000 * (i + 1));
  sim.spawn("DriverEntry", [&] { ExReleasePushLockExclusive(p); }, 8, 10'000);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  EXPECT_EQ(r.bugcheck->code, 0x162u);
  EXPECT_EQ(r.bugcheck->params[1], p.address);
  EXPECT_EQ(p.Value, block_of(4) | 3);  // still locked, four waiters
  EXPECT_EQ(wait_block_chain(sim.kernel(), p).size(), 4u);
  int push_waiters = 0;
  for (const check::BlockedThread& b : r.blocked)
    if (b.reason == WrPushLock && b.state == KTHREAD_STATE::Waiting) ++push_waiters;
  EXPECT_EQ(push_waiters, 4);
}

TEST(ExPushLock, AutoBoostHooksInOrder) {
  Simulator sim({.processors = 2});
  FakeTracker tracker;
  sim.kernel().set_lock_tracker(&tracker);
  auto& p = create_push_lock(sim.kernel(), "P");
  sim.spawn("A", [&] {
    ExAcquirePushLockExclusive(p);
    delay(2000);
    ExReleasePushLockExclusive(p);
  });
  sim.spawn("B", [&] {
    ExAcquirePushLockShared(p);
    ExReleasePushLockShared(p);
  }, 8, 1000);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(tracker.log, (std::vector<std::string>{
                             "pre A P", "post A P", "pre B P", "wait B P",
                             "release A P word 3",  // checked before the word changes
                             "post B P", "release B P word 1"}));
}

// A special APC that blocks on a second push lock while its thread waits on a first one: the
// nested wait block sits 0x60 below the outer one on the thread's stack.
TEST(ExPushLock, ApcBlockingDuringAPushLockWaitNestsItsWaitBlock) {
  for (Version v : {Version::server2003, Version::win10}) {
    Simulator sim({.processors = 2, .version = v});
    auto& p1 = create_push_lock(sim.kernel(), "P1");
    auto& p2 = create_push_lock(sim.kernel(), "P2");
    static EX_PUSH_LOCK* g_p2;
    g_p2 = &p2;
    std::vector<std::uint64_t> words;
    std::vector<std::uint8_t> depths;
    KAPC apc;
    sim.spawn("A", [&] {
      ExAcquirePushLockExclusive(p1);
      delay(3000);
      words.push_back(p1.Value);
      words.push_back(p2.Value);
      depths.push_back(current_kernel().threads()[2]->ex_wait_depth);
      delay(7000);
      ExReleasePushLockExclusive(p1);
    });
    sim.spawn("B", [&] {
      ExAcquirePushLockExclusive(p2);
      delay(5000);
      ExReleasePushLockExclusive(p2);
    });
    KTHREAD& t = sim.spawn("T", [&] {
      ExAcquirePushLockExclusive(p1);  // no critical region: APCs reach the waiting thread
      ExReleasePushLockExclusive(p1);
    }, 8, 1000);
    sim.spawn("Q", [&] {
      KeInitializeApc(apc, t, ApcKind::Special, [](KAPC&) {
        ExAcquirePushLockExclusive(*g_p2);
        ExReleasePushLockExclusive(*g_p2);
      }, nullptr, nullptr);
      KeInsertQueueApc(apc);
    }, 8, 2000);
    ASSERT_EQ(sim.run().outcome, Outcome::completed);
    EXPECT_EQ(words, (std::vector<std::uint64_t>{block_of(2, 0) | 3, block_of(2, 1) | 3}));
    EXPECT_EQ(depths, (std::vector<std::uint8_t>{2}));
    EXPECT_EQ(p1.Value, 0u);
    EXPECT_EQ(p2.Value, 0u);
    EXPECT_EQ(t.ex_wait_depth, 0);
  }
}

// ---- randomized contention (kmtest TestPushLockContention) and determinism --------------------

struct ContentionResult {
  Outcome outcome;
  int violations = 0;
  int exclusive = 0, shared = 0;
  std::uint64_t word = 0;
  std::uint64_t hash = 0;
};

// `work` false: no virtual time inside the region, only scheduling points, so every interlocked
// step of one thread can interleave with every other's (the windows a black-box kmtest can only
// hope to hit).
ContentionResult run_contention(Version v, std::uint64_t seed, int processors, int iterations,
                                bool work = true) {
  Simulator sim({.processors = processors, .version = v, .seed = seed});
  auto& p = create_push_lock(sim.kernel(), "P");
  ContentionResult res;
  int readers = 0, writers = 0;
  for (int i = 0; i < 6; ++i) {
    const bool writer = i % 3 == 0;
    sim.spawn("T" + std::to_string(i), [&, i, writer] {
      for (int it = 0; it < iterations; ++it) {
        const bool generic = ((it + i) & 1) != 0;
        KeEnterCriticalRegion();
        if (writer) {
          ExAcquirePushLockExclusive(p);
          if (++writers != 1 || readers != 0) ++res.violations;
          ++res.exclusive;
          if (work) KiRunOnCpu(1 + it % 3); else KiSchedulingPoint();
          --writers;
          generic ? ExReleasePushLock(p) : ExReleasePushLockExclusive(p);
        } else {
          ExAcquirePushLockShared(p);
          if (writers != 0) ++res.violations;
          ++readers;
          ++res.shared;
          if (work) KiRunOnCpu(1 + it % 2); else KiSchedulingPoint();
          if (writers != 0) ++res.violations;
          --readers;
          generic ? ExReleasePushLock(p) : ExReleasePushLockShared(p);
        }
        KeLeaveCriticalRegion();
      }
    });
  }
  RunResult r = sim.run();
  res.outcome = r.outcome;
  res.word = p.Value;
  res.hash = r.trace_hash;
  return res;
}

TEST(ExPushLock, RandomizedContentionKeepsExclusionAndEndsAtZero) {
  for (Version v : {Version::server2003, Version::win10})
    for (std::uint64_t seed = 0; seed <= 12; ++seed) {
      ContentionResult res = run_contention(v, seed, seed % 2 ? 2 : 3, 150);
      ASSERT_EQ(res.outcome, Outcome::completed) << "seed " << seed;
      EXPECT_EQ(res.violations, 0) << "seed " << seed;
      EXPECT_EQ(res.exclusive, 2 * 150);
      EXPECT_EQ(res.shared, 4 * 150);
      EXPECT_EQ(res.word, 0u);
    }
}

TEST(ExPushLock, RandomizedFineGrainedInterleavingsKeepExclusion) {
  for (Version v : {Version::server2003, Version::win10})
    for (std::uint64_t seed = 1; seed <= 24; ++seed) {
      ContentionResult res = run_contention(v, seed, 2 + static_cast<int>(seed % 3), 100, false);
      ASSERT_EQ(res.outcome, Outcome::completed) << "seed " << seed;
      EXPECT_EQ(res.violations, 0) << "seed " << seed;
      EXPECT_EQ(res.exclusive, 2 * 100);
      EXPECT_EQ(res.shared, 4 * 100);
      EXPECT_EQ(res.word, 0u);
    }
}

TEST(ExPushLock, SameSeedSameTraceHash) {
  const ContentionResult a = run_contention(Version::win10, 7, 2, 60);
  const ContentionResult b = run_contention(Version::win10, 7, 2, 60);
  const ContentionResult c = run_contention(Version::win10, 8, 2, 60);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_NE(a.hash, c.hash);
}

// ---- cache-aware push locks ----------------------------------------------------------------------

TEST(ExCacheAwarePushLock, SharersTakeTheirCpuSlotAndExclusiveWaitsForBoth) {
  Simulator sim({.processors = 2});
  FakeTracker tracker;
  sim.kernel().set_lock_tracker(&tracker);
  auto& c = create_cache_aware_push_lock(sim.kernel(), "C");
  ASSERT_EQ(c.Locks.size(), 2u);
  EXPECT_EQ(c.type, KOBJECTS::CacheAwarePushLockObject);
  EXPECT_EQ(c.Locks[0]->name, "C[0]");
  EXPECT_EQ(c.Locks[1]->name, "C[1]");
  auto& go = sim.kernel().create_event("Go", true, false);
  EX_PUSH_LOCK* slots[2] = {};
  Time exclusive_at = -1;
  std::vector<std::uint64_t> words;
  std::int32_t w_waits_on = -2;
  for (int i = 0; i < 2; ++i)
    sim.spawn("R" + std::to_string(i), [&, i] {
      slots[i] = ExAcquireCacheAwarePushLockShared(c);
      KeWaitForSingleObject(go, Executive, KernelMode, false, nullptr);
      ExReleaseCacheAwarePushLockShared(c, slots[i]);
    }, 8, 0, std::uint64_t{1} << i);
  sim.spawn("W", [&] {
    ExAcquireCacheAwarePushLockExclusive(c);
    exclusive_at = now();
    words.push_back(c.Locks[0]->Value);
    words.push_back(c.Locks[1]->Value);
    ExReleaseCacheAwarePushLockExclusive(c);
  }, 8, 1000);
  sim.spawn("Check", [&] {
    words.push_back(c.Locks[0]->Value);
    words.push_back(c.Locks[1]->Value);
    w_waits_on = current_kernel().threads()[2]->waiting_on_lock;
    KeSetEvent(go, 0, false);
  }, 8, 2000);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(slots[0], c.Locks[0]);
  EXPECT_EQ(slots[1], c.Locks[1]);
  EXPECT_EQ(w_waits_on, c.index);  // reported on the aggregate
  EXPECT_EQ(exclusive_at, 2000);
  EXPECT_EQ(words, (std::vector<std::uint64_t>{block_of(2) | 3, 0x11, 1, 1}));
  EXPECT_EQ(c.Locks[0]->Value, 0u);
  EXPECT_EQ(c.Locks[1]->Value, 0u);
  EXPECT_TRUE(c.holders.empty());
  // AutoBoost sees the aggregate only, once per acquire.
  int pre_w = 0, wait_w = 0;
  for (const std::string& s : tracker.log) {
    if (s == "pre W C") ++pre_w;
    if (s == "wait W C") ++wait_w;
    EXPECT_EQ(s.find("C["), std::string::npos) << s;
  }
  EXPECT_EQ(pre_w, 1);
  EXPECT_GE(wait_w, 1);  // once per slot it had to wait for
}

TEST(ExCacheAwarePushLock, ExclusiveAfterSharedOnTheSameThreadDeadlocks) {
  Simulator sim({.processors = 2});
  auto& c = create_cache_aware_push_lock(sim.kernel(), "C");
  sim.spawn("T", [&] {
    ExAcquireCacheAwarePushLockShared(c);
    ExAcquireCacheAwarePushLockExclusive(c);
  }, 8, 0, 1);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::deadlock);
  ASSERT_EQ(r.cycle.size(), 1u);
  EXPECT_EQ(r.cycle[0].waits_for, "C");
}

}  // namespace
}  // namespace kesim
