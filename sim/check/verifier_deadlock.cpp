// sim/check/verifier_deadlock.cpp — Driver Verifier's Deadlock Detection, on LockOrder's graph.
//
// Sources (read, not copied):
//  - Microsoft, "Deadlock Detection" (Driver Verifier option page): Verifier builds a graph of
//    the order in which locks are acquired and bugchecks 0xC4 when it finds a loop, before any
//    deadlock happens; it watches spin locks, mutexes and fast mutexes, and explicitly not
//    ERESOURCEs nor resources nobody owns. It names the violations: a hierarchy loop, a thread
//    acquiring a resource it already holds, a release without an acquire, a release by another
//    thread, a thread deleted while it still owns resources.
//  - Microsoft, "Bug Check 0xC4: DRIVER_VERIFIER_DETECTED_VIOLATION": the subcodes (Arg1) and
//    Arg2..Arg4 of 0x1000, 0x1001, 0x1004, 0x1007 and 0x100A used below.
//
// What kesim decides where the sources are silent (README "Driver Verifier: deadlock
// detection"):
//  - Covered kinds: KSPIN_LOCK (plain and in-stack queued), KMUTEX/KMUTANT and FAST_MUTEX. The
//    option page does not name guarded mutexes or push locks, so they are not covered (their
//    inversions stay lock_order findings), nor are ERESOURCEs (the page excludes them).
//  - A KMUTEX is recursive by definition (KeWaitForSingleObject on a mutex the thread owns
//    succeeds), so taking it again is no self-deadlock; spin locks and fast mutexes are not.
//  - "A loop" in the graph: any thread's edges count, as the page describes a graph of
//    acquisition order, not of threads. kesim's lock_order finding keeps its own rule (another
//    thread's reverse order).
//  - Verifier checks when kesim's kernel notes the acquire (or the attempt that blocks or
//    spins) and the release. The kernel's own checks that come earlier in a routine (AutoBoost's
//    0x162 at a foreign fast mutex release on win10, KeRundownThread's 0x4A for an owned KMUTEX
//    at exit) therefore come first; the sources do not say which Windows raises first.
//  - 0x100B (a lock deleted while owned) is not raised: no scenario operation deletes or frees
//    a spin lock, KMUTEX or fast mutex (ExDeleteResourceLite deletes an ERESOURCE, which
//    Verifier's Deadlock Detection does not watch).
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "sim/check/observers.hpp"
#include "sim/ke/ke.hpp"

namespace kesim::check {

using namespace kesim::ke;

namespace {

constexpr std::uint32_t kSelfDeadlock = 0x1000;
constexpr std::uint32_t kHierarchy = 0x1001;
constexpr std::uint32_t kWrongThread = 0x1004;
constexpr std::uint32_t kUnacquired = 0x1007;
constexpr std::uint32_t kThreadOwnsLock = 0x100A;

bool covered(const KOBJECT_BASE& lock) {
  return lock.type == KOBJECTS::SpinLockObject || lock.type == KOBJECTS::MutantObject ||
         lock.type == KOBJECTS::FastMutexObject;
}

bool recursive(const KOBJECT_BASE& lock) { return lock.type == KOBJECTS::MutantObject; }

// Verifier stops the machine in the thread that broke the rule: checks run only on that
// thread's own fiber (a hand-off noted by a releasing thread was checked at the attempt).
bool active_for(const KTHREAD& t) {
  Kernel* k = current_kernel_or_null();
  return k && k->verifier() && k->current_thread() == &t;
}

[[noreturn]] void violation(std::uint32_t subcode, std::uint64_t p2, std::uint64_t p3,
                            std::uint64_t p4, std::string note) {
  KeBugCheckEx(bugcheck::DRIVER_VERIFIER_DETECTED_VIOLATION, subcode, p2, p3, p4,
               "Driver Verifier (Deadlock Detection): " + note);
}

}  // namespace

void LockOrder::verify_recursion(KTHREAD& t, KOBJECT_BASE& lock) {
  if (!covered(lock) || recursive(lock) || !active_for(t)) return;
  const auto& held = held_[t.index];
  if (std::find(held.begin(), held.end(), &lock) == held.end()) return;
  // 0x1000: Arg2 the resource, Arg3/Arg4 reserved.
  violation(kSelfDeadlock, lock.address, 0, 0,
            fmt::format("{} acquires {}, which it already holds (self-deadlock)", t.name, lock.name));
}

bool LockOrder::reaches(std::int32_t from, std::int32_t to) const {
  const auto objects = current_kernel().objects();
  std::vector<bool> seen(objects.size(), false);
  std::vector<std::int32_t> stack{from};
  while (!stack.empty()) {
    const std::int32_t x = stack.back();
    stack.pop_back();
    if (x == to) return true;
    if (seen[static_cast<std::size_t>(x)]) continue;
    seen[static_cast<std::size_t>(x)] = true;
    // edges_ is ordered by (from, to): x's successors are one contiguous range.
    for (auto it = edges_.lower_bound({x, -1}); it != edges_.end() && it->first.first == x; ++it) {
      const std::int32_t y = it->first.second;
      if (!it->second.empty() && covered(*objects[static_cast<std::size_t>(y)])) stack.push_back(y);
    }
  }
  return false;
}

void LockOrder::verify_order(KTHREAD& t, KOBJECT_BASE& held, KOBJECT_BASE& lock) {
  if (!covered(held) || !covered(lock) || !active_for(t)) return;
  if (!reaches(lock.index, held.index)) return;
  // 0x1001: Arg2 the resource that was the final cause of the deadlock (the one being
  // acquired, which closes the loop), Arg3/Arg4 reserved.
  violation(kHierarchy, lock.address, 0, 0,
            fmt::format("{} acquires {} while holding {}, but {} was taken before {} elsewhere: "
                        "a lock hierarchy violation",
                        t.name, lock.name, held.name, lock.name, held.name));
}

void LockOrder::verify_release(KTHREAD& t, KOBJECT_BASE& lock, const KTHREAD* holder) {
  if (!covered(lock) || !active_for(t)) return;
  if (holder) {
    // 0x1004: Arg2 the resource, Arg3 the thread that acquired it, Arg4 the current thread.
    violation(kWrongThread, lock.address, holder->address, t.address,
              fmt::format("{} releases {}, which {} acquired (wrong thread)", t.name, lock.name,
                          holder->name));
  }
  // 0x1007: Arg2 the resource, Arg3/Arg4 reserved.
  violation(kUnacquired, lock.address, 0, 0,
            fmt::format("{} releases {}, which no thread acquired", t.name, lock.name));
}

void LockOrder::on_thread_exit(KTHREAD& t) { verify_exit(t); }

void LockOrder::verify_exit(KTHREAD& t) {
  if (!active_for(t)) return;
  for (KOBJECT_BASE* lock : held_[t.index]) {
    if (!covered(*lock)) continue;
    // 0x100A: the reference gives Arg2 the owner thread and Arg3 "Driver Verifier internal
    // data" (kesim has none: 0); its row has no Arg4 (0).
    violation(kThreadOwnsLock, t.address, 0, 0,
              fmt::format("{} terminates while it still owns {}", t.name, lock->name));
  }
}

}  // namespace kesim::check
