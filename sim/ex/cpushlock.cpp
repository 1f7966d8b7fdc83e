// sim/ex/cpushlock.cpp — cache-aware push locks (SEMANTICS.md §8): one push lock per slot,
// shared takes the current processor's slot, exclusive takes every slot in index order.
// Source followed: ReactOS ntoskrnl/ex/pushlock.c (ExAcquireCacheAwarePushLock*), S0, and the
// Win10 shape in which the shared acquire returns its slot (public decompilation, unconfirmed).
//
// Slots. Real Windows has EX_PUSH_LOCK_FANNED_COUNT = 32 slots (1 on UP builds); kesim gives the
// lock one slot per simulated processor, so the shared path is per-CPU exactly as with 32 slots
// on a machine with at most 32 processors. Slot i is a registered push lock named NAME[i].
//
// Bookkeeping. AutoBoost tracks the aggregate as one lock: its hooks see the aggregate only. A
// thread blocked on a slot is reported waiting on the aggregate (waiting_on_lock, LockWait, the
// wake object's name), so AutoBoost finds the waiters of the aggregate's owners and the deadlock
// analysis and lock-order checker name the lock a scenario declared. The holders of the
// aggregate are noted like any lock's (trace, observers); each slot also records its holders,
// without trace or observers, for the views (`!pushlock C` slot by slot).
// Known imprecision: an exclusive acquirer that holds slots 0..k-1 and waits for slot k is not
// yet a holder of the aggregate, so a cycle through it is reported through the sharers it waits
// for (still a deadlock, attributed one hop early).
#include <string>

#include "sim/ex/exp.hpp"
#include "sim/ke/ki.hpp"

namespace kesim::ex {

using namespace kesim::ke;

EX_PUSH_LOCK_CACHE_AWARE& create_cache_aware_push_lock(Kernel& k, std::string name) {
  auto& agg = k.create<EX_PUSH_LOCK_CACHE_AWARE>(name, KOBJECTS::CacheAwarePushLockObject);
  agg.lock_kind = &kCacheAwarePushLockKind;
  const int slots = k.engine().processors();
  agg.Locks.reserve(static_cast<std::size_t>(slots));
  for (int i = 0; i < slots; ++i)
    agg.Locks.push_back(&create_push_lock(k, name + "[" + std::to_string(i) + "]"));
  return agg;
}

void ExAcquireCacheAwarePushLockExclusive(EX_PUSH_LOCK_CACHE_AWARE& lock) {
  KiAccessScope scope(lock);  // and its slots (more than fit: the whole kernel state)
  for (EX_PUSH_LOCK* l : lock.Locks) scope.add(*l);
  ExpCaller c = exp_caller();
  if (c.tr) c.tr->pre_acquire(c.t, lock);
  for (EX_PUSH_LOCK* slot : lock.Locks) {  // index order 0 → N-1
    ExpAcquirePushLockExclusive(*slot, lock);
    exp_add_holder(*slot, c.t);
  }
  KiNoteAcquire(c.t, lock, true);
  if (c.tr) c.tr->post_acquire(c.t, lock);
}

void ExReleaseCacheAwarePushLockExclusive(EX_PUSH_LOCK_CACHE_AWARE& lock) {
  KiAccessScope scope(lock);  // and its slots (more than fit: the whole kernel state)
  for (EX_PUSH_LOCK* l : lock.Locks) scope.add(*l);
  ExpCaller c = exp_caller();
  if (c.tr) c.tr->post_release(c.t, lock);
  KiNoteRelease(c.t, lock);
  for (EX_PUSH_LOCK* slot : lock.Locks) {
    exp_remove_holder(*slot, c.t);
    ExpReleasePushLockExclusive(*slot);
  }
  KiReleaseDone(c.t, lock);
}

EX_PUSH_LOCK* ExAcquireCacheAwarePushLockShared(EX_PUSH_LOCK_CACHE_AWARE& lock) {
  KiAccessScope scope(lock);  // and its slots (more than fit: the whole kernel state)
  for (EX_PUSH_LOCK* l : lock.Locks) scope.add(*l);
  ExpCaller c = exp_caller();
  if (c.tr) c.tr->pre_acquire(c.t, lock);
  const auto n = static_cast<int>(lock.Locks.size());
  const int cpu = c.t.cpu < 0 ? 0 : c.t.cpu;
  EX_PUSH_LOCK* slot = lock.Locks[static_cast<std::size_t>(cpu % n)];
  ExpAcquirePushLockShared(*slot, lock);
  exp_add_holder(*slot, c.t);
  KiNoteAcquire(c.t, lock, false);
  if (c.tr) c.tr->post_acquire(c.t, lock);
  return slot;
}

void ExReleaseCacheAwarePushLockShared(EX_PUSH_LOCK_CACHE_AWARE& lock, EX_PUSH_LOCK* slot) {
  KiAccessScope scope(lock);  // and its slots (more than fit: the whole kernel state)
  for (EX_PUSH_LOCK* l : lock.Locks) scope.add(*l);
  ExpCaller c = exp_caller();
  // Legacy callers pass no slot: recompute it from the current processor (wrong if the thread
  // migrated since the acquire — the bug the Win10 signature avoids).
  if (!slot) {
    const int cpu = c.t.cpu < 0 ? 0 : c.t.cpu;
    slot = lock.Locks[static_cast<std::size_t>(cpu) % lock.Locks.size()];
  }
  if (c.tr) c.tr->post_release(c.t, lock);
  KiNoteRelease(c.t, lock);
  exp_remove_holder(*slot, c.t);
  ExpReleasePushLockShared(*slot);
  KiReleaseDone(c.t, lock);
}

}  // namespace kesim::ex
