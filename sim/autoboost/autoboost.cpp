#include "sim/autoboost/autoboost.hpp"

#include "sim/ke/access.hpp"

#include <algorithm>

#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"

namespace kesim::autoboost {

using namespace kesim::ke;

KLOCK_ENTRY* AutoBoost::find(KTHREAD& t, const KOBJECT_BASE& lock) {
  for (KLOCK_ENTRY& e : t.LockEntries)
    if (e.lock == &lock) return &e;
  return nullptr;
}

void AutoBoost::pre_acquire(KTHREAD& t, KOBJECT_BASE& lock) {
  if (t.Irql >= DISPATCH_LEVEL)
    KeBugCheckEx(bugcheck::KERNEL_AUTO_BOOST_LOCK_ACQUISITION_WITH_RAISED_IRQL, t.address,
                 lock.address, t.Irql, 0,
                 "a lock tracked by AutoBoost was acquired at " + std::string(irql_name(t.Irql)));
}

// KeAbPreAcquire claims the entry; kesim claims it when the thread first waits or acquires, so
// a failed Try leaves no stale entry behind.
KLOCK_ENTRY* AutoBoost::claim(KTHREAD& t, KOBJECT_BASE& lock) {
  if (KLOCK_ENTRY* e = find(t, lock)) return e;  // a shared re-acquire reuses the entry
  for (std::size_t i = 0; i < t.LockEntries.size(); ++i) {
    KLOCK_ENTRY& e = t.LockEntries[i];
    if (e.lock) continue;
    e = KLOCK_ENTRY{};
    e.lock = &lock;
    e.LockState = lock.address;
    e.EntryIndex = static_cast<std::uint8_t>(i);
    return &e;
  }
  t.AutoBoostEntriesExhausted = true;
  return nullptr;
}

void AutoBoost::on_wait(KTHREAD& t, KOBJECT_BASE& lock) {
  if (KLOCK_ENTRY* e = claim(t, lock)) e->WaitingByte = true;
  for (KTHREAD* owner : lock.holders) rebalance(*owner, nullptr);
}

void AutoBoost::post_acquire(KTHREAD& t, KOBJECT_BASE& lock) {
  if (KLOCK_ENTRY* e = claim(t, lock)) {
    e->WaitingByte = false;
    e->AcquiredByte = true;
    ++e->acquire_count;
  } else {
    ++t.autoboost_untracked;
  }
  rebalance(t, nullptr);  // waiters still queued now wait on this owner
}

void AutoBoost::post_release(KTHREAD& t, KOBJECT_BASE& lock) {
  KLOCK_ENTRY* e = find(t, lock);
  if (!e || !e->AcquiredByte) {
    // While the thread holds untracked locks a release without an entry may be one of them.
    if (t.autoboost_untracked > 0) {
      if (--t.autoboost_untracked == 0) t.AutoBoostEntriesExhausted = false;
      return;
    }
    KeBugCheckEx(bugcheck::KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE, t.address, lock.address,
                 0xffffffff, 0,
                 t.name + " released " + lock.name + ", which it does not own: AutoBoost has "
                 "no lock entry for it on this thread");
  }
  if (--e->acquire_count == 0) *e = KLOCK_ENTRY{};
}

void AutoBoost::release_done(KTHREAD& t, KOBJECT_BASE& lock) { rebalance(t, nullptr); }

void AutoBoost::on_exit(KTHREAD& t) {
  for (KLOCK_ENTRY& e : t.LockEntries)
    if (e.lock && e.AcquiredByte)
      KeBugCheckEx(KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_TERMINATION, t.address,
                   t.address + 0x6a0 + 0x60 * e.EntryIndex, kLockEntryLockNotNull, 0,
                   t.name + " terminated still owning " + e.lock->name);
}

// The owner runs at the highest priority among its base priority and the threads waiting on the
// locks it still holds (excluding the one being released).
void AutoBoost::rebalance(KTHREAD& owner, const KOBJECT_BASE* releasing) {
  // For dpor: this reads the owner's lock entries (its kernel state) and the waiter counts of
  // every lock it holds, not only the lock of the routine in progress.
  KiNoteThread(owner);
  int boost = 0;
  for (const KLOCK_ENTRY& e : owner.LockEntries) {
    if (e.lock && e.AcquiredByte) KiNoteObject(*e.lock, false);
    if (!e.lock || !e.AcquiredByte || e.lock == releasing || e.lock->lock_waiters == 0) continue;
    // The highest priority among the threads waiting on this lock (those whose
    // waiting_on_lock is its index, not terminated), kept as counts by Ke: O(1) instead of a
    // scan of every thread (issue #8), and the same value, so the same run.
    if (e.lock->index < 0) continue;
    const KOBJECT_BASE& waited = *kernel_.objects()[static_cast<std::size_t>(e.lock->index)];
    boost = std::max<int>(boost, waited.highest_waiter_priority());
  }
  if (boost == 0 && owner.autoboost_priority == 0) return;  // the common, uncontended case
  owner.autoboost_priority = boost > owner.BasePriority ? boost : 0;
  const int target = std::max<int>(owner.BasePriority, owner.autoboost_priority);
  if (target != owner.priority && !owner.terminated()) KiSetPriority(owner, target);
}

}  // namespace kesim::autoboost
