// sim/ke/lock_kinds.cpp — the LockKinds of Ke's locks: KMUTEX/KMUTANT, KSPIN_LOCK and
// KGUARDED_MUTEX (sim/ke/lock_kind.hpp).
#include "sim/ke/lock_kind.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/ke/kernel.hpp"

namespace kesim::ke {

const char* hold_mode_name(HoldMode m) {
  switch (m) {
    case HoldMode::exclusive: return "exclusive";
    case HoldMode::shared: return "shared";
    case HoldMode::owned: return "owned";
  }
  return "owned";
}

void LockKind::holders(const KOBJECT_BASE& lock, std::vector<const KTHREAD*>& out) const {
  out.insert(out.end(), lock.holders.begin(), lock.holders.end());
  if (lock.holders.empty())
    if (const KTHREAD* owner = recorded_owner(lock)) out.push_back(owner);
}

std::vector<const KOBJECT_BASE*> lock_parts(const Kernel& k) {
  std::vector<const KOBJECT_BASE*> out;
  for (const KOBJECT_BASE* o : k.objects())
    if (o->lock_kind) o->lock_kind->parts(*o, out);
  return out;
}

namespace {

// KMUTEX/KMUTANT (SEMANTICS.md §5): SignalState 1 free, <= 0 owned (1 - recursion depth).
class MutantKind final : public LockKind {
 public:
  std::uint64_t word(const KOBJECT_BASE& o) const override {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(mutant(o).SignalState));
  }
  const KTHREAD* recorded_owner(const KOBJECT_BASE& o) const override { return mutant(o).OwnerThread; }
  std::string describe(const Kernel&, const KOBJECT_BASE& o) const override {
    return fmt::format("     SignalState: {}  Abandoned: {}\n", mutant(o).SignalState, int{mutant(o).Abandoned});
  }

 private:
  static const KMUTANT& mutant(const KOBJECT_BASE& o) { return static_cast<const KMUTANT&>(o); }
};

// KSPIN_LOCK (SEMANTICS.md §10): 0 free, 1 held on a free MP build. The free build records no
// owner; kesim's `owner` is bookkeeping, shown as what kesim knows.
class SpinLockKind final : public LockKind {
 public:
  std::uint64_t word(const KOBJECT_BASE& o) const override { return spin(o).value; }
  const KTHREAD* recorded_owner(const KOBJECT_BASE& o) const override { return spin(o).owner; }
  std::string describe(const Kernel&, const KOBJECT_BASE& o) const override {
    return fmt::format("     Value: {}\n", spin(o).value);
  }

 private:
  static const KSPIN_LOCK& spin(const KOBJECT_BASE& o) { return static_cast<const KSPIN_LOCK&>(o); }
};

// KGUARDED_MUTEX (SEMANTICS.md §9): Count bit 0 LOCK (1 = free), bit 1 WOKEN, waiters in
// units of 4.
class GuardedMutexKind final : public LockKind {
 public:
  std::uint64_t word(const KOBJECT_BASE& o) const override {
    return static_cast<std::uint32_t>(static_cast<const KGUARDED_MUTEX&>(o).Count);
  }
  const KTHREAD* recorded_owner(const KOBJECT_BASE& o) const override {
    return static_cast<const KGUARDED_MUTEX&>(o).Owner;
  }
  std::string describe(const Kernel&, const KOBJECT_BASE& o) const override {
    const auto& m = static_cast<const KGUARDED_MUTEX&>(o);
    const auto c = static_cast<std::uint32_t>(m.Count);
    return fmt::format("     Count: 0x{:x} (LOCK {} = {}, WOKEN {}, waiters {})  Contention: {}\n", c, c & 1,
                       (c & 1) ? "free" : "held", (c >> 1) & 1, c >> 2, m.Contention);
  }
};

const MutantKind kMutant;
const SpinLockKind kSpin;
const GuardedMutexKind kGuarded;

}  // namespace

const LockKind& kMutantLockKind = kMutant;
const LockKind& kSpinLockKind = kSpin;
const LockKind& kGuardedMutexLockKind = kGuarded;

}  // namespace kesim::ke
