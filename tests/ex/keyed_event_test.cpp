// Ex layer tests: keyed events (sim/ex/keyed_event.hpp) as WRK ex/keyedevent.c and ReactOS
// ex/keyedevt.c implement them — the rendezvous in both orders, one waiter per release, oldest
// first, keys that do not mix, timeouts that leave the queue, the odd key, and the race in which
// a partner matches a thread whose wait has just timed out.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/ex/keyed_event.hpp"
#include "sim/ke/ke.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;
using namespace kesim::ex;

void delay(Time ns) { KeDelayExecutionThread(KernelMode, false, ns); }
Time now() { return ke::current_kernel().engine().now(); }

TEST(KeyedEvent, WaiterFirstSleepsWithWrKeyedEventUntilTheRelease) {
  Simulator sim({.processors = 2});
  auto& k = create_keyed_event(sim.kernel(), "K");
  EXPECT_EQ(k.type, KOBJECTS::KeyedEventObject);
  NTSTATUS waited = -1, released = -1;
  Time woken_at = -1;
  ke::KTHREAD* waiter = nullptr;
  KWAIT_REASON reason_seen = 0;
  waiter = &sim.spawn("Waiter", [&] {
    waited = NtWaitForKeyedEvent(k, 0x10, false, nullptr);
    woken_at = now();
  });
  sim.spawn("Releaser", [&] {
    delay(1'000'000);
    reason_seen = waiter->WaitReason;
    EXPECT_EQ(k.WaitQueue.size(), 1u);
    released = NtReleaseKeyedEvent(k, 0x10, false, nullptr);
    EXPECT_TRUE(k.WaitQueue.empty());
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(waited, STATUS_SUCCESS);
  EXPECT_EQ(released, STATUS_SUCCESS);
  EXPECT_EQ(reason_seen, WrKeyedEvent);
  EXPECT_GE(woken_at, 1'000'000);
}

TEST(KeyedEvent, ReleaseWithoutWaiterBlocksUntilOneArrives) {
  Simulator sim({.processors = 2});
  auto& k = create_keyed_event(sim.kernel(), "K");
  Time released_at = -1;
  NTSTATUS waited = -1;
  sim.spawn("Releaser", [&] {
    EXPECT_EQ(NtReleaseKeyedEvent(k, 0x20, false, nullptr), STATUS_SUCCESS);
    released_at = now();
  });
  sim.spawn("Waiter", [&] {
    delay(2'000'000);
    EXPECT_EQ(k.WaitQueue.size(), 1u);  // the releaser, queued with key|1
    waited = NtWaitForKeyedEvent(k, 0x20, false, nullptr);
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(waited, STATUS_SUCCESS);
  EXPECT_GE(released_at, 2'000'000);  // the release was not stored: it waited for the waiter
}

TEST(KeyedEvent, OneReleaseWakesTheOldestWaiterOfItsKeyOnly) {
  Simulator sim({.processors = 1});
  auto& k = create_keyed_event(sim.kernel(), "K");
  std::vector<std::string> order;
  auto waiter = [&](std::string name, std::uint64_t key, Time start) {
    sim.spawn(name, [&, name, key, start] {
      delay(start);
      EXPECT_EQ(NtWaitForKeyedEvent(k, key, false, nullptr), STATUS_SUCCESS);
      order.push_back(name);
    });
  };
  waiter("A1", 0x10, 1'000);
  waiter("B", 0x20, 2'000);
  waiter("A2", 0x10, 3'000);
  sim.spawn("Releaser", [&] {
    delay(10'000);
    EXPECT_EQ(NtReleaseKeyedEvent(k, 0x10, false, nullptr), STATUS_SUCCESS);
    delay(10'000);
    EXPECT_EQ(order, std::vector<std::string>{"A1"});
    EXPECT_EQ(k.WaitQueue.size(), 2u);
    EXPECT_EQ(NtReleaseKeyedEvent(k, 0x20, false, nullptr), STATUS_SUCCESS);
    EXPECT_EQ(NtReleaseKeyedEvent(k, 0x10, false, nullptr), STATUS_SUCCESS);
  }, 4);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(order, (std::vector<std::string>{"A1", "B", "A2"}));
}

TEST(KeyedEvent, KeysDoNotMixAndTheHangNamesEachKey) {
  Simulator sim({.processors = 2});
  auto& k = create_keyed_event(sim.kernel(), "K");
  sim.spawn("Waiter", [&] { NtWaitForKeyedEvent(k, 0x10, false, nullptr); });
  sim.spawn("Releaser", [&] {
    delay(1'000);
    NtReleaseKeyedEvent(k, 0x20, false, nullptr);
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::hang);
  ASSERT_EQ(r.blocked.size(), 2u);
  for (const BlockedThread& b : r.blocked) {
    EXPECT_EQ(b.reason, WrKeyedEvent);
    EXPECT_EQ(b.waiting_on, "K");
  }
  EXPECT_NE(r.blocked[0].why.find("waits on key 0x10 of keyed event K"), std::string::npos) << r.blocked[0].why;
  EXPECT_NE(r.blocked[0].why.find("Releaser releases key 0x20"), std::string::npos) << r.blocked[0].why;
  EXPECT_NE(r.blocked[1].why.find("releases key 0x20 of keyed event K"), std::string::npos) << r.blocked[1].why;
  EXPECT_NE(r.blocked[1].why.find("no thread does"), std::string::npos) << r.blocked[1].why;
}

TEST(KeyedEvent, TimeoutReturnsStatusTimeoutAndLeavesTheQueue) {
  Simulator sim({.processors = 1});
  auto& k = create_keyed_event(sim.kernel(), "K");
  sim.spawn("T", [&] {
    const Time t = 1'000'000;
    EXPECT_EQ(NtWaitForKeyedEvent(k, 0x10, false, &t), STATUS_TIMEOUT);
    EXPECT_TRUE(k.WaitQueue.empty());
    EXPECT_EQ(NtReleaseKeyedEvent(k, 0x10, true, &t), STATUS_TIMEOUT);
    EXPECT_TRUE(k.WaitQueue.empty());
    // The release gave up: a waiter arriving now is not matched with it.
    EXPECT_EQ(NtWaitForKeyedEvent(k, 0x10, false, &t), STATUS_TIMEOUT);
    EXPECT_EQ(ke::current_kernel().current_thread()->KeyedWaitValue, 0u);  // restored
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
}

TEST(KeyedEvent, OddKeyIsInvalidParameter1) {
  Simulator sim({.processors = 1});
  auto& k = create_keyed_event(sim.kernel(), "K");
  sim.spawn("T", [&] {
    EXPECT_EQ(NtWaitForKeyedEvent(k, 0x11, false, nullptr), STATUS_INVALID_PARAMETER_1);
    EXPECT_EQ(NtReleaseKeyedEvent(k, 1, false, nullptr), STATUS_INVALID_PARAMETER_1);
    EXPECT_TRUE(k.WaitQueue.empty());
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
}

// WRK: a thread whose wait timed out but which a partner took off the queue before it ran again
// waits once more for that partner's wake, and still returns STATUS_TIMEOUT; the partner's
// release succeeded. The semaphore is left at 0, so the next wait is not satisfied by a stale wake.
TEST(KeyedEvent, PartnerMatchingATimedOutWaiterIsConsumedNotLost) {
  Simulator sim({.processors = 1});
  auto& k = create_keyed_event(sim.kernel(), "K");
  NTSTATUS waited = -1, released = -1, next = -1;
  ke::KTHREAD& w = sim.spawn("Waiter", [&] {
    const Time t = 1'000'000;
    waited = NtWaitForKeyedEvent(k, 0x10, false, &t);
    const Time again = 1'000'000;
    next = NtWaitForKeyedEvent(k, 0x10, false, &again);
  });
  sim.spawn("Releaser", [&] {
    delay(500'000);
    KiRunOnCpu(1'500'000);  // the waiter's timeout fires meanwhile, but it cannot run (lower priority)
    EXPECT_TRUE(w.KeyedWaitChain.linked());  // still queued: the release finds it
    released = NtReleaseKeyedEvent(k, 0x10, false, nullptr);
  }, 12);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(released, STATUS_SUCCESS);
  EXPECT_EQ(waited, STATUS_TIMEOUT);
  EXPECT_EQ(next, STATUS_TIMEOUT);  // the wake was consumed by the first call, not left over
  EXPECT_EQ(w.KeyedWaitSemaphore.SignalState, 0);
}

}  // namespace
}  // namespace kesim
