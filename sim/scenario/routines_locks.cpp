// sim/scenario/routines_locks.cpp — push locks, cache-aware push locks, the mutex family and
// spin locks (SCENARIO-FORMAT.md §2). Each takes its lock as the one argument (KeReleaseMutex
// also takes Wait). Return values as the WDK declares them: the Try* routines and
// ExTryConvertPushLockSharedToExclusive a BOOLEAN, KeReleaseMutex the mutex's previous signal
// state (LONG), KeAcquireSpinLock the old IRQL (its OldIrql out-parameter); the rest VOID.
// Guarded mutexes arrived with Windows Server 2003 (SEMANTICS.md §9, §15).
#include "sim/ex/fmutex.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/scenario/routine_rows.hpp"

namespace kesim::scenario::rows {
namespace {

using namespace kesim::ke;
using ex::EX_PUSH_LOCK;
using ex::EX_PUSH_LOCK_CACHE_AWARE;
using ex::FAST_MUTEX;
using Ctx = ThreadCtx;

constexpr unsigned kPushLock = type_bit(ObjectType::push_lock);
constexpr unsigned kCacheAware = type_bit(ObjectType::cache_aware_push_lock);
constexpr unsigned kGuardedMutex = type_bit(ObjectType::guarded_mutex);
constexpr unsigned kFastMutex = type_bit(ObjectType::fast_mutex);
constexpr unsigned kMutex = type_bit(ObjectType::mutex);
constexpr unsigned kSpinLock = type_bit(ObjectType::spin_lock);

constexpr KeySpec kReleaseMutexKeys[] = {{"mutex", Arg::object, true}, {"wait", Arg::flag}};
// KeReleaseMutant(Mutant, Increment, Abandon, Wait) (ReactOS ke/mutex.c); increment defaults to
// KeReleaseMutex's 1.
constexpr KeySpec kReleaseMutantKeys[] = {{"mutant", Arg::object, true},
                                          {"increment", Arg::number, false, 0, 31},
                                          {"abandon", Arg::abandon},
                                          {"wait", Arg::flag}};

// The value a release needs from its acquire (the old IRQL, the cache-aware slot), kept per
// program object; a release without an acquire gets `fallback`.
template <class V>
V take(std::vector<std::pair<int, V>>& list, int key, V fallback) {
  for (auto it = list.rbegin(); it != list.rend(); ++it)
    if (it->first == key) {
      V v = it->second;
      list.erase(std::next(it).base());
      return v;
    }
  return fallback;
}

std::int64_t release_cache_aware_shared(Ctx& c, const Step& s) {
  auto& lock = obj<EX_PUSH_LOCK_CACHE_AWARE>(c, s.object);
  EX_PUSH_LOCK* slot = take<EX_PUSH_LOCK*>(c.cache_slots, s.object, nullptr);
  // Releasing a slot this thread never took: the slot of the current CPU, as a driver that
  // lost the returned pointer would do.
  if (!slot) slot = lock.Locks[static_cast<std::size_t>(c.thread->cpu) % lock.Locks.size()];
  ex::ExReleaseCacheAwarePushLockShared(lock, slot);
  return 0;
}

// A VOID routine of one lock argument.
template <class Lock, void (*F)(Lock&)>
std::int64_t on_lock(Ctx& c, const Step& s) {
  F(obj<Lock>(c, s.object));
  return 0;
}

// A BOOLEAN routine of one lock argument.
template <class Lock, bool (*F)(Lock&)>
std::int64_t try_lock(Ctx& c, const Step& s) {
  return F(obj<Lock>(c, s.object)) ? 1 : 0;
}

constexpr RoutineDescriptor kRows[] = {
    // ---- push locks
    {.op = Op::ExInitializePushLock, .name = "ExInitializePushLock", .scalar = Arg::object,
     .kinds = kPushLock, .exec = on_lock<EX_PUSH_LOCK, ex::ExInitializePushLock>},
    {.op = Op::ExAcquirePushLockExclusive, .name = "ExAcquirePushLockExclusive", .scalar = Arg::object,
     .kinds = kPushLock, .exec = on_lock<EX_PUSH_LOCK, ex::ExAcquirePushLockExclusive>},
    {.op = Op::ExAcquirePushLockShared, .name = "ExAcquirePushLockShared", .scalar = Arg::object,
     .kinds = kPushLock, .exec = on_lock<EX_PUSH_LOCK, ex::ExAcquirePushLockShared>},
    {.op = Op::ExReleasePushLockExclusive, .name = "ExReleasePushLockExclusive", .scalar = Arg::object,
     .kinds = kPushLock, .exec = on_lock<EX_PUSH_LOCK, ex::ExReleasePushLockExclusive>},
    {.op = Op::ExReleasePushLockShared, .name = "ExReleasePushLockShared", .scalar = Arg::object,
     .kinds = kPushLock, .exec = on_lock<EX_PUSH_LOCK, ex::ExReleasePushLockShared>},
    {.op = Op::ExReleasePushLock, .name = "ExReleasePushLock", .scalar = Arg::object, .kinds = kPushLock,
     .exec = on_lock<EX_PUSH_LOCK, ex::ExReleasePushLock>},
    {.op = Op::ExTryConvertPushLockSharedToExclusive, .name = "ExTryConvertPushLockSharedToExclusive",
     .result = Result::boolean, .scalar = Arg::object, .kinds = kPushLock,
     .exec = try_lock<EX_PUSH_LOCK, ex::ExTryConvertPushLockSharedToExclusive>},

    // ---- cache-aware push locks
    {.op = Op::ExAcquireCacheAwarePushLockExclusive, .name = "ExAcquireCacheAwarePushLockExclusive",
     .scalar = Arg::object, .kinds = kCacheAware,
     .exec = on_lock<EX_PUSH_LOCK_CACHE_AWARE, ex::ExAcquireCacheAwarePushLockExclusive>},
    {.op = Op::ExReleaseCacheAwarePushLockExclusive, .name = "ExReleaseCacheAwarePushLockExclusive",
     .scalar = Arg::object, .kinds = kCacheAware,
     .exec = on_lock<EX_PUSH_LOCK_CACHE_AWARE, ex::ExReleaseCacheAwarePushLockExclusive>},
    {.op = Op::ExAcquireCacheAwarePushLockShared, .name = "ExAcquireCacheAwarePushLockShared",
     .scalar = Arg::object, .kinds = kCacheAware,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       c.cache_slots.emplace_back(
           s.object, ex::ExAcquireCacheAwarePushLockShared(obj<EX_PUSH_LOCK_CACHE_AWARE>(c, s.object)));
       return 0;
     }},
    {.op = Op::ExReleaseCacheAwarePushLockShared, .name = "ExReleaseCacheAwarePushLockShared",
     .scalar = Arg::object, .kinds = kCacheAware, .exec = release_cache_aware_shared},

    // ---- mutexes
    {.op = Op::KeAcquireGuardedMutex, .name = "KeAcquireGuardedMutex", .scalar = Arg::object,
     .kinds = kGuardedMutex, .exec = on_lock<KGUARDED_MUTEX, KeAcquireGuardedMutex>,
     .since = Version::server2003, .since_why = kGuardedSince},
    {.op = Op::KeTryToAcquireGuardedMutex, .name = "KeTryToAcquireGuardedMutex", .result = Result::boolean,
     .scalar = Arg::object, .kinds = kGuardedMutex, .exec = try_lock<KGUARDED_MUTEX, KeTryToAcquireGuardedMutex>,
     .since = Version::server2003, .since_why = kGuardedSince},
    {.op = Op::KeReleaseGuardedMutex, .name = "KeReleaseGuardedMutex", .scalar = Arg::object,
     .kinds = kGuardedMutex, .exec = on_lock<KGUARDED_MUTEX, KeReleaseGuardedMutex>,
     .since = Version::server2003, .since_why = kGuardedSince},
    {.op = Op::ExAcquireFastMutex, .name = "ExAcquireFastMutex", .scalar = Arg::object, .kinds = kFastMutex,
     .exec = on_lock<FAST_MUTEX, ex::ExAcquireFastMutex>},
    {.op = Op::ExTryToAcquireFastMutex, .name = "ExTryToAcquireFastMutex", .result = Result::boolean,
     .scalar = Arg::object, .kinds = kFastMutex, .exec = try_lock<FAST_MUTEX, ex::ExTryToAcquireFastMutex>},
    {.op = Op::ExReleaseFastMutex, .name = "ExReleaseFastMutex", .scalar = Arg::object, .kinds = kFastMutex,
     .exec = on_lock<FAST_MUTEX, ex::ExReleaseFastMutex>},
    {.op = Op::KeReleaseMutex, .name = "KeReleaseMutex", .result = Result::value, .scalar = Arg::object,
     .keys = kReleaseMutexKeys, .kinds = kMutex,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t { return KeReleaseMutex(obj<KMUTANT>(c, s.object), s.flag); }},

    {.op = Op::KeReleaseMutant, .name = "KeReleaseMutant", .result = Result::value, .keys = kReleaseMutantKeys,
     .kinds = kMutex, .number = 1,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       return KeReleaseMutant(obj<KMUTANT>(c, s.object), static_cast<KPRIORITY>(s.number), s.abandon, s.flag);
     }},
    {.op = Op::KeAcquireGuardedMutexUnsafe, .name = "KeAcquireGuardedMutexUnsafe", .scalar = Arg::object,
     .kinds = kGuardedMutex, .exec = on_lock<KGUARDED_MUTEX, KeAcquireGuardedMutexUnsafe>,
     .since = Version::server2003, .since_why = kGuardedSince},
    {.op = Op::KeReleaseGuardedMutexUnsafe, .name = "KeReleaseGuardedMutexUnsafe", .scalar = Arg::object,
     .kinds = kGuardedMutex, .exec = on_lock<KGUARDED_MUTEX, KeReleaseGuardedMutexUnsafe>,
     .since = Version::server2003, .since_why = kGuardedSince},
    {.op = Op::ExAcquireFastMutexUnsafe, .name = "ExAcquireFastMutexUnsafe", .scalar = Arg::object,
     .kinds = kFastMutex, .exec = on_lock<FAST_MUTEX, ex::ExAcquireFastMutexUnsafe>},
    {.op = Op::ExReleaseFastMutexUnsafe, .name = "ExReleaseFastMutexUnsafe", .scalar = Arg::object,
     .kinds = kFastMutex, .exec = on_lock<FAST_MUTEX, ex::ExReleaseFastMutexUnsafe>},
    {.op = Op::ExEnterCriticalRegionAndAcquireFastMutexUnsafe,
     .name = "ExEnterCriticalRegionAndAcquireFastMutexUnsafe", .scalar = Arg::object, .kinds = kFastMutex,
     .exec = on_lock<FAST_MUTEX, ex::ExEnterCriticalRegionAndAcquireFastMutexUnsafe>},
    {.op = Op::ExReleaseFastMutexUnsafeAndLeaveCriticalRegion,
     .name = "ExReleaseFastMutexUnsafeAndLeaveCriticalRegion", .scalar = Arg::object, .kinds = kFastMutex,
     .exec = on_lock<FAST_MUTEX, ex::ExReleaseFastMutexUnsafeAndLeaveCriticalRegion>},

    // ---- spin locks
    {.op = Op::KeAcquireSpinLock, .name = "KeAcquireSpinLock", .result = Result::value, .scalar = Arg::object,
     .kinds = kSpinLock,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       const KIRQL old = KeAcquireSpinLock(obj<KSPIN_LOCK>(c, s.object));
       c.spin_irqls.emplace_back(s.object, old);
       return old;
     }},
    {.op = Op::KeReleaseSpinLock, .name = "KeReleaseSpinLock", .scalar = Arg::object, .kinds = kSpinLock,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       // A release without an acquire lowers to PASSIVE_LEVEL (the OldIrql a caller would pass).
       KeReleaseSpinLock(obj<KSPIN_LOCK>(c, s.object), take<KIRQL>(c.spin_irqls, s.object, PASSIVE_LEVEL));
       return 0;
     }},
    // The raise-free halves (ReactOS ke/spinlock.c): no IRQL change, no old IRQL.
    {.op = Op::KeAcquireSpinLockAtDpcLevel, .name = "KeAcquireSpinLockAtDpcLevel", .scalar = Arg::object,
     .kinds = kSpinLock, .exec = on_lock<KSPIN_LOCK, KeAcquireSpinLockAtDpcLevel>},
    {.op = Op::KeReleaseSpinLockFromDpcLevel, .name = "KeReleaseSpinLockFromDpcLevel", .scalar = Arg::object,
     .kinds = kSpinLock, .exec = on_lock<KSPIN_LOCK, KeReleaseSpinLockFromDpcLevel>},
    {.op = Op::KeTryToAcquireSpinLockAtDpcLevel, .name = "KeTryToAcquireSpinLockAtDpcLevel",
     .result = Result::boolean, .scalar = Arg::object, .kinds = kSpinLock,
     .exec = try_lock<KSPIN_LOCK, KeTryToAcquireSpinLockAtDpcLevel>},
    // Microsoft: KeTestSpinLock exists from Windows Server 2003.
    {.op = Op::KeTestSpinLock, .name = "KeTestSpinLock", .result = Result::boolean, .scalar = Arg::object,
     .kinds = kSpinLock,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t { return KeTestSpinLock(obj<KSPIN_LOCK>(c, s.object)) ? 1 : 0; },
     .since = Version::server2003, .since_why = "KeTestSpinLock arrived with Windows Server 2003"},
    // The KLOCK_QUEUE_HANDLE is implicit: its OldIrql is kept per thread and lock, like
    // KeAcquireSpinLock's. The routine is VOID: result 0. Microsoft: from Windows XP.
    {.op = Op::KeAcquireInStackQueuedSpinLock, .name = "KeAcquireInStackQueuedSpinLock", .result = Result::none,
     .scalar = Arg::object, .kinds = kSpinLock,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       const KIRQL old = KeAcquireInStackQueuedSpinLock(obj<KSPIN_LOCK>(c, s.object));
       c.queued_irqls.emplace_back(s.object, old);
       return 0;
     }},
    {.op = Op::KeReleaseInStackQueuedSpinLock, .name = "KeReleaseInStackQueuedSpinLock", .scalar = Arg::object,
     .kinds = kSpinLock,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       KeReleaseInStackQueuedSpinLock(obj<KSPIN_LOCK>(c, s.object),
                                      take<KIRQL>(c.queued_irqls, s.object, PASSIVE_LEVEL));
       return 0;
     }},
};

}  // namespace

std::span<const RoutineDescriptor> locks() { return kRows; }

}  // namespace kesim::scenario::rows
