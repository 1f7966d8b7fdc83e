// sim/autoboost/autoboost.hpp — AutoBoost lock-ownership tracking (SEMANTICS.md §11).
// Each thread has six KLOCK_ENTRYs recording the tracked locks it owns or waits on
// (KeAbPreAcquire claims one, a blocked acquirer marks it waiting and boosts the owners to its
// own priority, success sets AcquiredByte, KeAbPostRelease clears it and drops the boost).
//   - release with no entry for the lock → 0x162 KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE
//     (thread, lock, session id 0xffffffff, 0) — S2;
//   - acquire at IRQL >= DISPATCH_LEVEL → 0x192 (thread, lock, IRQL, 0);
//   - exit still owning a tracked lock → 0x153 KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_TERMINATION
//     (thread, the entry not freed, state 1 = "lock pointer was not NULL", reserved 0):
//     Microsoft's bug check reference, page 0x153 (0x1A3 is another code,
//     CALL_HAS_NOT_RETURNED_WATCHDOG_TIMEOUT_LIVEDUMP).
// A seventh lock: the entries are exhausted; the thread sets AutoBoostEntriesExhausted and the
// lock goes untracked (no boost, no ownership). While the thread holds untracked locks, a
// release without an entry may be one of them, so it raises no 0x162 (and is counted off); the
// flag clears when the last untracked lock is released. The KTHREAD flag's name is the source; its exact behaviour is unconfirmed (§14).
#pragma once

#include "sim/ke/kernel.hpp"

namespace kesim::autoboost {

inline constexpr std::uint32_t KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_TERMINATION = 0x153;
// Parameter 3 of 0x153: the entry's lock pointer was not NULL (DOC bug check 0x153).
inline constexpr std::uint64_t kLockEntryLockNotNull = 0x1;

class AutoBoost final : public ke::LockTracker {
 public:
  explicit AutoBoost(ke::Kernel& k) : kernel_(k) {}
  void pre_acquire(ke::KTHREAD& t, ke::KOBJECT_BASE& lock) override;
  void on_wait(ke::KTHREAD& t, ke::KOBJECT_BASE& lock) override;
  void post_acquire(ke::KTHREAD& t, ke::KOBJECT_BASE& lock) override;
  void post_release(ke::KTHREAD& t, ke::KOBJECT_BASE& lock) override;
  void release_done(ke::KTHREAD& t, ke::KOBJECT_BASE& lock) override;
  void on_exit(ke::KTHREAD& t) override;

 private:
  ke::KLOCK_ENTRY* find(ke::KTHREAD& t, const ke::KOBJECT_BASE& lock);
  ke::KLOCK_ENTRY* claim(ke::KTHREAD& t, ke::KOBJECT_BASE& lock);
  void rebalance(ke::KTHREAD& owner, const ke::KOBJECT_BASE* releasing);
  ke::Kernel& kernel_;
};

}  // namespace kesim::autoboost
