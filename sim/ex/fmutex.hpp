// sim/ex/fmutex.hpp — FAST_MUTEX (SEMANTICS.md §9): ExAcquireFastMutex, ExTryToAcquireFastMutex,
// ExReleaseFastMutex and the Unsafe variants, on the current thread.
//
// Layout. FAST_MUTEX is KGUARDED_MUTEX: {Count, Owner, Contention, Event (synchronization),
// OldIrql} (+ the 2003 guarded mutex's Gate, unused here). Win8+ gives both the same structure
// and implementation (MSB).
//
// Count by version:
//   xp, server2003 (kmtest ExFastMutex.c): 1 free, 0 held, -n held with n waiters. A blocked
//     acquirer adds 1 to Contention and waits on Event; the release signals Event, which hands
//     the mutex directly to the oldest waiter (no barging).
//   win10: the guarded-mutex bit encoding (bit 0 LOCK, 1 = free; bit 1 WOKEN; waiters in units of
//     4): 1 free, 0 held, 4 held with one waiter. Vista+ encoding per ReactOS; Windows
//     unconfirmed.
// The owner runs at APC_LEVEL with the caller's IRQL kept in OldIrql; KeAreApcsDisabled stays
// FALSE (IRQL is not an APC-disable count). Not recursive: a second acquire by the owner waits on
// itself for ever; a Try by the owner returns FALSE.
#pragma once

#include <string>

#include "kesim/nt/ex.hpp"
#include "sim/ke/kernel.hpp"

namespace kesim::ex {


// Registers a fast mutex (KOBJECTS::FastMutexObject): Count 1, no owner, Contention 0.
FAST_MUTEX& create_fast_mutex(ke::Kernel& k, std::string name);

// The routines are declared in include/kesim/nt/ex.hpp:
//   ExAcquireFastMutex: raise to APC_LEVEL, acquire (waiting if needed), remember the IRQL;
//   ExTryToAcquireFastMutex: TRUE held at APC_LEVEL; FALSE (held by anyone, the caller
//     included) with the IRQL restored;
//   ExReleaseFastMutex: Owner NULL, wake one waiter if any, lower IRQL to OldIrql;
//   the Unsafe variants neither raise nor lower IRQL.

}  // namespace kesim::ex
