// The apc_context finding (sim/check/apc_context.cpp): a lock taken inside a kernel APC routine
// and, elsewhere, held with that kind of APC deliverable is reported even when the schedule did
// not deadlock; which acquisitions are exposed follows the APC-disabling rules (critical region:
// normal kernel APCs; guarded region and APC_LEVEL: all of them), so a guarded or fast mutex is
// never exposed and a KMUTEX only to special kernel APCs.
#include <gtest/gtest.h>

#include "tests/check/scenario_runner.hpp"

namespace kesim {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ApcContext, PushLockTakenInANormalApcAndOutsideACriticalRegionIsReported) {
  const Ran r = run_file("scenarios/findings/apc_context_push_lock.yaml", false);
  EXPECT_EQ(r.outcome, Outcome::completed);
  ASSERT_EQ(r.count("apc_context"), 1);
  std::string message;
  for (const check::Finding& f : r.messages)
    if (f.kind == "apc_context") message = f.message;
  // Both steps, file:line: the APC routine's acquire (line 15) and the Worker's (line 20).
  EXPECT_TRUE(has(message, "Worker takes L inside a normal kernel APC (")) << message;
  EXPECT_TRUE(has(message, "apc_context_push_lock.yaml:15: ExAcquirePushLockExclusive)")) << message;
  EXPECT_TRUE(has(message, "Worker holds it with normal kernel APCs enabled")) << message;
  EXPECT_TRUE(has(message, "apc_context_push_lock.yaml:20: ExAcquirePushLockExclusive)")) << message;
}

// When the schedule is the bad one, the APC blocks on the lock its own thread holds: the
// attempt counts as taken inside the APC, so the deadlock comes with the finding that explains it.
TEST(ApcContext, TheDeadlockItPredictsIsReportedToo) {
  const Ran r = run_file("scenarios/basics/apc_inside_push_lock_release_deadlocks.yaml", false);
  EXPECT_EQ(r.outcome, Outcome::deadlock);
  EXPECT_EQ(r.count("apc_context"), 1);
}

TEST(ApcContext, TheCriticalRegionTwinIsNotReported) {
  const Ran r = run_file("scenarios/findings/apc_context_critical_region.yaml", false);
  EXPECT_EQ(r.outcome, Outcome::completed);
  EXPECT_EQ(r.count("apc_context"), 0);
}

// Under Driver Verifier the same pattern is stopped earlier, at the push lock taken with normal
// kernel APCs enabled (0xC4/0xEA, sim/ke/verifier.cpp): the first acquire outside a critical region.
TEST(ApcContext, UnderVerifierThePushLockRuleStopsTheRunFirst) {
  const Ran r = run_file("scenarios/findings/apc_context_push_lock.yaml", true);
  EXPECT_EQ(r.outcome, Outcome::bugcheck);
  ASSERT_TRUE(r.bugcheck.has_value());
  EXPECT_EQ(r.bugcheck->code, 0xC4u);
  EXPECT_EQ(r.bugcheck->params[0], 0xEAu);
}

// The APC comes first this time, and the exposed acquire afterwards: the order does not matter.
// A special kernel APC takes a KMUTEX; the owner takes it at PASSIVE_LEVEL (its acquire enters a
// critical region, which does not stop special kernel APCs).
constexpr const char* kSpecialKmutex = R"(name: special-kmutex
machine: {processors: 2}
objects: {M: {type: mutex}, Go: {type: event, kind: notification}}
routines:
  Touch: [{KeWaitForSingleObject: M}, {KeReleaseMutex: M}]
threads:
  - name: Worker
    steps: [{KeWaitForSingleObject: Go}, {KeWaitForSingleObject: M}, {KeReleaseMutex: M}]
  - name: Other
    start: 100us
    steps: [{KeInsertQueueApc: {thread: Worker, kind: special, routine: Touch}}, {work: 100us}, {KeSetEvent: Go}]
)";

TEST(ApcContext, KmutexInASpecialApcIsExposedBecauseItsCriticalRegionLetsThemIn) {
  const Ran r = run_text(kSpecialKmutex, false);
  EXPECT_EQ(r.outcome, Outcome::completed);
  ASSERT_EQ(r.count("apc_context"), 1);
  EXPECT_TRUE(has(r.messages.back().message, "inside a special kernel APC")) << r.messages.back().message;
  EXPECT_TRUE(has(r.messages.back().message, "the mutex being recursive")) << r.messages.back().message;
}

// The same with a normal kernel APC: a KMUTEX is held inside a critical region, so a normal
// kernel APC can never run on its holder.
TEST(ApcContext, KmutexInANormalApcIsNotExposed) {
  std::string yaml = kSpecialKmutex;
  yaml.replace(yaml.find("kind: special"), 13, "kind: normal");
  EXPECT_EQ(run_text(yaml, false).count("apc_context"), 0);
}

// A guarded mutex enters a guarded region and a fast mutex raises to APC_LEVEL: no kernel APC
// of either kind can run on the holder, whatever the APC routine takes.
TEST(ApcContext, GuardedAndFastMutexesAreNeverExposed) {
  for (const char* kind : {"guarded_mutex", "fast_mutex"}) {
    const std::string acquire = std::string(kind) == "guarded_mutex" ? "KeAcquireGuardedMutex" : "ExAcquireFastMutex";
    const std::string release = std::string(kind) == "guarded_mutex" ? "KeReleaseGuardedMutex" : "ExReleaseFastMutex";
    for (const char* apc : {"special", "normal"}) {
      const std::string yaml = "name: never-exposed\nmachine: {processors: 2}\nobjects: {G: {type: " +
                               std::string(kind) + "}, Go: {type: event, kind: notification}}\n"
                               "routines:\n  Touch: [{" + acquire + ": G}, {" + release + ": G}]\n"
                               "threads:\n  - name: Worker\n    steps: [{KeWaitForSingleObject: Go}, {" +
                               acquire + ": G}, {" + release + ": G}]\n  - name: Other\n    start: 100us\n"
                               "    steps: [{KeInsertQueueApc: {thread: Worker, kind: " + apc +
                               ", routine: Touch}}, {work: 100us}, {KeSetEvent: Go}]\n";
      const Ran r = run_text(yaml, false);
      EXPECT_EQ(r.outcome, Outcome::completed) << kind << " " << apc;
      EXPECT_EQ(r.count("apc_context"), 0) << kind << " " << apc;
    }
  }
}

// An ERESOURCE taken outside a critical region by one thread, and inside a normal kernel APC on
// another: the finding is about the lock, whichever threads the two acquisitions ran on.
TEST(ApcContext, ResourceAcrossTwoThreadsIsReported) {
  const char* yaml = R"(name: resource-two-threads
machine: {processors: 2}
objects: {R: {type: resource}, Go: {type: event, kind: notification}}
routines:
  Touch: [{ExAcquireResourceExclusiveLite: R}, {ExReleaseResourceLite: R}]
threads:
  - name: Reader
    steps: [{ExAcquireResourceSharedLite: R}, {ExReleaseResourceLite: R}]
  - name: Sleeper
    steps: [{KeWaitForSingleObject: Go}]
  - name: Other
    start: 100us
    steps: [{KeInsertQueueApc: {thread: Sleeper, kind: normal, routine: Touch}}, {work: 100us}, {KeSetEvent: Go}]
)";
  const Ran r = run_text(yaml, false);
  EXPECT_EQ(r.outcome, Outcome::completed);
  ASSERT_EQ(r.count("apc_context"), 1);
  EXPECT_TRUE(has(r.messages.back().message, "Sleeper takes R inside a normal kernel APC")) << r.messages.back().message;
  EXPECT_TRUE(has(r.messages.back().message, "Reader holds it with normal kernel APCs enabled")) << r.messages.back().message;
}

}  // namespace
}  // namespace kesim
