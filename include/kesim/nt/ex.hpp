// include/kesim/nt/ex.hpp — the simulated Ex routines in NT spelling, for C++ users: push locks
// (the real algorithm on a simulated pointer-sized word), cache-aware push locks and fast
// mutexes. A kesim::Simulator creates the objects (create_push_lock, ...). Every routine is a
// scheduling point and acts on the current thread of the running machine; with AutoBoost on
// (win10 by default) a push-lock release by a thread that does not own it bugchecks 0x162.
#pragma once

#include "kesim/nt/ke.hpp"

namespace kesim::ex {

struct EX_PUSH_LOCK;
struct EX_PUSH_LOCK_CACHE_AWARE;
using FAST_MUTEX = ke::KGUARDED_MUTEX;

// Push locks: acquire at <= APC_LEVEL, inside a critical region (KeEnterCriticalRegion).
void ExInitializePushLock(EX_PUSH_LOCK& lock);
void ExAcquirePushLockExclusive(EX_PUSH_LOCK& lock);
void ExAcquirePushLockShared(EX_PUSH_LOCK& lock);
void ExReleasePushLockExclusive(EX_PUSH_LOCK& lock);
void ExReleasePushLockShared(EX_PUSH_LOCK& lock);
void ExReleasePushLock(EX_PUSH_LOCK& lock);  // generic: exclusive or shared
bool ExTryConvertPushLockSharedToExclusive(EX_PUSH_LOCK& lock);
// Sets Locked if it was clear: TRUE and held exclusive, else FALSE (never waits).
bool ExTryToAcquirePushLockExclusive(EX_PUSH_LOCK& lock);

// Cache-aware push locks: one push lock per slot; the shared acquire returns the slot it took
// and the shared release takes it back.
void ExAcquireCacheAwarePushLockExclusive(EX_PUSH_LOCK_CACHE_AWARE& lock);
void ExReleaseCacheAwarePushLockExclusive(EX_PUSH_LOCK_CACHE_AWARE& lock);
EX_PUSH_LOCK* ExAcquireCacheAwarePushLockShared(EX_PUSH_LOCK_CACHE_AWARE& lock);
void ExReleaseCacheAwarePushLockShared(EX_PUSH_LOCK_CACHE_AWARE& lock, EX_PUSH_LOCK* slot);

// Fast mutexes: ExAcquireFastMutex raises to APC_LEVEL and keeps the caller's IRQL for the
// release; not recursive. The Unsafe variants leave IRQL alone (caller at APC_LEVEL or in a
// critical region).
void ExInitializeFastMutex(FAST_MUTEX& mutex);
void ExAcquireFastMutex(FAST_MUTEX& mutex);
bool ExTryToAcquireFastMutex(FAST_MUTEX& mutex);
void ExReleaseFastMutex(FAST_MUTEX& mutex);
void ExAcquireFastMutexUnsafe(FAST_MUTEX& mutex);
void ExReleaseFastMutexUnsafe(FAST_MUTEX& mutex);
void ExEnterCriticalRegionAndAcquireFastMutexUnsafe(FAST_MUTEX& mutex);
void ExReleaseFastMutexUnsafeAndLeaveCriticalRegion(FAST_MUTEX& mutex);

// ERESOURCE (ReactOS ex/resource.c): owner-recursive reader/writer lock with an owner table.
// Callers run below DISPATCH_LEVEL with normal kernel APCs disabled (KeEnterCriticalRegion; not
// checked, as on a free build). `wait` FALSE returns FALSE instead of blocking.
struct ERESOURCE;
ke::NTSTATUS ExInitializeResourceLite(ERESOURCE& resource);
ke::NTSTATUS ExDeleteResourceLite(ERESOURCE& resource);
bool ExAcquireResourceExclusiveLite(ERESOURCE& resource, bool wait);
bool ExTryToAcquireResourceExclusiveLite(ERESOURCE& resource);
bool ExAcquireResourceSharedLite(ERESOURCE& resource, bool wait);
bool ExAcquireSharedStarveExclusive(ERESOURCE& resource, bool wait);
bool ExAcquireSharedWaitForExclusive(ERESOURCE& resource, bool wait);
void ExConvertExclusiveToSharedLite(ERESOURCE& resource);
void ExReleaseResourceLite(ERESOURCE& resource);  // bugcheck 0xE3 if the caller owns no share
bool ExIsResourceAcquiredExclusiveLite(ERESOURCE& resource);
std::uint32_t ExIsResourceAcquiredSharedLite(ERESOURCE& resource);  // the caller's count
std::uint32_t ExGetExclusiveWaiterCount(ERESOURCE& resource);
std::uint32_t ExGetSharedWaiterCount(ERESOURCE& resource);

}  // namespace kesim::ex

namespace kesim::nt {
using namespace kesim::ex;
}  // namespace kesim::nt
