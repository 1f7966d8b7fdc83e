// Checker tests (SCENARIO-FORMAT.md §6): LockOrder reports two locks taken in both orders by
// different threads even when this schedule did not deadlock; RaceDetector reports two accesses
// to one file, at least one a write, that no lock release→acquire, signal→wait or thread
// creation orders (happens-before with vector clocks). Each test runs a fresh simulator.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/check/analysis.hpp"
#include "sim/ke/ke.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/check/observers.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/io/io.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;
using namespace kesim::ex;
using check::Findings;
using check::LockOrder;
using check::RaceDetector;
using io::IoManager;
using io::IoOp;

constexpr check::StepNamer kNamer = [](const void*, const void*) -> std::string { return "step"; };

int count_kind(const Findings& f, const std::string& kind) {
  int n = 0;
  for (const check::Finding& x : f) n += x.kind == kind;
  return n;
}

void delay(Time ns) { KeDelayExecutionThread(KernelMode, false, ns); }

void take_two(EX_PUSH_LOCK& first, EX_PUSH_LOCK& second) {
  KeEnterCriticalRegion();
  ExAcquirePushLockExclusive(first);
  ExAcquirePushLockExclusive(second);
  ExReleasePushLockExclusive(second);
  ExReleasePushLockExclusive(first);
  KeLeaveCriticalRegion();
}

// ---- lock order --------------------------------------------------------------------------------

TEST(LockOrder, BothOrdersByTwoThreadsAtDifferentTimesIsOneFinding) {
  Simulator sim;
  LockOrder lo(kNamer, nullptr);
  sim.kernel().add_observer(&lo);
  auto& a = create_push_lock(sim.kernel(), "A");
  auto& b = create_push_lock(sim.kernel(), "B");
  sim.spawn("T1", [&] { take_two(a, b); });
  sim.spawn("T2", [&] { take_two(b, a); }, 8, 1'000'000);
  sim.spawn("T3", [&] { take_two(b, a); }, 8, 2'000'000);  // same pair again: not reported twice
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::completed);  // this schedule did not deadlock
  ASSERT_EQ(lo.findings().size(), 1u);
  EXPECT_EQ(lo.findings()[0].kind, "lock_order");
  EXPECT_EQ(lo.findings()[0].message,
            "T2 takes B then A (step), but T1 took A then B (step): the two orders can deadlock");
}

TEST(LockOrder, SameOrderTwiceIsNoFinding) {
  Simulator sim;
  LockOrder lo(kNamer, nullptr);
  sim.kernel().add_observer(&lo);
  auto& a = create_push_lock(sim.kernel(), "A");
  auto& b = create_push_lock(sim.kernel(), "B");
  sim.spawn("T1", [&] { take_two(a, b); });
  sim.spawn("T2", [&] { take_two(a, b); }, 8, 1'000'000);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(lo.findings().size(), 0u);
}

TEST(LockOrder, BothOrdersByOneThreadIsNoFinding) {
  Simulator sim;
  LockOrder lo(kNamer, nullptr);
  sim.kernel().add_observer(&lo);
  auto& a = create_push_lock(sim.kernel(), "A");
  auto& b = create_push_lock(sim.kernel(), "B");
  sim.spawn("T1", [&] {
    take_two(a, b);
    take_two(b, a);
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(lo.findings().size(), 0u);
}

TEST(LockOrder, NestedAfterReleaseIsNoEdge) {
  // A released before B is taken: no A→B edge, so B→A by another thread is fine.
  Simulator sim;
  LockOrder lo(kNamer, nullptr);
  sim.kernel().add_observer(&lo);
  auto& a = create_push_lock(sim.kernel(), "A");
  auto& b = create_push_lock(sim.kernel(), "B");
  sim.spawn("T1", [&] {
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(a);
    ExReleasePushLockExclusive(a);
    ExAcquirePushLockExclusive(b);
    ExReleasePushLockExclusive(b);
    KeLeaveCriticalRegion();
  });
  sim.spawn("T2", [&] { take_two(b, a); }, 8, 1'000'000);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(lo.findings().size(), 0u);
}

// BUG (sim/check/observers.cpp, LockOrder::add_edges): an edge keeps only its first witness
// thread. T2 takes A then B first, T1 takes A then B, then T2 takes B then A: the reverse edge's
// witness is T2 itself, so the check skips it and T1's A→B against T2's B→A (a real deadlock
// pair) is never reported. Enable once edges remember every thread (or one other than the
// first).
TEST(LockOrder, InversionAgainstALaterWitnessOfTheEdge) {
  Simulator sim;
  LockOrder lo(kNamer, nullptr);
  sim.kernel().add_observer(&lo);
  auto& a = create_push_lock(sim.kernel(), "A");
  auto& b = create_push_lock(sim.kernel(), "B");
  sim.spawn("T2", [&] {
    take_two(a, b);
    delay(2'000'000);
    take_two(b, a);
  });
  sim.spawn("T1", [&] { take_two(a, b); }, 8, 1'000'000);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(count_kind(lo.findings(), "lock_order"), 1);
}

// ---- races ---------------------------------------------------------------------------------------

struct RaceRig {
  Simulator sim{{.processors = 2}};
  IoManager io{sim.kernel()};
  RaceDetector rd{kNamer, nullptr};
  RaceRig() { sim.kernel().add_observer(&rd); }
  void write(const char* path) { io.call(IoOp::Write, path, {}, 10); }
};

TEST(RaceDetector, TwoUnsynchronizedWritersAreOneRace) {
  RaceRig rig;
  rig.sim.spawn("T1", [&] {
    rig.write("C:\\Temp\\a.txt");
    rig.write("C:\\Temp\\a.txt");
  });
  rig.sim.spawn("T2", [&] {
    rig.write("c:\\temp\\A.TXT");  // the same file, another spelling
    rig.write("C:\\Temp\\a.txt");
  }, 8, 1'000'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  ASSERT_EQ(rig.rd.findings().size(), 1u);  // one per file and thread pair
  EXPECT_EQ(rig.rd.findings()[0].kind, "data_race");
  // The path as T1 first spelled it (findings echo the scenario's spelling), though T2 wrote
  // c:\temp\A.TXT: one file.
  EXPECT_EQ(rig.rd.findings()[0].message,
            "T1 writes C:\\Temp\\a.txt (step) and T2 writes it (step) with no lock, event or "
            "thread start ordering them");
}

TEST(RaceDetector, DifferentFilesAreNoRace) {
  RaceRig rig;
  rig.sim.spawn("T1", [&] { rig.write("C:\\Temp\\a.txt"); });
  rig.sim.spawn("T2", [&] { rig.write("C:\\Temp\\b.txt"); }, 8, 1'000'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(rig.rd.findings().size(), 0u);
}

TEST(RaceDetector, OrderedByAPushLockIsNoRace) {
  RaceRig rig;
  auto& p = create_push_lock(rig.sim.kernel(), "P");
  auto locked_write = [&] {
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(p);
    rig.write("C:\\Temp\\a.txt");
    ExReleasePushLockExclusive(p);
    KeLeaveCriticalRegion();
  };
  rig.sim.spawn("T1", locked_write);
  rig.sim.spawn("T2", locked_write, 8, 1'000'000);
  rig.sim.spawn("T3", locked_write, 8, 2'000'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(rig.rd.findings().size(), 0u);
}

TEST(RaceDetector, OneSideUnlockedIsStillARace) {
  RaceRig rig;
  auto& p = create_push_lock(rig.sim.kernel(), "P");
  rig.sim.spawn("T1", [&] {
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(p);
    rig.write("C:\\Temp\\a.txt");
    ExReleasePushLockExclusive(p);
    KeLeaveCriticalRegion();
  });
  rig.sim.spawn("T2", [&] { rig.write("C:\\Temp\\a.txt"); }, 8, 1'000'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(count_kind(rig.rd.findings(), "data_race"), 1);
}

TEST(RaceDetector, OrderedByAnEventIsNoRace) {
  RaceRig rig;
  auto& e = rig.sim.kernel().create_event("E", false, false);
  rig.sim.spawn("Consumer", [&] {
    KeWaitForSingleObject(e, Executive, KernelMode, false, nullptr);
    rig.write("C:\\Temp\\a.txt");
  });
  rig.sim.spawn("Producer", [&] {
    rig.write("C:\\Temp\\a.txt");
    KeSetEvent(e, 0, false);
  }, 8, 1'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(rig.rd.findings().size(), 0u);
}

TEST(RaceDetector, WriteAfterTheSignalIsARace) {
  RaceRig rig;
  auto& e = rig.sim.kernel().create_event("E", false, false);
  rig.sim.spawn("Consumer", [&] {
    KeWaitForSingleObject(e, Executive, KernelMode, false, nullptr);
    rig.write("C:\\Temp\\a.txt");
  });
  rig.sim.spawn("Producer", [&] {
    KeSetEvent(e, 0, false);
    rig.write("C:\\Temp\\a.txt");  // after the set: not ordered before the consumer's write
  }, 8, 1'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(count_kind(rig.rd.findings(), "data_race"), 1);
}

TEST(RaceDetector, OrderedByThreadCreationIsNoRace) {
  RaceRig rig;
  KTHREAD& child = rig.sim.create_thread("Child", [&] { rig.write("C:\\Temp\\a.txt"); });
  KTHREAD& parent = rig.sim.spawn("Parent", [&] {
    rig.write("C:\\Temp\\a.txt");
    PsCreateSystemThread(child);
    delay(1'000'000);  // the parent outlives the child's write; it writes no more
  });
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(child.created_by, parent.index);
  EXPECT_EQ(rig.rd.findings().size(), 0u);
}

TEST(RaceDetector, ParentWriteAfterCreationIsARace) {
  RaceRig rig;
  KTHREAD& child = rig.sim.create_thread("Child", [&] { rig.write("C:\\Temp\\a.txt"); });
  rig.sim.spawn("Parent", [&] {
    PsCreateSystemThread(child);
    delay(1'000'000);
    rig.write("C:\\Temp\\a.txt");
  });
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(count_kind(rig.rd.findings(), "data_race"), 1);
}

// BUG (sim/check/observers.cpp with sim/ke/kernel.cpp KiExitThread): the RaceDetector promises
// exit→wait ordering, but a thread's exit publishes no clock (on_thread_exit only records the
// name, KiExitThread signals the thread object without on_signal, and the thread object's
// Header.index is -1, which on_signal/on_wait_satisfied ignore). A parent that waits for its
// child to terminate and then writes the child's file gets a false data_race. Enable once exit
// publishes the clock.
TEST(RaceDetector, OrderedByWaitingForTheWritersExitIsNoRace) {
  RaceRig rig;
  KTHREAD& child = rig.sim.spawn("Child", [&] { rig.write("C:\\Temp\\a.txt"); });
  rig.sim.spawn("Parent", [&] {
    KeWaitForSingleObject(child.Header, Executive, KernelMode, false, nullptr);
    rig.write("C:\\Temp\\a.txt");
  }, 8, 1'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(rig.rd.findings().size(), 0u);
}

TEST(RaceDetector, ReadsOnlyAreNoRace) {
  RaceRig rig;
  rig.sim.spawn("T1", [&] {
    rig.io.call(IoOp::Open, "C:\\Temp\\a.txt");
    rig.io.call(IoOp::Close, "C:\\Temp\\a.txt");
  });
  rig.sim.spawn("T2", [&] { rig.io.call(IoOp::Open, "C:\\Temp\\a.txt"); }, 8, 1'000);
  rig.sim.spawn("T3", [&] { rig.io.call(IoOp::Open, "C:\\Temp\\a.txt"); }, 8, 2'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(rig.rd.findings().size(), 0u);
}

TEST(RaceDetector, ReadThenUnorderedWriteIsARace) {
  RaceRig rig;
  rig.sim.spawn("Reader", [&] { rig.io.call(IoOp::Open, "C:\\Temp\\a.txt"); });
  rig.sim.spawn("Writer", [&] { rig.write("C:\\Temp\\a.txt"); }, 8, 1'000'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  ASSERT_EQ(rig.rd.findings().size(), 1u);
  EXPECT_EQ(rig.rd.findings()[0].message,
            "Reader reads C:\\Temp\\a.txt (step) and Writer writes it (step) with no lock, event "
            "or thread start ordering them");
}

TEST(RaceDetector, RenameTouchesBothNames) {
  RaceRig rig;
  rig.sim.spawn("T1", [&] { rig.io.call(IoOp::Rename, "C:\\Temp\\a.txt", "C:\\Temp\\b.txt"); });
  rig.sim.spawn("T2", [&] { rig.io.call(IoOp::Open, "C:\\Temp\\b.txt"); }, 8, 1'000'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  ASSERT_EQ(rig.rd.findings().size(), 1u);
  EXPECT_NE(rig.rd.findings()[0].message.find("C:\\Temp\\b.txt"), std::string::npos);
}


// ---- foreign release ---------------------------------------------------------------------------

// Seed S2's shape on Server 2003 (no AutoBoost, so no 0x162): Intruder releases the lock Owner
// holds, Waiter gets in, and Owner's and Waiter's own releases later are not foreign ones.
struct ForeignRig {
  Simulator sim{{.processors = 2, .version = ke::Version::server2003}};
  IoManager io{sim.kernel()};
  LockOrder lo{kNamer, nullptr};
  RaceDetector rd{kNamer, nullptr};
  EX_PUSH_LOCK& p = create_push_lock(sim.kernel(), "P");
  ForeignRig() {
    sim.kernel().add_observer(&lo);
    sim.kernel().add_observer(&rd);
  }
  void locked_write(Time work) {
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(p);
    io.call(IoOp::Write, "C:\\Temp\\a.txt", {}, 10);
    delay(work);
    ExReleasePushLockExclusive(p);
    KeLeaveCriticalRegion();
  }
};

TEST(ForeignRelease, IsOneFindingNamingReleaserLockAndHolder) {
  ForeignRig rig;
  rig.sim.spawn("Owner", [&] { rig.locked_write(2'000'000); });
  rig.sim.spawn("Intruder", [&] { ExReleasePushLockExclusive(rig.p); }, 8, 500'000);
  rig.sim.spawn("Waiter", [&] { rig.locked_write(1'000'000); }, 8, 100'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);  // Server 2003 does not notice
  ASSERT_EQ(count_kind(rig.lo.findings(), "foreign_release"), 1);
  EXPECT_EQ(rig.lo.findings()[0].message,
            "Intruder releases P (step), which is held by Owner: a lock must be released by the "
            "thread that acquired it");
}

TEST(ForeignRelease, OwnReleaseIsNoFinding) {
  ForeignRig rig;
  rig.sim.spawn("Owner", [&] { rig.locked_write(1'000); });
  rig.sim.spawn("Waiter", [&] { rig.locked_write(1'000); }, 8, 100'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  EXPECT_EQ(count_kind(rig.lo.findings(), "foreign_release"), 0);
}

TEST(ForeignRelease, ARaceItCausedSaysSoInsteadOfNoLock) {
  ForeignRig rig;
  // Owner writes inside P; Intruder's release lets Waiter in, and Waiter writes too.
  rig.sim.spawn("Owner", [&] {
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(rig.p);
    rig.io.call(IoOp::Write, "C:\\Temp\\a.txt", {}, 10);
    delay(3'000'000);
    ExReleasePushLockExclusive(rig.p);
    KeLeaveCriticalRegion();
  });
  rig.sim.spawn("Intruder", [&] { ExReleasePushLockExclusive(rig.p); }, 8, 1'000'000);
  rig.sim.spawn("Waiter", [&] { rig.locked_write(1'000); }, 8, 500'000);
  ASSERT_EQ(rig.sim.run().outcome, Outcome::completed);
  ASSERT_EQ(count_kind(rig.rd.findings(), "data_race"), 1);
  EXPECT_EQ(rig.rd.findings()[0].message,
            "Owner writes C:\\Temp\\a.txt (step) and Waiter writes it (step), both inside P: a "
            "foreign release let both in (Intruder released it while Owner held it (step))");
}

}  // namespace
}  // namespace kesim
