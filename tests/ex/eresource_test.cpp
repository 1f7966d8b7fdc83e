// Ex layer tests: ERESOURCE (sim/ex/eresource.hpp) as ReactOS ex/resource.c implements it —
// recursion, the owner table, shared/exclusive fairness, starve-exclusive and wait-for-exclusive,
// convert, the release that makes every shared waiter an owner, bugcheck 0xE3 and the
// shared-to-exclusive self-deadlock (SEMANTICS.md §12, kmtest ExResource.c).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/ex/eresource.hpp"
#include "sim/ke/ke.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;
using namespace kesim::ex;

void delay(Time ns) { KeDelayExecutionThread(KernelMode, false, ns); }

struct Counts {
  std::uint16_t flag, active_entries;
  std::uint32_t shared_waiters, exclusive_waiters;
  bool operator==(const Counts&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Counts& c) {
  return os << "{Flag 0x" << std::hex << c.flag << std::dec << ", ActiveEntries " << c.active_entries
            << ", SharedWaiters " << c.shared_waiters << ", ExclusiveWaiters " << c.exclusive_waiters << "}";
}
Counts counts(const ERESOURCE& r) {
  return {r.Flag, r.ActiveEntries, r.NumberOfSharedWaiters, r.NumberOfExclusiveWaiters};
}

TEST(ExResource, CreateIsInitializedAndWaitsShowAsTheResource) {
  Simulator sim;
  auto& r = create_resource(sim.kernel(), "R");
  EXPECT_EQ(r.type, KOBJECTS::ResourceObject);
  EXPECT_EQ(counts(r), (Counts{0, 0, 0, 0}));
  EXPECT_EQ(r.SharedWaiters.index, r.index);
  EXPECT_EQ(r.ExclusiveWaiters.index, r.index);
  EXPECT_EQ(r.SharedWaiters.Limit, 0x7fffffff);
  EXPECT_EQ(r.ExclusiveWaiters.type, KOBJECTS::EventSynchronizationObject);
}

TEST(ExResource, ExclusiveRecursionCountsOnTheOwnerEntry) {
  Simulator sim({.processors = 1});
  auto& r = create_resource(sim.kernel(), "R");
  std::vector<std::uint32_t> seen;
  bool exclusive = false;
  sim.spawn("T", [&] {
    KeEnterCriticalRegion();
    EXPECT_EQ(ExInitializeResourceLite(r), STATUS_SUCCESS);
    EXPECT_TRUE(ExAcquireResourceExclusiveLite(r, true));
    EXPECT_TRUE(ExAcquireResourceExclusiveLite(r, true));
    EXPECT_TRUE(ExTryToAcquireResourceExclusiveLite(r));
    EXPECT_TRUE(ExAcquireResourceSharedLite(r, true));  // shared by the exclusive owner: +1
    seen.push_back(ExIsResourceAcquiredSharedLite(r));
    exclusive = ExIsResourceAcquiredExclusiveLite(r);
    seen.push_back(static_cast<std::uint32_t>(r.holders.size()));
    for (int i = 0; i < 4; ++i) ExReleaseResourceLite(r);
    seen.push_back(ExIsResourceAcquiredSharedLite(r));
    KeLeaveCriticalRegion();
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{4, 4, 0}));
  EXPECT_TRUE(exclusive);
  EXPECT_EQ(counts(r), (Counts{0, 0, 0, 0}));
  EXPECT_EQ(r.ActiveCount, 0);
}

TEST(ExResource, SharersFillTheOwnerTableAndWaitFalseRefusesExclusive) {
  Simulator sim({.processors = 1});
  auto& r = create_resource(sim.kernel(), "R");
  std::vector<bool> results;
  for (int i = 0; i < 4; ++i)
    sim.spawn("S" + std::to_string(i), [&] {
      ExAcquireResourceSharedLite(r, true);
      delay(1000);
      ExReleaseResourceLite(r);
    });
  sim.spawn("X", [&] {
    delay(500);
    results.push_back(ExAcquireResourceExclusiveLite(r, false));
    results.push_back(ExTryToAcquireResourceExclusiveLite(r));
    results.push_back(ExIsResourceAcquiredSharedLite(r) == 0);
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(results, (std::vector<bool>{false, false, true}));
  EXPECT_GE(r.OwnerTable.size(), 3u);   // three sharers beyond OwnerEntry
  EXPECT_NE(r.owner_table_address, 0u);
  EXPECT_EQ(counts(r), (Counts{0, 0, 0, 0}));
}

// A shared request behind a queued exclusive waiter waits (no starvation of writers); the
// last sharer out hands the resource to the exclusive waiter, whose release then makes the
// shared waiter an owner.
TEST(ExResource, SharedWaitsBehindAnExclusiveWaiterWhichGetsItFirst) {
  Simulator sim({.processors = 2});
  auto& r = create_resource(sim.kernel(), "R");
  std::vector<std::string> order;
  Counts while_queued{};
  sim.spawn("S1", [&] {
    ExAcquireResourceSharedLite(r, true);
    delay(3000);
    while_queued = counts(r);
    order.push_back("S1 releases");
    ExReleaseResourceLite(r);
  });
  sim.spawn("X", [&] {
    delay(1000);
    ExAcquireResourceExclusiveLite(r, true);
    order.push_back("X owns");
    ExReleaseResourceLite(r);
  });
  sim.spawn("S2", [&] {
    delay(2000);
    ExAcquireResourceSharedLite(r, true);
    order.push_back("S2 owns");
    ExReleaseResourceLite(r);
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(order, (std::vector<std::string>{"S1 releases", "X owns", "S2 owns"}));
  EXPECT_EQ(while_queued, (Counts{0, 1, 1, 1}));
  EXPECT_EQ(r.ContentionCount, 2u);
}

TEST(ExResource, StarveExclusiveJoinsTheSharersDespiteAnExclusiveWaiter) {
  Simulator sim({.processors = 2});
  auto& r = create_resource(sim.kernel(), "R");
  std::vector<std::string> order;
  sim.spawn("S1", [&] {
    ExAcquireResourceSharedLite(r, true);
    delay(3000);
    order.push_back("S1 releases");
    ExReleaseResourceLite(r);
  });
  sim.spawn("X", [&] {
    delay(1000);
    ExAcquireResourceExclusiveLite(r, true);
    order.push_back("X owns");
    ExReleaseResourceLite(r);
  });
  sim.spawn("S2", [&] {
    delay(2000);
    EXPECT_FALSE(ExAcquireResourceSharedLite(r, false));  // the Lite form yields to X
    ExAcquireSharedStarveExclusive(r, true);
    order.push_back("S2 owns");
    ExReleaseResourceLite(r);
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(order, (std::vector<std::string>{"S2 owns", "S1 releases", "X owns"}));
}

// A sharer re-acquiring shared: SharedLite counts it even with an exclusive waiter queued;
// WaitForExclusive sleeps first (resource.c), so the sharer deadlocks with the waiter.
TEST(ExResource, WaitForExclusiveBySharerBehindExclusiveWaiterDeadlocks) {
  for (bool wait_for_exclusive : {false, true}) {
    Simulator sim({.processors = 2});
    auto& r = create_resource(sim.kernel(), "R");
    std::uint32_t count = 0;
    sim.spawn("S", [&] {
      ExAcquireResourceSharedLite(r, true);
      delay(2000);
      if (wait_for_exclusive) ExAcquireSharedWaitForExclusive(r, true);
      else ExAcquireResourceSharedLite(r, true);
      count = ExIsResourceAcquiredSharedLite(r);
      ExReleaseResourceLite(r);
      ExReleaseResourceLite(r);
    });
    sim.spawn("X", [&] {
      delay(1000);
      ExAcquireResourceExclusiveLite(r, true);
      ExReleaseResourceLite(r);
    });
    RunResult res = sim.run();
    if (!wait_for_exclusive) {
      EXPECT_EQ(res.outcome, Outcome::completed);
      EXPECT_EQ(count, 2u);
    } else {
      EXPECT_EQ(res.outcome, Outcome::deadlock);
      EXPECT_EQ(r.NumberOfSharedWaiters, 1u);
      EXPECT_EQ(r.NumberOfExclusiveWaiters, 1u);
    }
  }
}

TEST(ExResource, ExclusiveReleaseMakesEverySharedWaiterAnOwner) {
  Simulator sim({.processors = 1});
  auto& r = create_resource(sim.kernel(), "R");
  Counts after{};
  std::size_t holders = 0;
  sim.spawn("X", [&] {
    ExAcquireResourceExclusiveLite(r, true);
    delay(1000);
    ExReleaseResourceLite(r);
    after = counts(r);
  }, 9);
  for (int i = 0; i < 3; ++i)
    sim.spawn("S" + std::to_string(i), [&] {
      delay(100);
      ExAcquireResourceSharedLite(r, true);
      delay(1000);
      holders = std::max(holders, r.holders.size());
      ExReleaseResourceLite(r);
    });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(after, (Counts{0, 3, 0, 0}));  // all three owners at once, before any ran
  EXPECT_EQ(holders, 3u);
  EXPECT_EQ(r.ContentionCount, 3u);
}

TEST(ExResource, ConvertExclusiveToSharedAdmitsTheSharedWaiters) {
  Simulator sim({.processors = 1});
  auto& r = create_resource(sim.kernel(), "R");
  std::vector<std::string> order;
  sim.spawn("X", [&] {
    ExAcquireResourceExclusiveLite(r, true);
    delay(1000);
    ExConvertExclusiveToSharedLite(r);
    order.push_back(ExIsResourceAcquiredExclusiveLite(r) ? "X exclusive" : "X shared");
    delay(1000);
    order.push_back("X releases");
    ExReleaseResourceLite(r);
  });
  sim.spawn("S", [&] {
    delay(100);
    ExAcquireResourceSharedLite(r, true);
    order.push_back("S owns");
    ExReleaseResourceLite(r);
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(order, (std::vector<std::string>{"X shared", "S owns", "X releases"}));
}

TEST(ExResource, ReleaseByANonOwnerSharerBugchecks0xE3) {
  Simulator sim({.processors = 1});
  auto& r = create_resource(sim.kernel(), "R");
  std::uint64_t thread = 0;
  sim.spawn("A", [&] {
    ExAcquireResourceSharedLite(r, true);
    delay(1000);
  });
  sim.spawn("B", [&] {
    delay(100);
    thread = KeGetCurrentThread()->address;
    ExReleaseResourceLite(r);
  });
  RunResult res = sim.run();
  ASSERT_EQ(res.outcome, Outcome::bugcheck);
  EXPECT_EQ(res.bugcheck->code, 0xE3u);
  EXPECT_EQ(res.bugcheck->params, (std::array<std::uint64_t, 4>{r.address, thread, 0, 3}));
}

TEST(ExResource, DoubleReleaseBugchecks0xE3) {
  Simulator sim({.processors = 1});
  auto& r = create_resource(sim.kernel(), "R");
  sim.spawn("A", [&] {
    ExAcquireResourceExclusiveLite(r, true);
    ExReleaseResourceLite(r);
    ExReleaseResourceLite(r);
  });
  RunResult res = sim.run();
  ASSERT_EQ(res.outcome, Outcome::bugcheck);
  EXPECT_EQ(res.bugcheck->code, 0xE3u);
}

TEST(ExResource, SharedOwnerAskingForExclusiveDeadlocksOnItself) {
  Simulator sim({.processors = 1});
  auto& r = create_resource(sim.kernel(), "R");
  bool refused = false;
  sim.spawn("T", [&] {
    ExAcquireResourceSharedLite(r, true);
    refused = !ExAcquireResourceExclusiveLite(r, false);
    ExAcquireResourceExclusiveLite(r, true);
  });
  RunResult res = sim.run();
  EXPECT_TRUE(refused);
  ASSERT_EQ(res.outcome, Outcome::deadlock);
  ASSERT_EQ(res.cycle.size(), 1u);
  EXPECT_EQ(res.cycle[0].held_by, res.cycle[0].thread);
  EXPECT_EQ(res.cycle[0].waits_for, "R");
  EXPECT_EQ(r.NumberOfExclusiveWaiters, 1u);
  ASSERT_EQ(res.blocked.size(), 1u);
  EXPECT_EQ(res.blocked[0].reason, WrResource);
}

// Resources and mutexes in one cycle: the wait-for graph follows both.
TEST(ExResource, DeadlockWithAGuardedMutexIsOneCycle) {
  Simulator sim({.processors = 2});
  auto& r = create_resource(sim.kernel(), "R");
  auto& g = sim.create_guarded_mutex("G");
  sim.spawn("A", [&] {
    ExAcquireResourceExclusiveLite(r, true);
    delay(1000);
    KeAcquireGuardedMutex(g);
  });
  sim.spawn("B", [&] {
    KeAcquireGuardedMutex(g);
    delay(1000);
    ExAcquireResourceSharedLite(r, true);
  });
  RunResult res = sim.run();
  ASSERT_EQ(res.outcome, Outcome::deadlock);
  EXPECT_EQ(res.cycle.size(), 2u);
  const std::string locks = sim.view("!locks");
  EXPECT_NE(locks.find("NumberOfSharedWaiters = 1"), std::string::npos) << locks;
  EXPECT_NE(locks.find("Contention Count = 1"), std::string::npos) << locks;
}

}  // namespace
}  // namespace kesim
