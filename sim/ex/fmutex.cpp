// sim/ex/fmutex.cpp — fast mutexes (SEMANTICS.md §9). Source followed: ReactOS
// ntoskrnl/include/internal/ex.h (_ExAcquireFastMutex, _ExReleaseFastMutex,
// _ExTryToAcquireFastMutex and the Unsafe forms) and ke/wait.c KiAcquireFastMutex for the
// xp/server2003 Count protocol; the Win8+ protocol is the guarded mutex's (sim/ke/gmutex.cpp,
// MSB). Values as asserted by kmtest ntos_ex/ExFastMutex.c.
//
// Wait reasons (unconfirmed points, SEMANTICS.md §1, §14): xp/server2003 wait with WrExecutive,
// as the 2003-era x86 HAL does (ReactOS uses WrMutex); win10 with WrFastMutex (34), the reason
// named for fast mutexes — Windows 10's own choice is unconfirmed.
//
// AutoBoost (when a tracker is installed, i.e. win10 by default): pre_acquire runs before the
// raise to APC_LEVEL so the 0x192 check sees the caller's IRQL (the free build's raise would
// otherwise *load* APC_LEVEL over DISPATCH_LEVEL, kmtest ExFastMutex.c); post_release runs before
// Count changes. On win10 the contended path marks the wait and reports it to the tracker when
// it finds the mutex taken, before KiAcquireGuardedMutexContended (whose sleep reports it to
// AutoBoost only for KOBJECTS::GuardedMutexObject).
#include "sim/ex/fmutex.hpp"

#include <fmt/format.h>

#include "sim/ex/exp.hpp"
#include "sim/ke/ki.hpp"
#include "sim/ke/lock_kind.hpp"
#include "sim/ke/verifier.hpp"

namespace kesim::ex {

using namespace kesim::ke;
using engine::TraceKind;

namespace {

bool legacy_count(const Kernel& k) { return k.version() != Version::win10; }

// KeRaiseIrql/KeLowerIrql as the fast-mutex routines use them inside the kernel: the same
// scheduling point and IRQL change, without Driver Verifier's 0x30/0x31 checks (Verifier checks
// the calls a driver makes, and a release that lowers to a stale OldIrql is reported as 0x34).
KIRQL raise_irql(KTHREAD& t, KIRQL irql) {
  KiSchedulingPoint();
  const KIRQL old = t.Irql;
  KiSetIrql(t, irql);
  return old;
}

void lower_irql(KTHREAD& t, KIRQL irql) {
  KiSchedulingPoint();
  KiSetIrql(t, irql);
}

// xp/server2003 KiAcquireFastMutex: count the contention, wait for the hand-off.
void wait_for_hand_off(FAST_MUTEX& m, KTHREAD& t, LockTracker* tr) {
  Kernel& k = current_kernel();
  ++m.Contention;
  const std::int32_t outer = t.waiting_on_lock;
  KiSetWaitingOnLock(t, m.index);
  if (tr) tr->on_wait(t, m);
  k.record(TraceKind::LockWait, &t, &m);
  KeWaitForSingleObject(m.Event, WrExecutive, KPROCESSOR_MODE::KernelMode, false, nullptr);
  KiSetWaitingOnLock(t, outer);
}

void acquire_count(FAST_MUTEX& m, KTHREAD& t, LockTracker* tr) {
  if (legacy_count(current_kernel())) {
    // InterlockedDecrement: 1 → 0 is the owner; anything else waits (Count -n, n waiters).
    if (exp_add_fetch(m.Count, LONG{-1}) != 0) wait_for_hand_off(m, t, tr);
    return;
  }
  if (KiTryTakeGuardedMutex(m)) return;
  // The shared sleep marks the wait but reports it to AutoBoost only for guarded mutexes: mark
  // it here first so the tracker's on_wait finds this waiter when it boosts the owner.
  const std::int32_t outer = t.waiting_on_lock;
  KiSetWaitingOnLock(t, m.index);
  if (tr) tr->on_wait(t, m);
  KiAcquireGuardedMutexContended(m, WrFastMutex);
  KiSetWaitingOnLock(t, outer);
}

void release_count(FAST_MUTEX& m) {
  if (legacy_count(current_kernel())) {
    // InterlockedIncrement: <= 0 means waiters; the event hands the mutex to the oldest.
    if (exp_add_fetch(m.Count, LONG{1}) <= 0) exp_set_event_boost_priority(m.Event);
    return;
  }
  KiReleaseGuardedMutexCount(m);
}

bool try_take(FAST_MUTEX& m) {
  if (legacy_count(current_kernel())) return exp_compare_exchange(m.Count, LONG{0}, LONG{1}) == 1;
  return KiTryTakeGuardedMutex(m);
}

void note_owner(FAST_MUTEX& m, KTHREAD& t, LockTracker* tr) {
  m.Owner = &t;
  KiNoteAcquire(t, m, true);
  if (tr) tr->post_acquire(t, m);
}

void note_release(FAST_MUTEX& m, KTHREAD& t, LockTracker* tr) {
  if (tr) tr->post_release(t, m);  // may bugcheck 0x162 before anything changes
  m.Owner = nullptr;
  KiNoteRelease(t, m);
}

}  // namespace

namespace {

// A fast mutex is a guarded mutex on win10; on xp/server2003 its Count counts down from 1
// (free) through 0 (held) to -n (held, n waiters).
class FastMutexKind final : public LockKind {
 public:
  std::uint64_t word(const KOBJECT_BASE& o) const override { return kGuardedMutexLockKind.word(o); }
  const KTHREAD* recorded_owner(const KOBJECT_BASE& o) const override {
    return kGuardedMutexLockKind.recorded_owner(o);
  }
  std::string describe(const Kernel& k, const KOBJECT_BASE& o) const override {
    if (!legacy_count(k)) return kGuardedMutexLockKind.describe(k, o);
    const auto& m = static_cast<const FAST_MUTEX&>(o);
    return fmt::format("     Count: {} (1 free, 0 held, -n held with n waiters)  Contention: {}\n", m.Count,
                       m.Contention);
  }
};

const FastMutexKind kFastMutexKind;

}  // namespace

FAST_MUTEX& create_fast_mutex(Kernel& k, std::string name) {
  FAST_MUTEX& m = k.create_guarded_mutex(std::move(name), KOBJECTS::FastMutexObject);
  m.lock_kind = &kFastMutexKind;
  return m;
}

void ExInitializeFastMutex(FAST_MUTEX& m) {
  const KiAccessScope scope(m);
  // OldIrql is left as it was (kmtest ExFastMutex.c poisons it and reads it back).
  m.Count = 1;
  m.Owner = nullptr;
  m.Contention = 0;
  m.Event.SignalState = 0;
}

void ExAcquireFastMutex(FAST_MUTEX& m) {
  const KiAccessScope scope(m);
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  LockTracker* tr = k.lock_tracker();
  VfCheckAcquireFastMutex(t, m);  // Driver Verifier: 0xC4/0x33 above APC_LEVEL
  if (tr) tr->pre_acquire(t, m);
  const KIRQL old = raise_irql(t, APC_LEVEL);
  acquire_count(m, t, tr);
  m.OldIrql = old;
  note_owner(m, t, tr);
}

bool ExTryToAcquireFastMutex(FAST_MUTEX& m) {
  const KiAccessScope scope(m);
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  LockTracker* tr = k.lock_tracker();
  VfCheckAcquireFastMutex(t, m);
  if (tr) tr->pre_acquire(t, m);
  const KIRQL old = raise_irql(t, APC_LEVEL);
  if (!try_take(m)) {
    k.record(TraceKind::LockTry, &t, &m, 0);
    lower_irql(t, old);
    return false;
  }
  m.OldIrql = old;
  note_owner(m, t, tr);
  return true;
}

void ExReleaseFastMutex(FAST_MUTEX& m) {
  const KiAccessScope scope(m);
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  VfCheckReleaseFastMutex(t, m);  // Driver Verifier: 0xC4/0x34 unless at APC_LEVEL
  note_release(m, t, k.lock_tracker());
  const KIRQL old = m.OldIrql;
  release_count(m);
  KiReleaseDone(t, m);
  lower_irql(t, old);
}

void ExAcquireFastMutexUnsafe(FAST_MUTEX& m) {
  const KiAccessScope scope(m);
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  LockTracker* tr = k.lock_tracker();
  if (tr) tr->pre_acquire(t, m);
  KiSchedulingPoint();
  VfCheckFastMutexUnsafe(t, m, false);  // Driver Verifier: 0xC4/0x39
  acquire_count(m, t, tr);
  note_owner(m, t, tr);
}

void ExReleaseFastMutexUnsafe(FAST_MUTEX& m) {
  const KiAccessScope scope(m);
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  KiSchedulingPoint();
  VfCheckFastMutexUnsafe(t, m, true);  // Driver Verifier: 0xC4/0x3A
  note_release(m, t, k.lock_tracker());
  release_count(m);
  KiReleaseDone(t, m);
}

// ReactOS include/internal/ex.h: the pair is KeEnterCriticalRegion then the unsafe acquire, and
// the unsafe release then KeLeaveCriticalRegion (which may deliver a pending kernel APC).
// No Microsoft reference page for the pair was found (ExAcquireFastMutexUnsafe's page names
// KeEnterCriticalRegion as the way to use the unsafe acquire); kesim offers it on every version.
void ExEnterCriticalRegionAndAcquireFastMutexUnsafe(FAST_MUTEX& m) {
  const KiAccessScope scope(m);
  KeEnterCriticalRegion();
  ExAcquireFastMutexUnsafe(m);
}

void ExReleaseFastMutexUnsafeAndLeaveCriticalRegion(FAST_MUTEX& m) {
  const KiAccessScope scope(m);
  ExReleaseFastMutexUnsafe(m);
  KeLeaveCriticalRegion();
}

}  // namespace kesim::ex
