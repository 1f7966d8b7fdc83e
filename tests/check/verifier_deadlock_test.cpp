// Driver Verifier's Deadlock Detection (sim/check/verifier_deadlock.cpp): each scenario of
// scenarios/verifier/deadlock_*.yaml with machine.verifier on bugchecks 0xC4 with the subcode
// and the parameters of Microsoft's 0xC4 reference (Arg2..Arg4 compared with the simulated
// addresses of the objects and threads the scenario names); with the switch off, the same
// scenario behaves as a free build. Plus the checks the scenarios do not reach: a longer
// loop, the recursive KMUTEX, the kinds Verifier does not watch.
#include <gtest/gtest.h>

#include "sim/check/catalog.hpp"
#include "tests/check/scenario_runner.hpp"

namespace kesim {
namespace {

void expect_c4(const Ran& r, std::uint64_t subcode, std::uint64_t p2, std::uint64_t p3, std::uint64_t p4) {
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  ASSERT_TRUE(r.bugcheck);
  EXPECT_EQ(r.bugcheck->code, 0xC4u);
  EXPECT_EQ(r.bugcheck->params[0], subcode) << r.note;
  EXPECT_EQ(r.bugcheck->params[1], p2) << r.note;
  EXPECT_EQ(r.bugcheck->params[2], p3) << r.note;
  EXPECT_EQ(r.bugcheck->params[3], p4) << r.note;
}

// ---- each scenario, switch on: the reference's parameters ------------------------------------

TEST(VerifierDeadlock, SelfDeadlockOnAFastMutexIs0x1000WithTheMutex) {
  const Ran r = run_file("scenarios/verifier/deadlock_self_0x1000.yaml", true);
  expect_c4(r, 0x1000, r.address.at("F"), 0, 0);
}

TEST(VerifierDeadlock, OppositeOrdersThatNeverMetAre0x1001AtTheClosingAcquire) {
  const Ran r = run_file("scenarios/verifier/deadlock_hierarchy_0x1001.yaml", true);
  expect_c4(r, 0x1001, r.address.at("A"), 0, 0);  // Second takes A while holding B
  EXPECT_EQ(r.count("lock_order"), 1);
}

TEST(VerifierDeadlock, ReleaseByAnotherThreadIs0x1004WithBothThreads) {
  const Ran r = run_file("scenarios/verifier/deadlock_wrong_thread_0x1004.yaml", true);
  expect_c4(r, 0x1004, r.address.at("M"), r.address.at("Owner"), r.address.at("Intruder"));
}

TEST(VerifierDeadlock, ReleaseOfAnUnacquiredSpinLockIs0x1007) {
  const Ran r = run_file("scenarios/verifier/deadlock_unacquired_0x1007.yaml", true);
  expect_c4(r, 0x1007, r.address.at("L"), 0, 0);
}

TEST(VerifierDeadlock, ThreadExitOwningASpinLockIs0x100AWithTheThread) {
  const Ran r = run_file("scenarios/verifier/deadlock_thread_owns_lock_0x100A.yaml", true);
  expect_c4(r, 0x100A, r.address.at("Leaker"), 0, 0);
}

// ---- the same scenarios, switch off: a free build --------------------------------------------

TEST(VerifierDeadlock, OffTheSelfDeadlockIsADeadlock) {
  EXPECT_EQ(run_file("scenarios/verifier/deadlock_self_0x1000.yaml", false).outcome, Outcome::deadlock);
}

TEST(VerifierDeadlock, OffTheInversionCompletesWithALockOrderFinding) {
  const Ran r = run_file("scenarios/verifier/deadlock_hierarchy_0x1001.yaml", false);
  EXPECT_EQ(r.outcome, Outcome::completed);
  EXPECT_EQ(r.count("lock_order"), 1);
}

TEST(VerifierDeadlock, OffTheForeignMutexReleaseRaisesAs0x7E) {
  const Ran r = run_file("scenarios/verifier/deadlock_wrong_thread_0x1004.yaml", false);
  ASSERT_TRUE(r.bugcheck);
  EXPECT_EQ(r.bugcheck->code, 0x7Eu);
}

TEST(VerifierDeadlock, OffTheUnacquiredReleaseIsOnlyAFinding) {
  const Ran r = run_file("scenarios/verifier/deadlock_unacquired_0x1007.yaml", false);
  EXPECT_EQ(r.outcome, Outcome::completed);
  EXPECT_EQ(r.count("foreign_release"), 1);
}

TEST(VerifierDeadlock, OffTheLeakedSpinLockCompletes) {
  EXPECT_EQ(run_file("scenarios/verifier/deadlock_thread_owns_lock_0x100A.yaml", false).outcome,
            Outcome::completed);
}

// ---- beyond the scenarios ---------------------------------------------------------------------

// A -> B, B -> C, then C -> A: no pair is taken in both orders, but the graph has a loop.
TEST(VerifierDeadlock, ThreeLockLoopIs0x1001) {
  const char* yaml = R"(name: three-loop
machine: {processors: 2}
objects: {A: {type: mutex}, B: {type: mutex}, C: {type: mutex}}
threads:
  - name: T1
    steps: [{KeWaitForSingleObject: A}, {KeWaitForSingleObject: B}, {KeReleaseMutex: B}, {KeReleaseMutex: A}]
  - name: T2
    start: 1ms
    steps: [{KeWaitForSingleObject: B}, {KeWaitForSingleObject: C}, {KeReleaseMutex: C}, {KeReleaseMutex: B}]
  - name: T3
    start: 2ms
    steps: [{KeWaitForSingleObject: C}, {KeWaitForSingleObject: A}, {KeReleaseMutex: A}, {KeReleaseMutex: C}]
)";
  const Ran on = run_text(yaml, true);
  expect_c4(on, 0x1001, on.address.at("A"), 0, 0);
  EXPECT_EQ(run_text(yaml, false).outcome, Outcome::completed);
}

// A KMUTEX is recursive: taking it again is no self-deadlock, with Verifier or without.
TEST(VerifierDeadlock, RecursiveKmutexIsNoViolation) {
  const char* yaml = R"(name: recursive-kmutex
machine: {processors: 2}
objects: {M: {type: mutex}}
threads:
  - name: T
    steps: [{KeWaitForSingleObject: M}, {KeWaitForSingleObject: M}, {KeReleaseMutex: M}, {KeReleaseMutex: M}]
)";
  EXPECT_EQ(run_text(yaml, true).outcome, Outcome::completed);
}

// Deadlock Detection does not watch push locks (nor ERESOURCEs): their inversion stays a
// lock_order finding with the switch on.
TEST(VerifierDeadlock, PushLockInversionIsOnlyAFinding) {
  const char* yaml = R"(name: push-lock-abba
machine: {processors: 2}
objects: {A: {type: push_lock}, B: {type: push_lock}}
threads:
  - name: T1
    steps: [KeEnterCriticalRegion, {ExAcquirePushLockExclusive: A}, {ExAcquirePushLockExclusive: B},
            {ExReleasePushLockExclusive: B}, {ExReleasePushLockExclusive: A}, KeLeaveCriticalRegion]
  - name: T2
    start: 1ms
    steps: [KeEnterCriticalRegion, {ExAcquirePushLockExclusive: B}, {ExAcquirePushLockExclusive: A},
            {ExReleasePushLockExclusive: A}, {ExReleasePushLockExclusive: B}, KeLeaveCriticalRegion]
)";
  const Ran r = run_text(yaml, true);
  EXPECT_EQ(r.outcome, Outcome::completed) << r.note;
  EXPECT_EQ(r.count("lock_order"), 1);
}

// Two spin locks taken in opposite orders by two threads that spin on each other: Verifier
// stops the machine at the attempt that closes the loop, before the threads deadlock.
TEST(VerifierDeadlock, RealSpinLockDeadlockIsCaughtAtTheAttempt) {
  const char* yaml = R"(name: spin-abba
machine: {processors: 2}
objects: {A: {type: spin_lock}, B: {type: spin_lock}}
threads:
  - name: T1
    steps: [{KeAcquireSpinLock: A}, {work: 100us}, {KeAcquireSpinLock: B}, {KeReleaseSpinLock: B}, {KeReleaseSpinLock: A}]
  - name: T2
    steps: [{KeAcquireSpinLock: B}, {work: 100us}, {KeAcquireSpinLock: A}, {KeReleaseSpinLock: A}, {KeReleaseSpinLock: B}]
)";
  EXPECT_EQ(run_text(yaml, false).outcome, Outcome::deadlock);
  const Ran on = run_text(yaml, true);
  ASSERT_TRUE(on.bugcheck);
  EXPECT_EQ(on.bugcheck->params[0], 0x1001u);
  const bool a_or_b = on.bugcheck->params[1] == on.address.at("A") || on.bugcheck->params[1] == on.address.at("B");
  EXPECT_TRUE(a_or_b);
}

// The catalogue describes each subcode kesim raises, with the reference's parameters.
TEST(VerifierDeadlock, CatalogueDescribesTheSubcodes) {
  for (std::uint32_t sub : {0x1000u, 0x1001u, 0x1004u, 0x1007u, 0x100Au, 0x100Bu})
    EXPECT_NE(check::find_verifier_subcode(sub), nullptr) << std::hex << sub;
  EXPECT_STREQ(check::bugcheck_param_meaning(0xC4, 2, 0x1004), "Address of the thread that acquired the resource");
  EXPECT_STREQ(check::bugcheck_param_meaning(0xC4, 3, 0x1004), "Address of the current thread");
  EXPECT_STREQ(check::bugcheck_param_meaning(0xC4, 1, 0x1001),
               "Address of the resource that was the final cause of the deadlock");
}

}  // namespace
}  // namespace kesim
