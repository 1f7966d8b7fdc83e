// sim/ex/eresource_kind.cpp — the LockKind of ERESOURCE (sim/ke/lock_kind.hpp).
//
// `!locks` (Microsoft, "!locks (!kdext*.locks)") prints each resource as "Resource @ address"
// followed by "Shared N owning threads" or its exclusive state, and a "Threads:" line where each
// owner is its address, "-" and its two-digit count, and "<*>" when it owns the lock. The page
// shows no waiter lines; kesim adds the fields of the structure that say who waits, under their
// ERESOURCE names (ContentionCount, NumberOfSharedWaiters, NumberOfExclusiveWaiters), spelled
// as their WinDbg output is commonly quoted ("Contention Count = N"): that spelling is not on
// Microsoft's page.
#include <fmt/format.h>

#include "sim/ex/eresource.hpp"
#include "sim/ke/lock_kind.hpp"

namespace kesim::ex {

using ke::HoldMode;
using ke::KOBJECT_BASE;
using ke::KTHREAD;

namespace {

const ERESOURCE& res(const KOBJECT_BASE& o) { return static_cast<const ERESOURCE&>(o); }

class ResourceKind final : public ke::LockKind {
 public:
  // A summary of the state, not one NT word: Flag in bits 16..31, ActiveEntries in 0..15.
  std::uint64_t word(const KOBJECT_BASE& o) const override {
    return (std::uint64_t{res(o).Flag} << 16) | res(o).ActiveEntries;
  }
  const KTHREAD* recorded_owner(const KOBJECT_BASE& o) const override {
    const ERESOURCE& r = res(o);
    if (!r.owned_exclusive()) return nullptr;
    return r.kernel ? resource_owner_thread(*r.kernel, r.OwnerEntry.OwnerThread) : nullptr;
  }
  HoldMode hold_mode(const KOBJECT_BASE& o) const override {
    return res(o).owned_exclusive() ? HoldMode::exclusive : HoldMode::shared;
  }
  std::string describe(const ke::Kernel& k, const KOBJECT_BASE& o) const override {
    const ERESOURCE& r = res(o);
    std::string s = fmt::format("     Flag: 0x{:x}{}  ActiveEntries: {}  ActiveCount: {}\n", r.Flag,
                                r.owned_exclusive() ? " (ResourceOwnedExclusive)" : "", r.ActiveEntries,
                                r.ActiveCount);
    s += fmt::format("     Contention Count = {}\n", r.ContentionCount);
    s += fmt::format("     NumberOfSharedWaiters = {}\n", r.NumberOfSharedWaiters);
    s += fmt::format("     NumberOfExclusiveWaiters = {}\n", r.NumberOfExclusiveWaiters);
    std::string entries;
    auto add = [&](const OWNER_ENTRY& e) {
      if (e.OwnerThread == 0) return;
      const KTHREAD* t = resource_owner_thread(k, e.OwnerThread);
      // An entry filled for a thread still asleep on the resource is not an owner yet: no <*>.
      // Once a release has readied it, it is (the release counted it in ActiveEntries).
      // (A sharer asleep for *exclusive* access still owns its share: only a shared wait counts.)
      const bool asleep = t && t->State == ke::KTHREAD_STATE::Waiting && t->wait_blocks &&
                          t->wait_count > 0 && t->wait_blocks[0].Object == &r.SharedWaiters;
      const bool owns = t && !asleep;
      entries += fmt::format(" {:x}-{:02x}{} {}", e.OwnerThread, e.OwnerCount, owns ? "<*>" : "",
                             t ? t->name : e.OwnerThread == kResourceOwnerHandOff ? "(hand-off)" : "?");
    };
    add(r.OwnerEntry);
    for (const OWNER_ENTRY& e : r.OwnerTable) add(e);
    if (!entries.empty()) s += "     Owner entries:" + entries + "\n";
    return s;
  }
};

const ResourceKind kResource;

}  // namespace

const ke::LockKind& kResourceLockKind = kResource;

}  // namespace kesim::ex
