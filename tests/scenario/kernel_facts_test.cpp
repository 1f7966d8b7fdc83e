// The kernel-test facts of issue #6 end to end: the assert keys (contention, old_irql,
// priority, waiter_list, share_count, wait_chain), initial state (signal_state, owner), the
// try/except step, and the routines added for the ReactOS kmtests. Each test checks a fact that
// holds and, where the key could be a no-op, that a wrong expectation fails with the actual value.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim/run/run.hpp"

namespace fs = std::filesystem;

namespace {

kesim::run::Result run_yaml(const std::string& name, const std::string& yaml) {
  const fs::path p = fs::temp_directory_path() / ("kesim_facts_" + name + ".yaml");
  std::ofstream(p) << yaml;
  return kesim::run::run_file(p.string(), {});
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Two threads blocked on a fast mutex (win10: Count 1 free, 0 held, +4 per waiter): Contention
// counts each contended acquire, the event's wait list is in arrival order, OldIrql is the
// owner's IRQL before the raise.
constexpr const char* kMutexWaiters = R"(name: facts-mutex
machine: {processors: 1}
objects:
  F: {type: fast_mutex}
threads:
  - name: Owner
    priority: 8
    steps:
      - ExAcquireFastMutex: F
      - assert: {object: F, contention: 0, old_irql: PASSIVE_LEVEL, priority: 8}
      - KeDelayExecutionThread: 1ms
      - assert: {object: F, contention: 2, waiter_list: [A, B], count: 8}
      - ExReleaseFastMutex: F
  - name: A
    start: 100us
    steps: [{ExAcquireFastMutex: F}, {ExReleaseFastMutex: F}]
  - name: B
    start: 200us
    steps: [{ExAcquireFastMutex: F}, {ExReleaseFastMutex: F}]
expect: {outcome: completed}
)";

TEST(KernelFacts, FastMutexContentionWaiterListAndOldIrql) {
  const auto r = run_yaml("mutex", kMutexWaiters);
  EXPECT_EQ(r.outcome, "completed") << r.diagnostics << r.text;
}

TEST(KernelFacts, WrongWaiterOrderFailsWithTheActualList) {
  std::string yaml = kMutexWaiters;
  yaml.replace(yaml.find("waiter_list: [A, B]"), 19, "waiter_list: [B, A]");
  const auto r = run_yaml("mutex_wrong", yaml);
  EXPECT_EQ(r.outcome, "assertion_failed") << r.diagnostics;
  EXPECT_TRUE(has(r.text, "waiter_list: expected [B, A], got [A, B]")) << r.text;
}

TEST(KernelFacts, WrongContentionAndOldIrqlFail) {
  std::string yaml = kMutexWaiters;
  yaml.replace(yaml.find("contention: 0, old_irql: PASSIVE_LEVEL"), 38, "contention: 1, old_irql: APC_LEVEL");
  const auto r = run_yaml("contention_wrong", yaml);
  EXPECT_EQ(r.outcome, "assertion_failed") << r.diagnostics;
  EXPECT_TRUE(has(r.text, "contention: expected 1, got 0")) << r.text;
  EXPECT_TRUE(has(r.text, "old_irql: expected APC_LEVEL, got PASSIVE_LEVEL")) << r.text;
}

// Two sharers, then an exclusive and a shared waiter: the share count moves into the oldest
// wait block (MultipleShared), and !pushlock lists the blocks newest first: S then X.
constexpr const char* kPushLockChain = R"(name: facts-pushlock
machine: {processors: 1}
objects:
  P: {type: push_lock}
threads:
  - name: S1
    steps:
      - KeEnterCriticalRegion
      - ExAcquirePushLockShared: P
      - KeDelayExecutionThread: 1ms
      - assert: {object: P, share_count: 2, wait_chain: [S, X], MultipleShared: 1}
      - ExReleasePushLockShared: P
      - KeLeaveCriticalRegion
  - name: S2
    start: 10us
    steps:
      - KeEnterCriticalRegion
      - ExAcquirePushLockShared: P
      - assert: {object: P, share_count: 2, Shared: 2}
      - KeDelayExecutionThread: 2ms
      - ExReleasePushLockShared: P
      - KeLeaveCriticalRegion
  - name: X
    start: 100us
    steps: [KeEnterCriticalRegion, {ExAcquirePushLockExclusive: P}, {ExReleasePushLockExclusive: P}, KeLeaveCriticalRegion]
  - name: S3
    start: 200us
    steps: [KeEnterCriticalRegion, {ExAcquirePushLockShared: P}, {ExReleasePushLockShared: P}, KeLeaveCriticalRegion]
expect: {outcome: completed}
)";

TEST(KernelFacts, PushLockShareCountAndWaitChain) {
  const auto r = run_yaml("pushlock", kPushLockChain);
  EXPECT_EQ(r.outcome, "completed") << r.diagnostics << r.text;
}

TEST(KernelFacts, WrongWaitChainFails) {
  std::string yaml = kPushLockChain;
  yaml.replace(yaml.find("wait_chain: [S, X]"), 18, "wait_chain: [X, S]");
  const auto r = run_yaml("chain_wrong", yaml);
  EXPECT_EQ(r.outcome, "assertion_failed") << r.diagnostics;
  EXPECT_TRUE(has(r.text, "wait_chain: expected [X, S], got [S, X]")) << r.text;
}

// KeReleaseMutex by a non-owner raises STATUS_MUTANT_NOT_OWNED: caught by try/except, the
// thread goes on and the mutex is unchanged; not caught, the machine stops with 0x7E.
constexpr const char* kTry = R"(name: facts-try
objects:
  M: {type: mutex, kind: mutant, owner: Owner, signal_state: 0}
threads:
  - name: Owner
    steps:
      - assert: {object: M, owner: Owner, signal_state: 0, KernelApcDisable: 0}
      - KeDelayExecutionThread: 1ms
      - KeReleaseMutex: M
      - assert: {object: M, owner: none, signal_state: 1, result: 0}
  - name: Other
    steps:
      - try:
          - KeReleaseMutex: M
          - log: not reached
        except: STATUS_MUTANT_NOT_OWNED
      - assert: {last_status: STATUS_MUTANT_NOT_OWNED, object: M, owner: Owner, signal_state: 0}
expect: {outcome: completed}
)";

TEST(KernelFacts, TryExceptCatchesARaisedStatusAndGoesOn) {
  const auto r = run_yaml("try", kTry);
  EXPECT_EQ(r.outcome, "completed") << r.diagnostics << r.text;
  EXPECT_FALSE(has(r.text, "not reached")) << r.text;
}

TEST(KernelFacts, AStatusTheExceptDoesNotNameStill0x7E) {
  std::string yaml = kTry;
  yaml.replace(yaml.find("except: STATUS_MUTANT_NOT_OWNED"), 31, "except: STATUS_ABANDONED      ");
  const auto r = run_yaml("try_other", yaml);
  EXPECT_EQ(r.outcome, "bugcheck") << r.diagnostics << r.text;
  EXPECT_TRUE(has(r.text, "0x7E") || has(r.text, "0x7e")) << r.text;
}

// Nested handlers: an inner except that does not name the status lets it reach the outer one
// (the rest of both bodies is skipped); a list names several statuses or codes; a thread that
// terminates inside a try body leaves no handler behind.
TEST(KernelFacts, NestedTryListsAndTerminationInsideATry) {
  const auto r = run_yaml("nested", R"(name: facts-nested
objects:
  M: {type: mutex}
  S: {type: semaphore, count: 0, limit: 1}
threads:
  - name: T
    steps:
      - try:
          - repeat:
              count: 2
              as: i
              steps:
                - try:
                    - KeReleaseMutex: M
                  except: STATUS_SEMAPHORE_LIMIT_EXCEEDED
                - log: inner not reached ${i}
          - log: outer not reached
        except: STATUS_MUTANT_NOT_OWNED
      - assert: {last_status: STATUS_MUTANT_NOT_OWNED, object: M, signal_state: 1}
      - try:
          - KeReleaseSemaphore: {semaphore: S, adjustment: 2}
        except: [STATUS_MUTANT_NOT_OWNED, 0xC0000047]
      - assert: {last_status: STATUS_SEMAPHORE_LIMIT_EXCEEDED, object: S, count: 0}
      - try: [PsTerminateSystemThread]
        except: STATUS_ABANDONED
      - log: after termination
expect: {outcome: completed}
)");
  EXPECT_EQ(r.outcome, "completed") << r.diagnostics << r.text;
  EXPECT_FALSE(has(r.text, "not reached")) << r.text;
  EXPECT_FALSE(has(r.text, "after termination")) << r.text;
}

TEST(KernelFacts, InitialStateErrorsAreReportedAtTheirKey) {
  const auto r = run_yaml("initial_bad", R"(name: bad
objects:
  M: {type: mutex, owner: T}
  N: {type: mutex, kind: mutant, signal_state: 0}
  E: {type: event, signaled: true, signal_state: 0}
  S: {type: semaphore, count: 1, signal_state: 2, limit: 4}
  Q: {type: mutex, kind: mutant, owner: Later, signal_state: 0}
threads:
  - name: T
    steps: [{try: [{KeReleaseMutex: M}], except: STATUS_NOPE}]
  - name: Later
    start: manual
)");
  EXPECT_EQ(r.exit_code, 2);
  const std::string& d = r.diagnostics;
  EXPECT_TRUE(has(d, ":3:27: error: mutex 'M': only a mutant ('kind: mutant') can have an owner")) << d;
  EXPECT_TRUE(has(d, ":4:48: error: mutex 'N': an unowned mutex starts signaled")) << d;
  EXPECT_TRUE(has(d, ":5:50: error: event 'E': 'signal_state: 0' contradicts 'signaled: true'")) << d;
  EXPECT_TRUE(has(d, ":6:48: error: semaphore 'S': 'signal_state: 2' contradicts 'count: 1'")) << d;
  EXPECT_TRUE(has(d, ":7:41: error: mutant 'Q': owner 'Later' is started by PsCreateSystemThread")) << d;
}

// In-stack queued spin locks are granted in request order; on several CPUs a plain try by
// another thread fails while the lock is held, and KeTestSpinLock says FALSE.
TEST(KernelFacts, QueuedSpinLockIsFifoAndTestSpinLockSeesTheHolder) {
  const auto r = run_yaml("queued", R"(name: facts-queued
machine: {processors: 4}
variables:
  Order: 0
objects:
  L: {type: spin_lock}
threads:
  - name: Holder
    steps:
      - KeAcquireInStackQueuedSpinLock: L
      - assert: {irql: DISPATCH_LEVEL}
      - work: 300us
      - KeReleaseInStackQueuedSpinLock: L
      - assert: {irql: PASSIVE_LEVEL}
  - name: First
    start: 50us
    steps:
      - KeTestSpinLock: L
      - assert: {last_status: FALSE}
      - KeRaiseIrqlToDpcLevel
      - assert: {result: 0, irql: DISPATCH_LEVEL}
      - KeTryToAcquireSpinLockAtDpcLevel: L
      - assert: {last_status: FALSE}
      - KeLowerIrql: PASSIVE_LEVEL
      - KeAcquireInStackQueuedSpinLock: L
      - InterlockedCompareExchange: {target: Order, exchange: 1, comparand: 0}
      - KeReleaseInStackQueuedSpinLock: L
  - name: Second
    start: 100us
    steps:
      - KeAcquireInStackQueuedSpinLock: L
      - InterlockedCompareExchange: {target: Order, exchange: 2, comparand: 1, as: seen}
      - assert: {local: seen, value: 1}
      - KeReleaseInStackQueuedSpinLock: L
expect: {outcome: completed}
)");
  EXPECT_EQ(r.outcome, "completed") << r.diagnostics << r.text;
}

}  // namespace
