// sim/ke/ki.hpp — Ki routines shared by the Ke files (internal; ReactOS ke_x.h in spirit).
#pragma once

#include "sim/ke/kernel.hpp"

namespace kesim::ke {

// Loads a new IRQL into the thread context (free builds just load the value, kmtest KeIrql.c),
// keeps the engine's preemptibility in step and fires a pending APC interrupt below APC_LEVEL.
void KiSetIrql(KTHREAD& t, KIRQL irql);
// CombinedApcDisable: SpecialApcDisable in the high 16 bits, KernelApcDisable in the low.
inline std::uint32_t KiCombinedApcDisable(const KTHREAD& t) {
  return (static_cast<std::uint32_t>(static_cast<std::uint16_t>(t.SpecialApcDisable)) << 16) |
         static_cast<std::uint16_t>(t.KernelApcDisable);
}
// The APC_LEVEL software interrupt on the current thread: raise, KiDeliverApc, lower.
void KiDeliverApcInterrupt(KTHREAD& t);
// Leaving a region: deliver now at PASSIVE_LEVEL, else request the interrupt.
void KiCheckForKernelApcDelivery(KTHREAD& t);
void KiDeliverUserApcs(KTHREAD& t);
// KeInsertQueueApc without the scheduling point, for interrupt-like contexts (event handlers:
// I/O completion); `self` is the inserting thread or nullptr.
bool KiInsertQueueApc(KAPC& apc, KTHREAD* self);
void KiEnterGuardedRegion(KTHREAD& t);
void KiLeaveGuardedRegion(KTHREAD& t);
void KiAdjustKernelApcDisable(KTHREAD& t, int delta);  // critical region enter (-1) / leave (+1)

// Dispatcher core (wait.cpp).
void KiWaitTest(DISPATCHER_HEADER& object, KPRIORITY increment);
void KiUnwaitThread(KTHREAD& t, NTSTATUS status, KPRIORITY increment);
bool KiIsSignaledFor(const DISPATCHER_HEADER& object, const KTHREAD& t);
NTSTATUS KiWait(std::span<DISPATCHER_HEADER* const> objects, WAIT_TYPE type, KWAIT_REASON reason,
                KPROCESSOR_MODE mode, bool alertable, const engine::Time* timeout,
                KTHREAD_STATE state);
void KiExitThread(KTHREAD& t);
void KiCheckWaitIrql(KTHREAD& t, const DISPATCHER_HEADER* object, const engine::Time* timeout);
// Where a waiter's IRQL and timeout values sit on its simulated stack (0xC4/0x120-0x122 Arg2
// and Arg4 are their addresses).
inline constexpr std::uint64_t kWaitIrqlSlot = 0x5c00;
inline constexpr std::uint64_t kWaitTimeoutSlot = 0x5c08;

// Guarded-mutex Count protocol, shared with Win8+ fast mutexes (gmutex.cpp).
bool KiTryTakeGuardedMutex(KGUARDED_MUTEX& m);
void KiAcquireGuardedMutexContended(KGUARDED_MUTEX& m, KWAIT_REASON reason);
void KiReleaseGuardedMutexCount(KGUARDED_MUTEX& m);

// The end of every release routine: AutoBoost drops the owner's boost only once waiters have
// been woken (dropping it earlier lets a middle-priority thread preempt the release itself).
// The end of a routine that may have readied a thread (ReactOS KiExitDispatcher): if the
// caller was preempted by it (a higher-priority waiter, a wait boost, a deferred ready taken
// when IRQL dropped), the switch happens here, inside the routine, not at the caller's next
// kernel call (kmtest ntos_ke/KeEvent.c TestEventScheduling relies on it). A pending APC
// interrupt is then delivered as after any switch.
void KiExitDispatcher();

inline void KiReleaseDone(KTHREAD& t, KOBJECT_BASE& lock) {
  if (LockTracker* tr = current_kernel().lock_tracker()) tr->release_done(t, lock);
  KiExitDispatcher();
}

// Marks the lock a thread is about to sleep or spin on (-1: none). Keeps lock_waiters in step;
// deadlock analysis and AutoBoost read both.
void KiSetWaitingOnLock(KTHREAD& t, std::int32_t lock);
// Every priority change of a thread goes through here (Engine::set_priority clamps to 0..31
// and re-places the thread), so the waiter counts of the lock it waits on stay exact.
void KiSetPriority(KTHREAD& t, int priority);
// The lock-waiter bookkeeping of a thread whose priority changes from `from` to `to` outside
// KiSetPriority (the engine's quantum-end decay), or that leaves the count (exit: to = -1).
void KiNoteWaiterPriority(KTHREAD& t, int from, int to);

// Limits (sim/engine/limits.hpp, kernel.cpp). One scenario step is about to run: counts it
// toward max_steps and checks the stack left; the run stops when a limit is reached.
void KiCountStep();
// `bytes` of log/dump output are about to be kept: stops the run past kMaxOutputBytes.
void KiCountOutput(std::size_t bytes);

// The thread state as a debugger shows it: the Ke state, refined by the engine's.
KTHREAD_STATE KiThreadState(const KTHREAD& t);

}  // namespace kesim::ke
