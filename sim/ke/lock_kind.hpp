// sim/ke/lock_kind.hpp — what every kind of lock shows to reports and checkers: its state word,
// who holds it, how `!locks` describes it, and the objects it is made of. Each lock kind defines
// one LockKind next to its own code (KMUTEX/KSPIN_LOCK/KGUARDED_MUTEX in sim/ke/lock_kinds.cpp,
// FAST_MUTEX in sim/ex/fmutex.cpp, push locks in sim/ex/pushlock_kind.cpp) and its create
// function sets KOBJECT_BASE::lock_kind, so views and the wait-for graph never switch on
// KOBJECTS: a new lock kind is one LockKind, not an edit of every view.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/ke/objects.hpp"

namespace kesim::ke {

class Kernel;

enum class HoldMode : std::uint8_t { exclusive, shared, owned };
const char* hold_mode_name(HoldMode m);  // "exclusive", "shared", "owned"

class LockKind {
 public:
  virtual ~LockKind() = default;
  // The lock's state word as NT lays it out (EX_PUSH_LOCK::Value, KGUARDED_MUTEX::Count,
  // the spin lock's value, a mutant's SignalState).
  virtual std::uint64_t word(const KOBJECT_BASE& lock) const = 0;
  // The owner the lock records itself (KMUTANT::OwnerThread, KGUARDED_MUTEX::Owner), or null.
  virtual const KTHREAD* recorded_owner(const KOBJECT_BASE& lock) const { return nullptr; }
  // False when the lock has no owner field at all (a push lock): then every holder a report
  // names is one kesim tracked, which WinDbg could not show (seed S0).
  virtual bool records_owner() const { return true; }
  // Who holds it: the holders kesim tracked (KOBJECT_BASE::holders), else the recorded owner.
  virtual void holders(const KOBJECT_BASE& lock, std::vector<const KTHREAD*>& out) const;
  virtual HoldMode hold_mode(const KOBJECT_BASE& lock) const { return HoldMode::exclusive; }
  // The lines `!locks` prints under the lock's header, each "     ...\n".
  virtual std::string describe(const Kernel& k, const KOBJECT_BASE& lock) const = 0;
  // Why `waiter`, blocked on this object, is not woken, when the kind knows better than "held
  // by its holders" (a keyed event has no holder: its waiters wait for a partner). Empty: the
  // reports use the holders.
  virtual std::string why_blocked(const Kernel& k, const KOBJECT_BASE& lock,
                                  const KTHREAD& waiter) const {
    return {};
  }
  // The registered objects this lock is made of (a cache-aware push lock's slots): views show
  // them through this lock, not as locks of their own.
  virtual void parts(const KOBJECT_BASE& lock, std::vector<const KOBJECT_BASE*>& out) const {}
};

// The kinds Ke defines (sim/ke/lock_kinds.cpp); the create functions in kernel.cpp set them.
extern const LockKind& kMutantLockKind;
extern const LockKind& kSpinLockKind;
extern const LockKind& kGuardedMutexLockKind;

// Every part of every lock in the kernel (objects that views show through their lock).
std::vector<const KOBJECT_BASE*> lock_parts(const Kernel& k);

}  // namespace kesim::ke
