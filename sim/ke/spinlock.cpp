// sim/ke/spinlock.cpp — executive spin locks and in-stack queued spin locks (SEMANTICS.md §10).
// Sources: ReactOS ntoskrnl/ke/spinlock.c (KeAcquireSpinLockAtDpcLevel and
// KeReleaseSpinLockFromDpcLevel are the raise-free halves, KeTryToAcquireSpinLockAtDpcLevel
// tests the word before its interlocked bit-test-and-set, the queued lock hands the lock to the
// next waiter in line), kmtest ntos_ke/KeSpinLock.c (what a free build does on one and on several
// CPUs), and Microsoft's reference pages for KeTestSpinLock and KeAcquireInStackQueuedSpinLock.
//
// The word: 0 free, 1 held (free MP build). A free uniprocessor kernel never touches it —
// raising IRQL to DISPATCH_LEVEL is the lock — so on one CPU KeTestSpinLock says TRUE and a
// KeTryToAcquireSpinLockAtDpcLevel succeeds even on a lock its caller holds (kmtest
// KeSpinLock.c, "In UP, this always succeeds").
//
// In-stack queued spin locks grant the lock in request order: a releasing owner hands it to
// the oldest queued waiter (the word stays held). Windows keeps the tail KLOCK_QUEUE_HANDLE's
// address in the word; kesim keeps 1 (no assert key reads a spin lock's word) and the queue of
// waiting threads beside it. Mixing the queued and the plain routines on one lock is a driver
// bug in Windows (the word encodings differ); kesim lets a plain release hand the lock to a
// queued waiter rather than lose it, and says so in `explain`.
#include <algorithm>

#include "sim/ke/access.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/ke/verifier.hpp"

namespace kesim::ke {

using engine::TraceKind;

namespace {

bool uniprocessor(const Kernel& k) { return k.engine().processors() == 1; }

// Waits for the word (plain: spin until 0 and set it; queued: join the queue and spin until
// handed the lock), then notes the acquisition.
void take(KSPIN_LOCK& lock, KTHREAD& t, bool queued) {
  Kernel& k = current_kernel();
  if (uniprocessor(k)) {
    lock.owner = &t;
    KiNoteAcquire(t, lock, true);
    return;
  }
  if (queued) {
    k.engine().point();
    if (lock.value != 0) {
      lock.queue.push_back(&t);
      KiSetWaitingOnLock(t, lock.index);
      k.record(TraceKind::Spin, &t, &lock);
      while (lock.owner != &t) {  // handed over by drop(), the word still held
        lock.spinners.push_back(&t);
        k.engine().spin();
        std::erase(lock.spinners, &t);
      }
      KiSetWaitingOnLock(t, -1);
      KiNoteAcquire(t, lock, true);
      return;
    }
    lock.value = 1;
    lock.owner = &t;
    KiNoteAcquire(t, lock, true);
    return;
  }
  for (;;) {
    k.engine().point();
    if (lock.value == 0) {
      lock.value = 1;
      lock.owner = &t;
      KiNoteAcquire(t, lock, true);
      return;
    }
    // Spin: the CPU burns virtual time until the holder releases (engine Stalled).
    lock.spinners.push_back(&t);
    KiSetWaitingOnLock(t, lock.index);
    k.record(TraceKind::Spin, &t, &lock);
    k.engine().spin();
    KiSetWaitingOnLock(t, -1);
    std::erase(lock.spinners, &t);
  }
}

// Releases the word, or hands the lock to the oldest queued waiter.
void drop(KSPIN_LOCK& lock, KTHREAD& t) {
  Kernel& k = current_kernel();
  if (!lock.queue.empty()) {
    KTHREAD* next = lock.queue.front();
    lock.queue.erase(lock.queue.begin());
    lock.owner = next;  // the word stays held: the lock passes in line
    KiNoteRelease(t, lock);
    k.engine().poke(*next);
    return;
  }
  lock.value = 0;
  lock.owner = nullptr;
  KiNoteRelease(t, lock);
  for (KTHREAD* s : lock.spinners) k.engine().poke(*s);
}

}  // namespace

KIRQL KeAcquireSpinLock(KSPIN_LOCK& lock) {
  const KiAccessScope scope(lock, KiAfterPoint{});
  KiSchedulingPoint();
  KTHREAD& t = *current_kernel().current_thread();
  const KIRQL old = t.Irql;
  // Raise to DISPATCH_LEVEL; above it the free build *sets* DISPATCH_LEVEL (kmtest KeSpinLock.c)
  // and Driver Verifier stops (0xC4/0x42).
  VfCheckAcquireSpinLock(t, lock);
  KiSetIrql(t, DISPATCH_LEVEL);
  take(lock, t, false);
  return old;
}

void KeReleaseSpinLock(KSPIN_LOCK& lock, KIRQL old_irql) {
  const KiAccessScope scope(lock, KiAfterPoint{});
  KiSchedulingPoint();
  KTHREAD& t = *current_kernel().current_thread();
  VfCheckReleaseSpinLock(t, lock);  // Driver Verifier: 0xC4/0x32 unless at DISPATCH_LEVEL
  drop(lock, t);
  KiSetIrql(t, old_irql);
}

// The caller is expected at DISPATCH_LEVEL; the free build does not check (ReactOS
// KeAcquireSpinLockAtDpcLevel is the bare KxAcquireSpinLock). Below DISPATCH_LEVEL the holder
// stays preemptible: another thread on its CPU may then spin on the lock for ever. Driver
// Verifier stops both routines below DISPATCH_LEVEL (0xC4/0x40, 0x41).
void KeAcquireSpinLockAtDpcLevel(KSPIN_LOCK& lock) {
  const KiAccessScope scope(lock, KiAfterPoint{});
  KiSchedulingPoint();
  KTHREAD& t = *current_kernel().current_thread();
  VfCheckAcquireSpinLockAtDpcLevel(t, lock);
  take(lock, t, false);
}

void KeReleaseSpinLockFromDpcLevel(KSPIN_LOCK& lock) {
  const KiAccessScope scope(lock, KiAfterPoint{});
  KiSchedulingPoint();
  KTHREAD& t = *current_kernel().current_thread();
  VfCheckReleaseSpinLockFromDpcLevel(t, lock);
  drop(lock, t);
}

bool KeTryToAcquireSpinLockAtDpcLevel(KSPIN_LOCK& lock) {
  const KiAccessScope scope(lock, KiAfterPoint{});
  KiSchedulingPoint();
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  if (uniprocessor(k)) {
    if (lock.owner != &t) {
      lock.owner = &t;
      KiNoteAcquire(t, lock, true);
    }
    return true;
  }
  if (lock.value != 0) {
    k.record(TraceKind::LockTry, &t, &lock, 0);
    return false;
  }
  lock.value = 1;
  lock.owner = &t;
  KiNoteAcquire(t, lock, true);
  return true;
}

// Microsoft, KeTestSpinLock (wdm.h): FALSE while the lock is held, otherwise TRUE; it neither
// changes IRQL nor acquires. A free uniprocessor kernel never sets the word: TRUE.
bool KeTestSpinLock(const KSPIN_LOCK& lock) {
  const KiAccessScope scope(lock, KiAfterPoint{});
  KiSchedulingPoint();
  return lock.value == 0;
}

// Microsoft, KeAcquireInStackQueuedSpinLock (wdm.h): raises to DISPATCH_LEVEL, keeps the old IRQL
// in the caller's KLOCK_QUEUE_HANDLE, and waiters get the lock first come, first served.
KIRQL KeAcquireInStackQueuedSpinLock(KSPIN_LOCK& lock) {
  const KiAccessScope scope(lock, KiAfterPoint{});
  KiSchedulingPoint();
  KTHREAD& t = *current_kernel().current_thread();
  const KIRQL old = t.Irql;
  KiSetIrql(t, DISPATCH_LEVEL);
  take(lock, t, true);
  return old;
}

void KeReleaseInStackQueuedSpinLock(KSPIN_LOCK& lock, KIRQL old_irql) {
  const KiAccessScope scope(lock, KiAfterPoint{});
  KiSchedulingPoint();
  KTHREAD& t = *current_kernel().current_thread();
  VfCheckReleaseQueuedSpinLock(t, lock, old_irql);  // Driver Verifier: 0xC4/0x36 (verifier.cpp)
  drop(lock, t);
  KiSetIrql(t, old_irql);
}

}  // namespace kesim::ke
