// sim/ex/eresource.cpp — the ERESOURCE routines (sim/ex/eresource.hpp). Source followed:
// ReactOS ntoskrnl/ex/resource.c, read and rewritten; the comments name the resource.c routine
// each path follows.
//
// Atomicity: NT guards the whole body of each routine with the resource's in-stack queued spin
// lock (ExAcquireResourceLock). kesim models that as one scheduling point at the start of each
// routine, after which the body runs without another one until it sleeps (KeWaitForSingleObject
// is a scheduling point of its own, as the window between dropping the spin lock and waiting
// is in NT) or wakes a waiter (KeReleaseSemaphore / KeSetEvent run after the spin lock is
// dropped, as in resource.c).
#include "sim/ex/eresource.hpp"

#include <fmt/format.h>

#include "sim/ex/exp.hpp"
#include "sim/ke/ki.hpp"
#include "sim/ke/lock_kind.hpp"
#include "sim/ke/verifier.hpp"

namespace kesim::ex {

using namespace kesim::ke;
using engine::TraceKind;

namespace {

// OWNER_ENTRY is 16 bytes on x64; NT's first table has 3 entries, then grows by 4
// (ExpExpandResourceOwnerTable). Entry 0 of NT's table holds the table size, so the first
// table gives two sharers beyond OwnerEntry; kesim's table holds only the usable entries.
constexpr std::size_t kOwnerEntrySize = 16;
constexpr std::size_t kFirstTableEntries = 2;
constexpr std::size_t kTableGrowth = 4;

KTHREAD& caller() { return *current_kernel().current_thread(); }

// ExpFindEntryForThread, the lookup half: the caller's entry, or null.
OWNER_ENTRY* find_entry(ERESOURCE& r, std::uint64_t thread) {
  if (r.OwnerEntry.OwnerThread == thread) return &r.OwnerEntry;
  for (OWNER_ENTRY& e : r.OwnerTable)
    if (e.OwnerThread == thread) return &e;
  return nullptr;
}

// ExpFindFreeEntry / the free half of ExpFindEntryForThread: OwnerEntry when it is free and
// eligible (not while an exclusive waiter is queued: it will need OwnerEntry), else a free table
// entry, growing the table as NT does. The returned reference is valid until the next growth.
OWNER_ENTRY& free_entry(ERESOURCE& r, bool first_ineligible) {
  if (!first_ineligible && r.OwnerEntry.OwnerThread == 0) return r.OwnerEntry;
  for (OWNER_ENTRY& e : r.OwnerTable)
    if (e.OwnerThread == 0) return e;
  const std::size_t old = r.OwnerTable.size();
  const std::size_t grown = old == 0 ? kFirstTableEntries : old + kTableGrowth;
  // NT allocates a new table and frees the old one: a new simulated address each time.
  r.owner_table_address = current_kernel().allocate_address((grown + 1) * kOwnerEntrySize);
  r.OwnerTable.resize(grown);
  return r.OwnerTable[old];
}

void note_acquire(KTHREAD& t, ERESOURCE& r, bool exclusive) { KiNoteAcquire(t, r, exclusive); }

void note_refused(KTHREAD& t, ERESOURCE& r) { current_kernel().record(TraceKind::LockTry, &t, &r, 0); }

// ExpWaitForResource without its 500 ms / 4 s timeout loop and owner boost (eresource.hpp).
void wait_for_resource(ERESOURCE& r, DISPATCHER_HEADER& object, KTHREAD& t) {
  Kernel& k = current_kernel();
  ++r.ContentionCount;
  const std::int32_t outer = t.waiting_on_lock;  // an APC may block here during another wait
  KiSetWaitingOnLock(t, r.index);
  k.record(TraceKind::LockWait, &t, &r);
  KeWaitForSingleObject(object, WrResource, KPROCESSOR_MODE::KernelMode, false, nullptr);
  KiSetWaitingOnLock(t, outer);
}

// Free: the caller becomes the only owner (every acquire routine's first case).
void take_free(ERESOURCE& r, std::uint64_t me, bool exclusive) {
  if (exclusive) r.Flag |= ResourceOwnedExclusive;
  r.ActiveEntries = 1;
  r.ActiveCount = 1;
  r.OwnerEntry = {me, 1};
}

// The release paths that hand the resource on (ExReleaseResourceForThreadLite and
// ExConvertExclusiveToSharedLite): every shared waiter becomes an owner at once (their entries
// were filled before they slept), or one exclusive waiter does.
void wake_shared_waiters(ERESOURCE& r, bool add) {
  const auto n = r.NumberOfSharedWaiters;
  r.ActiveEntries = static_cast<std::uint16_t>(add ? r.ActiveEntries + n : n);
  r.NumberOfSharedWaiters = 0;
  KeReleaseSemaphore(r.SharedWaiters, 0, static_cast<LONG>(n), false);
}

void hand_to_exclusive_waiter(ERESOURCE& r) {
  r.Flag |= ResourceOwnedExclusive;
  r.OwnerEntry = {kResourceOwnerHandOff, 1};  // the woken waiter writes itself
  r.ActiveEntries = 1;
  --r.NumberOfExclusiveWaiters;
  exp_set_event_boost_priority(r.ExclusiveWaiters);  // KeSetEventBoostPriority
}

enum class SharedPolicy : std::uint8_t { lite, starve_exclusive, wait_for_exclusive };

// ExAcquireResourceSharedLite, ExAcquireSharedStarveExclusive, ExAcquireSharedWaitForExclusive.
bool acquire_shared(ERESOURCE& r, bool wait, SharedPolicy policy) {
  const KiAccessScope scope(r);
  KiSchedulingPoint();  // ExAcquireResourceLock
  KTHREAD& t = caller();
  VfCheckResourceApcs(t, r, false);  // Driver Verifier: 0xC4/0x37
  const std::uint64_t me = t.address;
  if (r.ActiveEntries == 0) {
    take_free(r, me, false);
    note_acquire(t, r, false);
    return true;
  }
  OWNER_ENTRY* entry = nullptr;  // filled for the caller before it sleeps
  if (r.owned_exclusive()) {
    if (r.OwnerEntry.OwnerThread == me) {  // the exclusive owner: one more on its entry
      ++r.OwnerEntry.OwnerCount;
      note_acquire(t, r, true);
      return true;
    }
    entry = &free_entry(r, true);  // OwnerEntry is the exclusive owner's
  } else {
    const bool exclusive_waiting = r.NumberOfExclusiveWaiters > 0;
    // WaitForExclusive sleeps behind an exclusive waiter before looking for the caller's own
    // entry (resource.c), so a sharer re-acquiring through it waits for ever.
    if (!(policy == SharedPolicy::wait_for_exclusive && exclusive_waiting)) {
      if (OWNER_ENTRY* mine = find_entry(r, me)) {  // already a sharer: even with exclusive waiters
        ++mine->OwnerCount;
        note_acquire(t, r, false);
        return true;
      }
      const bool yield_to_exclusive = policy != SharedPolicy::starve_exclusive && exclusive_waiting;
      if (!yield_to_exclusive) {
        OWNER_ENTRY& e = free_entry(r, false);
        e = {me, 1};
        ++r.ActiveEntries;
        note_acquire(t, r, false);
        return true;
      }
      entry = &free_entry(r, true);
    }
  }
  if (!wait) {
    note_refused(t, r);
    return false;
  }
  if (entry) *entry = {me, 1};
  ++r.NumberOfSharedWaiters;
  wait_for_resource(r, r.SharedWaiters, t);
  if (!entry) free_entry(r, true) = {me, 1};  // WaitForExclusive takes its entry after waking
  note_acquire(t, r, false);
  return true;
}

}  // namespace

ERESOURCE& create_resource(Kernel& k, std::string name) {
  ERESOURCE& r = k.create<ERESOURCE>(name, KOBJECTS::ResourceObject);
  r.lock_kind = &kResourceLockKind;
  r.kernel = &k;
  // The waiters' objects belong to the resource: waits on them are reported as waits on it.
  // NT allocates them on first contention; kesim gives them fixed offsets inside the resource.
  r.SharedWaiters.index = r.index;
  r.SharedWaiters.address = r.address + 0x28;
  r.SharedWaiters.name = name + ".SharedWaiters";
  r.SharedWaiters.type = KOBJECTS::SemaphoreObject;
  r.SharedWaiters.Limit = 0x7fffffff;  // MAXLONG (ExpAllocateSharedWaiterSemaphore)
  r.ExclusiveWaiters.index = r.index;
  r.ExclusiveWaiters.address = r.address + 0x30;
  r.ExclusiveWaiters.name = name + ".ExclusiveWaiters";
  r.ExclusiveWaiters.type = KOBJECTS::EventSynchronizationObject;
  return r;
}

const KTHREAD* resource_owner_thread(const Kernel& k, std::uint64_t owner_thread) {
  if (owner_thread == 0 || owner_thread == kResourceOwnerHandOff) return nullptr;
  for (const KTHREAD* t : k.threads())
    if (t->address == owner_thread) return t;
  return nullptr;
}

NTSTATUS ExInitializeResourceLite(ERESOURCE& r) {
  const KiAccessScope scope(r);
  KiSchedulingPoint();
  // RtlZeroMemory of the structure (the table and waiter objects are NT's to keep or free).
  r.Flag = 0;
  r.ActiveEntries = 0;
  r.ActiveCount = 0;
  r.OwnerEntry = {};
  for (OWNER_ENTRY& e : r.OwnerTable) e = {};
  r.NumberOfSharedWaiters = 0;
  r.NumberOfExclusiveWaiters = 0;
  r.ContentionCount = 0;
  r.SharedWaiters.SignalState = 0;
  r.ExclusiveWaiters.SignalState = 0;
  return STATUS_SUCCESS;
}

NTSTATUS ExDeleteResourceLite(ERESOURCE& r) {
  const KiAccessScope scope(r);
  // ReactOS only ASSERTs (DBG builds) that no thread waits; it unlinks the resource from the
  // system list and frees its table and waiter objects. Nothing kesim would check.
  KiSchedulingPoint();
  (void)r;
  return STATUS_SUCCESS;
}

bool ExAcquireResourceExclusiveLite(ERESOURCE& r, bool wait) {
  const KiAccessScope scope(r);
  KiSchedulingPoint();  // ExAcquireResourceLock
  KTHREAD& t = caller();
  VfCheckResourceApcs(t, r, false);  // Driver Verifier: 0xC4/0x37
  const std::uint64_t me = t.address;
  if (r.ActiveEntries == 0) {
    take_free(r, me, true);
    note_acquire(t, r, true);
    return true;
  }
  if (r.owned_exclusive() && r.OwnerEntry.OwnerThread == me) {  // recursion
    ++r.OwnerEntry.OwnerCount;
    note_acquire(t, r, true);
    return true;
  }
  // Owned by another, or shared — by the caller too: a sharer asking for exclusive access
  // waits for itself (SEMANTICS.md §12, kmtest ExResource.c).
  if (!wait) {
    note_refused(t, r);
    return false;
  }
  ++r.NumberOfExclusiveWaiters;
  wait_for_resource(r, r.ExclusiveWaiters, t);
  r.OwnerEntry.OwnerThread = me;  // the releaser left the hand-off placeholder
  note_acquire(t, r, true);
  return true;
}

bool ExTryToAcquireResourceExclusiveLite(ERESOURCE& r) {
  const KiAccessScope scope(r);
  KiSchedulingPoint();
  KTHREAD& t = caller();
  VfCheckResourceApcs(t, r, false);
  const std::uint64_t me = t.address;
  if (r.ActiveCount == 0) {
    take_free(r, me, true);
  } else if (r.owned_exclusive() && r.OwnerEntry.OwnerThread == me) {
    ++r.OwnerEntry.OwnerCount;
  } else {
    note_refused(t, r);
    return false;
  }
  note_acquire(t, r, true);
  return true;
}

bool ExAcquireResourceSharedLite(ERESOURCE& r, bool wait) { return acquire_shared(r, wait, SharedPolicy::lite); }

bool ExAcquireSharedStarveExclusive(ERESOURCE& r, bool wait) {
  const KiAccessScope scope(r);
  return acquire_shared(r, wait, SharedPolicy::starve_exclusive);
}

bool ExAcquireSharedWaitForExclusive(ERESOURCE& r, bool wait) {
  const KiAccessScope scope(r);
  return acquire_shared(r, wait, SharedPolicy::wait_for_exclusive);
}

void ExConvertExclusiveToSharedLite(ERESOURCE& r) {
  const KiAccessScope scope(r);
  // ReactOS ASSERTs (DBG only) that the caller owns it exclusively; the free build just clears
  // the flag.
  KiSchedulingPoint();
  r.Flag &= static_cast<std::uint16_t>(~ResourceOwnedExclusive);
  if (r.NumberOfSharedWaiters) wake_shared_waiters(r, true);
}

void ExReleaseResourceLite(ERESOURCE& r) {
  const KiAccessScope scope(r);
  KiSchedulingPoint();  // ExAcquireResourceLock
  KTHREAD& t = caller();
  VfCheckResourceApcs(t, r, true);  // Driver Verifier: 0xC4/0x38
  if (r.owned_exclusive()) {
    // The owner is not checked on a free build (an ASSERT in resource.c).
    KiNoteRelease(t, r);
    if (--r.OwnerEntry.OwnerCount) return;
    r.OwnerEntry.OwnerThread = 0;
    r.ActiveEntries = 0;
    if (r.NumberOfSharedWaiters) {
      r.Flag &= static_cast<std::uint16_t>(~ResourceOwnedExclusive);
      wake_shared_waiters(r, false);
    } else if (r.NumberOfExclusiveWaiters) {
      hand_to_exclusive_waiter(r);
    } else {
      r.Flag &= static_cast<std::uint16_t>(~ResourceOwnedExclusive);
      r.ActiveCount = 0;
    }
    return;
  }
  OWNER_ENTRY* e = find_entry(r, t.address);
  if (!e || e->OwnerCount == 0) {
    // No entry for the caller: RESOURCE_NOT_OWNED. Parameters: Microsoft's 0xE3 page (resource,
    // thread, owner table if it exists, reserved); P4 is 3, the value ReactOS passes.
    KeBugCheckEx(bugcheck::RESOURCE_NOT_OWNED, r.address, t.address, r.owner_table_address, 3,
                 fmt::format("{} released resource {}, which it does not own", t.name, r.name));
  }
  KiNoteRelease(t, r);
  if (--e->OwnerCount) return;
  e->OwnerThread = 0;
  if (--r.ActiveEntries) return;
  if (r.NumberOfExclusiveWaiters) {
    hand_to_exclusive_waiter(r);
    return;
  }
  r.ActiveCount = 0;
}

bool ExIsResourceAcquiredExclusiveLite(ERESOURCE& r) {
  const KiAccessScope scope(r);
  KiSchedulingPoint();
  return r.owned_exclusive() && r.OwnerEntry.OwnerThread == caller().address;
}

std::uint32_t ExIsResourceAcquiredSharedLite(ERESOURCE& r) {
  const KiAccessScope scope(r);
  KiSchedulingPoint();
  if (r.ActiveEntries == 0) return 0;
  const std::uint64_t me = caller().address;
  if (r.OwnerEntry.OwnerThread == me) return r.OwnerEntry.OwnerCount;  // shared or exclusive
  if (r.owned_exclusive()) return 0;
  const OWNER_ENTRY* e = find_entry(r, me);
  return e ? e->OwnerCount : 0;
}

std::uint32_t ExGetExclusiveWaiterCount(ERESOURCE& r) {
  const KiAccessScope scope(r);
  KiSchedulingPoint();
  return r.NumberOfExclusiveWaiters;
}

std::uint32_t ExGetSharedWaiterCount(ERESOURCE& r) {
  const KiAccessScope scope(r);
  KiSchedulingPoint();
  return r.NumberOfSharedWaiters;
}

}  // namespace kesim::ex
