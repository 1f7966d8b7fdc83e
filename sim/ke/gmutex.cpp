// sim/ke/gmutex.cpp — guarded mutexes (SEMANTICS.md §9; spin locks are in spinlock.cpp), plus the
// bookkeeping every lock shares (holders, observers, trace) and the failure routines.
// Guarded mutex: ReactOS ke/gmutex.c and KiAcquireGuardedMutex in ke/wait.c, whose Count
// encoding kmtest KeGuardedMutex.c asserts (1 free, 0 held, +4 per waiter). 2003–Win7 sleep on
// the KGATE (GateWait), Win8+ on a synchronization event (Waiting), reason WrGuardedMutex.
#include <algorithm>

#include "sim/ke/access.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"

namespace kesim::ke {

using engine::TraceKind;

// ---- shared lock bookkeeping -----------------------------------------------------------------

void KiNoteAcquire(KTHREAD& t, KOBJECT_BASE& lock, bool exclusive) {
  Kernel& k = current_kernel();
  lock.holders.push_back(&t);
  lock.holder_steps.push_back(t.current_step);
  k.record(TraceKind::LockAcquire, &t, &lock, exclusive ? 1 : 0);
  for (Observer* o : k.observers()) o->on_acquire(t, lock, exclusive, t.current_step);
}

namespace {
void count_waiter(KOBJECT_BASE& o, int priority, int delta) {
  auto& n = o.waiter_priority_count[static_cast<std::size_t>(priority)];
  n = static_cast<std::uint32_t>(static_cast<int>(n) + delta);
  if (n) o.waiter_priority_mask |= 1u << priority;
  else o.waiter_priority_mask &= ~(1u << priority);
}
}  // namespace

void KiNoteWaiterPriority(KTHREAD& t, int from, int to) {
  if (t.waiting_on_lock < 0 || t.terminated() || from == to) return;
  KOBJECT_BASE& o = *current_kernel().objects()[static_cast<std::size_t>(t.waiting_on_lock)];
  KiNoteObject(o, true);  // its waiter counts (AutoBoost reads them)
  count_waiter(o, from, -1);
  if (to >= 0) count_waiter(o, to, +1);
}

void KiSetPriority(KTHREAD& t, int priority) {
  const int from = t.priority;
  current_kernel().engine().set_priority(t, priority);
  KiNoteWaiterPriority(t, from, t.priority);
}

void KiSetWaitingOnLock(KTHREAD& t, std::int32_t lock) {
  const auto objects = current_kernel().objects();
  const bool counted = !t.terminated();
  if (t.waiting_on_lock >= 0) {
    KiNoteObject(*objects[t.waiting_on_lock], true);
    --objects[t.waiting_on_lock]->lock_waiters;
    if (counted) count_waiter(*objects[t.waiting_on_lock], t.priority, -1);
  }
  t.waiting_on_lock = lock;
  if (lock < 0) return;
  KiNoteObject(*objects[lock], true);
  ++objects[lock]->lock_waiters;
  if (counted) count_waiter(*objects[lock], t.priority, +1);
  for (Observer* o : current_kernel().observers()) o->on_acquire_attempt(t, *objects[lock], t.current_step);
}

void KiNoteRelease(KTHREAD& t, KOBJECT_BASE& lock) {
  Kernel& k = current_kernel();
  // Remove this thread's hold; a foreign release removes the oldest holder, since the lock
  // itself cannot tell who released it (push locks have no owner).
  auto it = std::find(lock.holders.begin(), lock.holders.end(), &t);
  if (it == lock.holders.end()) {
    it = lock.holders.begin();
    const KTHREAD* holder = it != lock.holders.end() ? *it : nullptr;
    for (Observer* o : k.observers()) o->on_foreign_release(t, lock, holder, t.current_step);
  }
  if (it != lock.holders.end()) {
    lock.holder_steps.erase(lock.holder_steps.begin() + (it - lock.holders.begin()));
    lock.holders.erase(it);
  }
  k.record(TraceKind::LockRelease, &t, &lock);
  for (Observer* o : k.observers()) o->on_release(t, lock);
}

const KTHREAD* KiNoteReleaseBegin(KTHREAD& t, KOBJECT_BASE& lock) {
  Kernel& k = current_kernel();
  const KTHREAD* ends = nullptr;
  if (std::find(lock.holders.begin(), lock.holders.end(), &t) != lock.holders.end()) {
    ends = &t;
  } else {
    ends = lock.holders.empty() ? nullptr : lock.holders.front();
    for (Observer* o : k.observers()) o->on_foreign_release(t, lock, ends, t.current_step);
  }
  k.record(TraceKind::LockRelease, &t, &lock);
  for (Observer* o : k.observers()) o->on_release(t, lock);
  return ends;
}

void KiDropHold(KOBJECT_BASE& lock, const KTHREAD* holder) {
  auto it = std::find(lock.holders.begin(), lock.holders.end(), holder);
  if (it == lock.holders.end()) return;
  lock.holder_steps.erase(lock.holder_steps.begin() + (it - lock.holders.begin()));
  lock.holders.erase(it);
}

// ---- failures ----------------------------------------------------------------------------------

void KeBugCheckEx(std::uint32_t code, std::uint64_t p1, std::uint64_t p2, std::uint64_t p3,
                  std::uint64_t p4, std::string note) {
  Kernel& k = current_kernel();
  KTHREAD* t = k.current_thread();
  BugcheckRecord r;
  r.code = code;
  r.params = {p1, p2, p3, p4};
  r.thread = t ? t->index : -1;
  r.step = t ? t->current_step : nullptr;
  r.irql = t ? t->Irql : PASSIVE_LEVEL;
  r.time = k.engine().now();
  r.note = std::move(note);
  k.bugcheck(r);
}

void ExRaiseStatus(NTSTATUS status) {
  KTHREAD* t = KeGetCurrentThread();
  if (t) KiSetLastStatus(*t, status);
  // The innermost handler at this APC depth whose filter takes the status (SEH walks the frames
  // outward; a frame of an outer context — the code an APC interrupted — is not reached).
  for (const KiExceptionFrame* f = t ? t->exception_frames : nullptr; f && f->apc_depth == t->apc_depth;
       f = f->prev)
    if (f->filter(f->context, status)) throw KiRaisedException{status, f};
  KeBugCheckEx(bugcheck::SYSTEM_THREAD_EXCEPTION_NOT_HANDLED, static_cast<std::uint32_t>(status),
               t ? t->stack_base + 0x5f00 : 0, t ? t->stack_base + 0x5e00 : 0,
               t ? t->stack_base + 0x5d00 : 0,
               "exception " + status_name(status) + " was raised and no handler caught it");
}

// ---- guarded mutexes -------------------------------------------------------------------------

namespace {
constexpr LONG GM_LOCK_BIT = 0x1;  // set = free
constexpr LONG GM_LOCK_WAITER_WOKEN = 0x2;
constexpr LONG GM_LOCK_WAITER_INC = 0x4;

LONG interlocked_cmpxchg(LONG& target, LONG exchange, LONG comparand) {
  KiSchedulingPoint();
  const LONG old = target;
  if (old == comparand) target = exchange;
  return old;
}

void sleep_on(KGUARDED_MUTEX& m, KWAIT_REASON reason) {
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  const std::int32_t outer = t.waiting_on_lock;  // an APC may wait here during another wait
  KiSetWaitingOnLock(t, m.index);
  if (LockTracker* tr = k.lock_tracker(); tr && m.type == KOBJECTS::GuardedMutexObject)
    tr->on_wait(t, m);
  k.record(TraceKind::LockWait, &t, &m);
  if (k.version() == Version::server2003 || k.version() == Version::xp)
    KeWaitForGate(m.Gate, reason, KPROCESSOR_MODE::KernelMode);
  else
    KeWaitForSingleObject(m.Event, reason, KPROCESSOR_MODE::KernelMode, false, nullptr);
  KiSetWaitingOnLock(t, outer);
}

void wake_one(KGUARDED_MUTEX& m) {
  if (current_kernel().version() == Version::win10)
    KeSetEvent(m.Event, 1, false);
  else
    KeSignalGateBoostPriority(m.Gate);
}
}  // namespace

// KiAcquireGuardedMutex: the contended path, shared with fast mutexes on Win8+.
void KiAcquireGuardedMutexContended(KGUARDED_MUTEX& m, KWAIT_REASON reason) {
  ++m.Contention;
  LONG remove = GM_LOCK_BIT;
  LONG add = GM_LOCK_WAITER_INC;
  for (;;) {
    LONG old = m.Count;
    for (;;) {
      if (old & GM_LOCK_BIT) {
        // Free (or handed to us): take it, clearing WOKEN too after a wake.
        const LONG seen = interlocked_cmpxchg(m.Count, old ^ remove, old);
        if (seen == old) return;
        old = seen;
      } else {
        const LONG seen = interlocked_cmpxchg(m.Count, old + add, old);
        if (seen == old) break;
        old = seen;
      }
    }
    sleep_on(m, reason);
    remove = GM_LOCK_BIT | GM_LOCK_WAITER_WOKEN;
    add = GM_LOCK_WAITER_WOKEN;
  }
}

// Release path shared with Win8+ fast mutexes: returns after waking at most one waiter.
void KiReleaseGuardedMutexCount(KGUARDED_MUTEX& m) {
  KiSchedulingPoint();
  LONG old = m.Count;
  m.Count = old + GM_LOCK_BIT;  // InterlockedExchangeAdd
  if (old != 0 && !(old & GM_LOCK_WAITER_WOKEN)) {
    old += GM_LOCK_BIT;
    const LONG next = old + GM_LOCK_WAITER_WOKEN - GM_LOCK_WAITER_INC;
    if (interlocked_cmpxchg(m.Count, next, old) == old) wake_one(m);
  }
}

bool KiTryTakeGuardedMutex(KGUARDED_MUTEX& m) {
  KiSchedulingPoint();  // InterlockedBitTestAndReset(&Count, 0)
  const bool was_free = (m.Count & GM_LOCK_BIT) != 0;
  m.Count &= ~GM_LOCK_BIT;
  return was_free;
}

namespace {
// Both acquire routines start alike: a guarded region first, then AutoBoost's IRQL check.
LockTracker* enter_acquire(KTHREAD& t, KGUARDED_MUTEX& m) {
  KiSchedulingPoint();
  KiEnterGuardedRegion(t);
  LockTracker* tr = current_kernel().lock_tracker();
  if (tr) tr->pre_acquire(t, m);
  return tr;
}
}  // namespace

void KeAcquireGuardedMutex(KGUARDED_MUTEX& m) {
  const KiAccessScope scope(m, KiAfterPoint{});  // its gate/event share its index
  KTHREAD& t = *current_kernel().current_thread();
  LockTracker* tr = enter_acquire(t, m);
  if (!KiTryTakeGuardedMutex(m)) KiAcquireGuardedMutexContended(m, WrGuardedMutex);
  m.Owner = &t;
  KiNoteAcquire(t, m, true);
  if (tr) tr->post_acquire(t, m);
}

bool KeTryToAcquireGuardedMutex(KGUARDED_MUTEX& m) {
  const KiAccessScope scope(m, KiAfterPoint{});  // its gate/event share its index
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  LockTracker* tr = enter_acquire(t, m);
  if (!KiTryTakeGuardedMutex(m)) {
    k.record(TraceKind::LockTry, &t, &m, 0);
    KiLeaveGuardedRegion(t);
    return false;
  }
  m.Owner = &t;
  KiNoteAcquire(t, m, true);
  if (tr) tr->post_acquire(t, m);
  return true;
}

void KeReleaseGuardedMutex(KGUARDED_MUTEX& m) {
  const KiAccessScope scope(m, KiAfterPoint{});  // its gate/event share its index
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  KiSchedulingPoint();
  if (LockTracker* tr = k.lock_tracker()) tr->post_release(t, m);
  m.Owner = nullptr;
  KiNoteRelease(t, m);
  KiReleaseGuardedMutexCount(m);
  KiReleaseDone(t, m);
  KiLeaveGuardedRegion(t);
}

// KeAcquireGuardedMutexUnsafe / KeReleaseGuardedMutexUnsafe (ReactOS include/internal/ke_x.h
// _KeAcquireGuardedMutexUnsafe, _KeReleaseGuardedMutexUnsafe): the same Count protocol without
// the guarded region; the caller is expected to be in one already (or at APC_LEVEL). Those
// expectations are ASSERTs, i.e. checked builds only: a free build takes the mutex at PASSIVE_LEVEL
// with APCs enabled and says nothing (kmtest KeGuardedMutex.c runs it so on free builds, and
// pairs a safe acquire with an unsafe release and the reverse). AutoBoost tracks the lock as
// for the safe forms (kesim's choice: the lock is the same KGUARDED_MUTEX; unconfirmed).
void KeAcquireGuardedMutexUnsafe(KGUARDED_MUTEX& m) {
  const KiAccessScope scope(m, KiAfterPoint{});  // its gate/event share its index
  KTHREAD& t = *current_kernel().current_thread();
  KiSchedulingPoint();
  LockTracker* tr = current_kernel().lock_tracker();
  if (tr) tr->pre_acquire(t, m);
  if (!KiTryTakeGuardedMutex(m)) KiAcquireGuardedMutexContended(m, WrGuardedMutex);
  m.Owner = &t;
  KiNoteAcquire(t, m, true);
  if (tr) tr->post_acquire(t, m);
}

void KeReleaseGuardedMutexUnsafe(KGUARDED_MUTEX& m) {
  const KiAccessScope scope(m, KiAfterPoint{});  // its gate/event share its index
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  KiSchedulingPoint();
  if (LockTracker* tr = k.lock_tracker()) tr->post_release(t, m);
  m.Owner = nullptr;
  KiNoteRelease(t, m);
  KiReleaseGuardedMutexCount(m);
  KiReleaseDone(t, m);
}

// ---- threads -----------------------------------------------------------------------------------

KPRIORITY KeSetPriorityThread(KTHREAD& t, KPRIORITY priority) {
  KiSchedulingPoint();
  const KPRIORITY old = t.priority;
  t.BasePriority = priority;
  KiSetPriority(t, std::max(priority, t.autoboost_priority));
  KiExitDispatcher();  // lowering oneself below a ready thread switches at once
  return old;
}

void PsCreateSystemThread(KTHREAD& t) {
  KiSchedulingPoint();
  current_kernel().start_thread_now(t);
  KiExitDispatcher();  // a higher-priority new thread runs at once
}

void PsTerminateSystemThread(NTSTATUS status) {
  KTHREAD& t = *KeGetCurrentThread();
  KiSetLastStatus(t, status);
  throw ThreadTerminate{};
}

}  // namespace kesim::ke
