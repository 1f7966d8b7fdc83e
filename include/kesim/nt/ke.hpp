// include/kesim/nt/ke.hpp — the simulated Ke/Ps routines in NT spelling, for C++ users: call
// them from a thread body (kesim::Simulator::spawn). They act on the current thread of the
// machine that is running; every routine is a scheduling point, and IRQL preconditions are
// checked as Windows checks them: a violation is a bugcheck, not a C++ assert.
//
//   sim.spawn("Waiter", [&] { KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr); });
#pragma once

#include <cstdint>
#include <span>

#include "kesim/nt/types.hpp"

namespace kesim::ke {

// The simulated objects; a Simulator creates them (create_event, create_mutex, ...).
struct KTHREAD;
struct DISPATCHER_HEADER;
struct KEVENT;
struct KSEMAPHORE;
struct KMUTANT;
using KMUTEX = KMUTANT;
struct KTIMER;
struct KGATE;
struct KSPIN_LOCK;
struct KGUARDED_MUTEX;

// A relative timeout in ns; nullptr waits forever, 0 polls.
using Timeout = const Time*;

KTHREAD* KeGetCurrentThread();

// ---- IRQL (irql.cpp) --------------------------------------------------------------------------
KIRQL KeGetCurrentIrql();
KIRQL KeRaiseIrql(KIRQL new_irql);  // returns the old IRQL
void KeLowerIrql(KIRQL new_irql);

// ---- regions and APCs (apc.cpp) ---------------------------------------------------------------
void KeEnterCriticalRegion();
void KeLeaveCriticalRegion();
void KeEnterGuardedRegion();
void KeLeaveGuardedRegion();
bool KeAreApcsDisabled();
bool KeAreAllApcsDisabled();

// ---- waits (wait.cpp) -------------------------------------------------------------------------
NTSTATUS KeWaitForSingleObject(DISPATCHER_HEADER& object, KWAIT_REASON reason,
                               KPROCESSOR_MODE mode, bool alertable, Timeout timeout);
// The same wait on each kind of dispatcher object, for callers that see only the public types.
NTSTATUS KeWaitForSingleObject(KEVENT& object, KWAIT_REASON reason, KPROCESSOR_MODE mode,
                               bool alertable, Timeout timeout);
NTSTATUS KeWaitForSingleObject(KSEMAPHORE& object, KWAIT_REASON reason, KPROCESSOR_MODE mode,
                               bool alertable, Timeout timeout);
NTSTATUS KeWaitForSingleObject(KMUTANT& object, KWAIT_REASON reason, KPROCESSOR_MODE mode,
                               bool alertable, Timeout timeout);
NTSTATUS KeWaitForSingleObject(KTIMER& object, KWAIT_REASON reason, KPROCESSOR_MODE mode,
                               bool alertable, Timeout timeout);
NTSTATUS KeWaitForSingleObject(KTHREAD& object, KWAIT_REASON reason, KPROCESSOR_MODE mode,
                               bool alertable, Timeout timeout);
NTSTATUS KeWaitForMultipleObjects(std::span<DISPATCHER_HEADER* const> objects, WAIT_TYPE type,
                                  KWAIT_REASON reason, KPROCESSOR_MODE mode, bool alertable,
                                  Timeout timeout);
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE mode, bool alertable, Time interval);

// ---- dispatcher objects -----------------------------------------------------------------------
LONG KeSetEvent(KEVENT& event, KPRIORITY increment, bool wait);
LONG KeResetEvent(KEVENT& event);
void KeClearEvent(KEVENT& event);
LONG KePulseEvent(KEVENT& event, KPRIORITY increment, bool wait);
LONG KeReadStateEvent(const KEVENT& event);
LONG KeReleaseSemaphore(KSEMAPHORE& semaphore, KPRIORITY increment, LONG adjustment, bool wait);
LONG KeReleaseMutex(KMUTANT& mutex, bool wait);
LONG KeReleaseMutant(KMUTANT& mutant, KPRIORITY increment, bool abandon, bool wait);
bool KeSetTimer(KTIMER& timer, Time due, Time period);
bool KeCancelTimer(KTIMER& timer);
void KeWaitForGate(KGATE& gate, KWAIT_REASON reason, KPROCESSOR_MODE mode);
void KeSignalGateBoostPriority(KGATE& gate);

// ---- spin locks and guarded mutexes -----------------------------------------------------------
KIRQL KeAcquireSpinLock(KSPIN_LOCK& lock);
void KeReleaseSpinLock(KSPIN_LOCK& lock, KIRQL old_irql);
void KeAcquireSpinLockAtDpcLevel(KSPIN_LOCK& lock);   // no IRQL change
void KeReleaseSpinLockFromDpcLevel(KSPIN_LOCK& lock);
bool KeTryToAcquireSpinLockAtDpcLevel(KSPIN_LOCK& lock);
bool KeTestSpinLock(const KSPIN_LOCK& lock);          // TRUE when the lock looks free
// In-stack queued spin locks: the KLOCK_QUEUE_HANDLE is the caller's; kesim keeps its OldIrql
// for the caller (returned here, passed back to the release).
KIRQL KeAcquireInStackQueuedSpinLock(KSPIN_LOCK& lock);
void KeReleaseInStackQueuedSpinLock(KSPIN_LOCK& lock, KIRQL old_irql);
KIRQL KeRaiseIrqlToDpcLevel();                        // returns the old IRQL
void KeAcquireGuardedMutex(KGUARDED_MUTEX& mutex);
bool KeTryToAcquireGuardedMutex(KGUARDED_MUTEX& mutex);
void KeReleaseGuardedMutex(KGUARDED_MUTEX& mutex);
void KeAcquireGuardedMutexUnsafe(KGUARDED_MUTEX& mutex);  // no guarded region
void KeReleaseGuardedMutexUnsafe(KGUARDED_MUTEX& mutex);

// ---- threads ------------------------------------------------------------------------------------
KPRIORITY KeSetPriorityThread(KTHREAD& thread, KPRIORITY priority);
void PsCreateSystemThread(KTHREAD& thread);  // starts a thread the caller created
[[noreturn]] void PsTerminateSystemThread(NTSTATUS status);
// Runs code on the CPU for `duration` of virtual time (the scenario's `work`). Kernel APCs
// interrupt it when IRQL allows; higher-priority threads preempt it below DISPATCH_LEVEL.
void KiRunOnCpu(Time duration);

// A scheduling point that is not a routine: lets other CPUs run first (kesim's own; the
// simulated interlocked words call it before every access).
void KiSchedulingPoint();
// The same, before an access to memory word `word` alone (its id from KiNewWordId): it tells
// exploration's partial-order reduction (dpor) that the access touches that word and nothing
// else, so accesses to different words, or two reads, are independent.
void KiSchedulingPointWord(std::uint32_t word, bool write);
// A deterministic id for a memory word created on the running machine (creation order).
std::uint32_t KiNewWordId();
// Checks the invariants registered on the running machine (Simulator::add_invariant); a
// violation ends the run with outcome assertion_failed. The interlocked words call it after
// every operation.
void KiCheckInvariants();
// The `pause` instruction of a spin loop: 10 ns of CPU, and a hint to exploration strategies
// that this thread is spinning (they let the others go first).
void KiYieldProcessor();

}  // namespace kesim::ke

namespace kesim::nt {
using namespace kesim::ke;
inline constexpr auto KernelMode = ke::KPROCESSOR_MODE::KernelMode;
inline constexpr auto UserMode = ke::KPROCESSOR_MODE::UserMode;
inline constexpr auto WaitAll = ke::WAIT_TYPE::WaitAll;
inline constexpr auto WaitAny = ke::WAIT_TYPE::WaitAny;
}  // namespace kesim::nt
