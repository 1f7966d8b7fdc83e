// sim/ex/eresource.hpp — ERESOURCE, the executive's reader/writer lock with an owner table
// (issue #6: "so a class can compare it with push locks").
//
// Source followed: ReactOS ntoskrnl/ex/resource.c (read, not copied) for the fields, the owner
// table and every acquire/release/convert path; Microsoft's bug check reference for 0xE3
// RESOURCE_NOT_OWNED (P1 resource, P2 thread, P3 owner table, P4 reserved; ReactOS passes 3).
//
// Layout (the fields WinDbg's `dt nt!_ERESOURCE` shows, kesim types):
//   Flag                      ResourceOwnedExclusive (0x80, wdm.h) while one thread owns it exclusively
//   ActiveEntries             owner entries in use (exclusive: 1)
//   ActiveCount               1 while owned at all, 0 when free
//   OwnerEntry                the first owner {OwnerThread, OwnerCount}: the exclusive owner, or a sharer
//   OwnerTable                further sharers (NT grows it 3, then +4 at a time; kesim reuses free entries)
//   NumberOfSharedWaiters     threads blocked for shared access
//   NumberOfExclusiveWaiters  threads blocked for exclusive access
//   ContentionCount           blocked acquisitions so far (ExpWaitForResource counts each)
//   SharedWaiters             KSEMAPHORE, limit MAXLONG: shared waiters sleep here
//   ExclusiveWaiters          synchronization KEVENT: exclusive waiters sleep here
// OwnerThread is an ERESOURCE_THREAD (the KTHREAD address); 1 is the placeholder a releaser
// writes when it hands the lock to an exclusive waiter, which writes itself after waking.
//
// The rules (resource.c):
//   - exclusive: free -> owner, count 1; owned exclusive by the caller -> count+1; otherwise
//     (another owner, or shared — even by the caller, which therefore waits on itself for ever)
//     Wait FALSE returns FALSE, else NumberOfExclusiveWaiters+1 and sleep; woken as the owner;
//   - shared (SharedLite): free -> owner; exclusive by the caller -> count+1 on that entry;
//     exclusive by another -> a free entry is filled for the caller, then it sleeps; shared: the
//     caller already a sharer -> count+1 (even with exclusive waiters); exclusive waiters -> sleep;
//     else a new entry;
//   - StarveExclusive: as SharedLite but grants shared access despite exclusive waiters;
//   - WaitForExclusive: with exclusive waiters it sleeps *before* looking for the caller's own
//     entry, so a sharer calling it again behind an exclusive waiter waits for ever;
//   - release: exclusive -> count-1; at 0 the shared waiters (all of them) become owners, else one
//     exclusive waiter does (KeSetEventBoostPriority), else free. Shared -> count-1 of the
//     caller's entry (none: bugcheck 0xE3); the last sharer out hands it to an exclusive waiter;
//   - convert exclusive -> shared: clears the flag, shared waiters become owners.
//
// Decisions (README, "Kernel behaviour kesim had to decide"):
//   - ExpWaitForResource waits 500 ms (then 4 s) at a time and, between waits, boosts the
//     owners to priority 14. kesim waits without a timeout and does not boost: a starved or
//     deadlocked waiter stays blocked, so deadlock analysis sees a cycle instead of a thread
//     waking every few seconds; the boost only matters for priority inversions longer than 500 ms.
//   - The critical-region rule (normal kernel APCs disabled) is checked only by ReactOS DBG
//     builds (ExpCheckForApcsDisabled) and Driver Verifier (0xC4/0x37, 0x38): a free build does
//     not check, nor does kesim unless the machine runs with Verifier (machine.verifier,
//     sim/ke/verifier.cpp).
//   - A release of an exclusively owned resource by another thread is not detected (ReactOS
//     ASSERTs it on DBG builds only): the count drops as if the owner had released.
//   - AutoBoost does not track ERESOURCE (SEMANTICS.md §11: it keeps its own owner table).
#pragma once

#include <string>
#include <vector>

#include "kesim/nt/ex.hpp"
#include "sim/ke/kernel.hpp"

namespace kesim::ex {

// wdm.h: ResourceOwnedExclusive.
inline constexpr std::uint16_t ResourceOwnedExclusive = 0x80;
// The placeholder OwnerThread a release writes before the exclusive waiter runs (resource.c).
inline constexpr std::uint64_t kResourceOwnerHandOff = 1;

struct OWNER_ENTRY {
  std::uint64_t OwnerThread = 0;  // ERESOURCE_THREAD: the thread's address; 0 free
  std::uint32_t OwnerCount = 0;
};

struct ERESOURCE : ke::KOBJECT_BASE {
  std::uint16_t Flag = 0;
  std::uint16_t ActiveEntries = 0;
  std::int16_t ActiveCount = 0;
  OWNER_ENTRY OwnerEntry;
  std::vector<OWNER_ENTRY> OwnerTable;  // sharers beyond OwnerEntry
  std::uint32_t NumberOfSharedWaiters = 0;
  std::uint32_t NumberOfExclusiveWaiters = 0;
  std::uint32_t ContentionCount = 0;
  ke::KSEMAPHORE SharedWaiters;
  ke::KEVENT ExclusiveWaiters;  // SynchronizationEvent
  std::uint64_t owner_table_address = 0;  // simulated, for 0xE3 P3 (0 until the table exists)
  const ke::Kernel* kernel = nullptr;      // kesim: to name the thread an OwnerThread value is

  bool owned_exclusive() const { return (Flag & ResourceOwnedExclusive) != 0; }
};

// Registers an ERESOURCE (KOBJECTS::ResourceObject), initialized as ExInitializeResourceLite
// leaves it; its semaphore and event share its object index so waits on them are reported as
// waits on the resource.
ERESOURCE& create_resource(ke::Kernel& k, std::string name);

// The thread an OwnerThread value names (null for 0, the hand-off placeholder, or unknown).
const ke::KTHREAD* resource_owner_thread(const ke::Kernel& k, std::uint64_t owner_thread);

extern const ke::LockKind& kResourceLockKind;

}  // namespace kesim::ex
