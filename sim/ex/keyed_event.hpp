// sim/ex/keyed_event.hpp — keyed events: one executive object on which many threads meet in
// pairs, each pair identified by a key (a pointer value, in practice the address of the user's
// lock). NtWaitForKeyedEvent(K, key) blocks until some thread calls NtReleaseKeyedEvent(K, key);
// NtReleaseKeyedEvent wakes exactly one waiter of that key and, when none waits yet, blocks until
// one arrives (a rendezvous: the release is never lost, and never stored either).
//
// Sources read (no code copied):
//   - WRK base/ntos/ex/keyedevent.c (Microsoft's Windows Research Kernel, Server 2003 SP1): one
//     WaitQueue per object guarded by a push lock; a releaser that finds no waiter queues at the
//     HEAD with key|1 (KEYVALUE_RELEASE), a waiter that finds no releaser queues at the TAIL, so
//     a wait only scans the releasers at the front; matching also requires the same process; the
//     sleeper waits on its own ETHREAD.KeyedWaitSemaphore (Executive, PreviousMode, Alertable,
//     Timeout); the matcher removes it from the queue and releases that semaphore with
//     SEMAPHORE_INCREMENT; a sleeper whose wait ends otherwise (timeout, alert) takes itself off
//     the queue, or, if a matcher already took it off, waits once more (KernelMode,
//     non-alertable, no timeout) for the wake that matcher is about to give, and still returns
//     its own status. An odd key is STATUS_INVALID_PARAMETER_1.
//   - ReactOS ntoskrnl/ex/keyedevt.c (Timo Kreuzer's implementation): the same contract with
//     23 hash buckets, separate wait and release lists (both FIFO), WaitReason WrKeyedEvent,
//     KernelMode; a NULL handle means the global ExpCritSecOutOfMemoryEvent, created at boot as
//     \KernelObjects\CritSecOutOfMemoryEvent (WRK creates the same named, permanent object).
//   - Seed S2 (`dt nt!_ETHREAD`, Win11): KeyedWaitChain, KeyedWaitValue, KeyedWaitSemaphore at
//     +0x4d8, KeyedEventInUse.
//   - SEMANTICS.md §12 (the summary of the above).
//
// Where Windows uses them (what the sources say; kesim has no user mode, so none is modelled):
//   - user-mode critical sections fall back to the global keyed event when no event can be
//     allocated (Matt Pietrek's MSDN blog, "Slim Reader/Writer locks", 2006-10-19: in low memory
//     EnterCriticalSection falls back to a keyed event; the object's name in WRK/ReactOS says
//     the same);
//   - Vista's SRW locks and condition variables are built on keyed events (jadro-windows.cz,
//     "KeyedEvent" library page; Pietrek's post introduces keyed events as what SRW locks use);
//     Rust std's pre-Windows-8 thread parker uses them too and notes the blocking release.
//   - The KERNEL push lock does not: WRK and seed S0 (2003) sleep on a KGATE in the wait block,
//     seed S2 (Win11) and ReactOS ex/pushlock.c on a synchronization KEVENT (sim/ex/pushlock_wake.cpp).
//     The relation runs the other way: a keyed event's own queue is guarded by a push lock. The
//     push lock's user-mode counterpart, the SRW lock, is the one that waits on keyed events.
//
// Decisions:
//   - Queue order follows WRK (Microsoft's code): waiters FIFO per key, releasers LIFO per key
//     (queued at the head). ReactOS keeps releasers FIFO; it only matters when several releasers
//     of one key are blocked at once.
//   - WaitReason: WrKeyedEvent (21) on win10 (ReactOS; KWAIT_REASON has it), Executive on xp and
//     server2003 (WRK). Wait mode KernelMode: kesim's threads are system threads, PreviousMode is
//     KernelMode, so STATUS_USER_APC cannot end the wait; kesim has no KeAlertThread, so
//     `alertable` is accepted but STATUS_ALERTED cannot happen either: the results are
//     STATUS_SUCCESS, STATUS_TIMEOUT and STATUS_INVALID_PARAMETER_1.
//   - The push lock and critical region around the queue are one atomic step in kesim (the
//     routine's scheduling point comes first); the wait is a scheduling point of its own.
//   - Every kesim thread is in the System process, so "same process" always holds.
//   - IRQL: the routines are PASSIVE_LEVEL (WRK ASSERTs it). A blocking call at DISPATCH_LEVEL or
//     above goes through KeWaitForSingleObject and is reported as every such wait is (README).
#pragma once

#include <string>

#include "kesim/nt/types.hpp"
#include "sim/ke/kernel.hpp"

namespace kesim::ex {

// WRK: the low bit of KeyedWaitValue marks a releaser waiting for its waiter.
inline constexpr std::uint64_t KEYVALUE_RELEASE = 1;
// ETHREAD.KeyedWaitSemaphore on Win11 x64 (seed S2), for the simulated address.
inline constexpr std::uint64_t kKeyedWaitSemaphoreOffset = 0x4d8;
// The name kesim gives the global keyed event (\KernelObjects\CritSecOutOfMemoryEvent).
inline constexpr const char* kCritSecOutOfMemoryEventName = "CritSecOutOfMemoryEvent";

using KeyedWaitQueue = IntrusiveList<ke::KTHREAD, &ke::KTHREAD::KeyedWaitChain>;

// KEYED_EVENT_OBJECT (WRK): the queue; releasers (key|1) at the front, waiters behind them.
struct KEYED_EVENT : ke::KOBJECT_BASE {
  KeyedWaitQueue WaitQueue;
};

// Registers a keyed event (KOBJECTS::KeyedEventObject), as NtCreateKeyedEvent leaves it.
KEYED_EVENT& create_keyed_event(ke::Kernel& k, std::string name);

// The routines, on the current thread. `timeout` null: wait for ever.
ke::NTSTATUS NtWaitForKeyedEvent(KEYED_EVENT& event, std::uint64_t key, bool alertable,
                             const engine::Time* timeout);
ke::NTSTATUS NtReleaseKeyedEvent(KEYED_EVENT& event, std::uint64_t key, bool alertable,
                             const engine::Time* timeout);

// For reports: does `t` wait in `event` as a releaser (else as a waiter)? and its key.
inline bool keyed_is_release(const ke::KTHREAD& t) { return (t.KeyedWaitValue & KEYVALUE_RELEASE) != 0; }
inline std::uint64_t keyed_key(const ke::KTHREAD& t) { return t.KeyedWaitValue & ~KEYVALUE_RELEASE; }

extern const ke::LockKind& kKeyedEventLockKind;

}  // namespace kesim::ex
