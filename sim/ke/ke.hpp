// sim/ke/ke.hpp — the simulated Ke/Ps routines, in NT spelling, acting on the current thread
// of the current kernel. Every routine is a scheduling point. IRQL preconditions are checked
// as SEMANTICS.md lists them: a violation is a bugcheck, not an assert.
#pragma once

#include <span>

#include "sim/ke/kernel.hpp"

namespace kesim::ke {

using engine::Time;

// A relative timeout in ns; nullptr waits forever, 0 polls (SEMANTICS.md §5).
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
// KeInitializeApc: kind decides the routines that run (special: kernel_routine at APC_LEVEL;
// normal: normal_routine at PASSIVE_LEVEL; user: normal_routine in "user mode").
void KeInitializeApc(KAPC& apc, KTHREAD& target, ApcKind kind, KAPC_ROUTINE kernel_routine,
                     KAPC_ROUTINE normal_routine, void* context);
bool KeInsertQueueApc(KAPC& apc);

// ---- waits (wait.cpp) -------------------------------------------------------------------------
NTSTATUS KeWaitForSingleObject(DISPATCHER_HEADER& object, KWAIT_REASON reason,
                               KPROCESSOR_MODE mode, bool alertable, Timeout timeout);
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
bool KeSetTimer(KTIMER& timer, Time due, Time period);
bool KeCancelTimer(KTIMER& timer);
void KeWaitForGate(KGATE& gate, KWAIT_REASON reason, KPROCESSOR_MODE mode);
void KeSignalGateBoostPriority(KGATE& gate);

// ---- spin locks and guarded mutexes -----------------------------------------------------------
KIRQL KeAcquireSpinLock(KSPIN_LOCK& lock);
void KeReleaseSpinLock(KSPIN_LOCK& lock, KIRQL old_irql);
void KeAcquireGuardedMutex(KGUARDED_MUTEX& mutex);
bool KeTryToAcquireGuardedMutex(KGUARDED_MUTEX& mutex);
void KeReleaseGuardedMutex(KGUARDED_MUTEX& mutex);

// ---- threads ------------------------------------------------------------------------------------
KPRIORITY KeSetPriorityThread(KTHREAD& thread, KPRIORITY priority);
void PsCreateSystemThread(KTHREAD& thread);  // starts a thread the caller created
[[noreturn]] void PsTerminateSystemThread(NTSTATUS status);
// Runs code on the CPU for `duration` of virtual time (the scenario's `work`). Kernel APCs
// interrupt it when IRQL allows; higher-priority threads preempt it below DISPATCH_LEVEL.
void KiRunOnCpu(Time duration);

// ---- failures -----------------------------------------------------------------------------------
[[noreturn]] void KeBugCheckEx(std::uint32_t code, std::uint64_t p1, std::uint64_t p2,
                               std::uint64_t p3, std::uint64_t p4, std::string note = {});
// An exception raised in a system thread: there is no handler in a scenario, so it is
// SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E) as in Windows (SEMANTICS.md §13, "Exceptions").
[[noreturn]] void ExRaiseStatus(NTSTATUS status);

// ---- internals shared by Ke/Ex (Ki routines) ---------------------------------------------------
// A scheduling point: lets other CPUs run, then delivers a pending APC interrupt if IRQL allows.
void KiSchedulingPoint();
// Records that `t` acquired/released a lock (holders, observers, trace).
void KiNoteAcquire(KTHREAD& t, KOBJECT_BASE& lock, bool exclusive);
void KiNoteRelease(KTHREAD& t, KOBJECT_BASE& lock);
// Sets the thread's last status for `assert: last_status`.
inline void KiSetLastStatus(KTHREAD& t, NTSTATUS s) { t.last_status = s; t.last_boolean = -1; }
inline void KiSetLastBoolean(KTHREAD& t, bool b) { t.last_boolean = b ? 1 : 0; }

}  // namespace kesim::ke
