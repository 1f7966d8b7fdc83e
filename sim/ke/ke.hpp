// sim/ke/ke.hpp — the simulated Ke/Ps routines, in NT spelling, acting on the current thread
// of the current kernel. Every routine is a scheduling point. IRQL preconditions are checked
// as SEMANTICS.md lists them: a violation is a bugcheck, not an assert.
#pragma once

#include <span>

#include "kesim/nt/ke.hpp"
#include "sim/ke/kernel.hpp"

namespace kesim::ke {

// The public routines are declared in include/kesim/nt/ke.hpp; these are kesim's internal ones.

// KeInitializeApc: kind decides the routines that run (special: kernel_routine at APC_LEVEL;
// normal: normal_routine at PASSIVE_LEVEL; user: normal_routine in "user mode").
void KeInitializeApc(KAPC& apc, KTHREAD& target, ApcKind kind, KAPC_ROUTINE kernel_routine,
                     KAPC_ROUTINE normal_routine, void* context);
bool KeInsertQueueApc(KAPC& apc);

// ---- failures -----------------------------------------------------------------------------------
[[noreturn]] void KeBugCheckEx(std::uint32_t code, std::uint64_t p1, std::uint64_t p2,
                               std::uint64_t p3, std::uint64_t p4, std::string note = {});
// An exception raised in a system thread: there is no handler in a scenario, so it is
// SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E) as in Windows (SEMANTICS.md §13, "Exceptions").
// A handler (a scenario `try` step) on this thread catches it instead when its filter accepts the
// status: ExRaiseStatus throws KiRaisedException to that frame, which unwinds to the handler.
[[noreturn]] void ExRaiseStatus(NTSTATUS status);

// One exception handler, innermost first through `prev` (KTHREAD::exception_frames); lives on
// the handler's C++ stack (no allocation). A handler sees only exceptions raised at its own APC
// nesting depth: an APC routine's raise does not unwind through the APC delivery code.
struct KiExceptionFrame {
  KiExceptionFrame* prev = nullptr;
  bool (*filter)(const void* context, NTSTATUS status) = nullptr;
  const void* context = nullptr;
  std::uint32_t apc_depth = 0;
};
struct KiRaisedException {
  NTSTATUS status;
  const KiExceptionFrame* frame;  // the handler that takes it
};

// ---- internals shared by Ke/Ex (Ki routines) ---------------------------------------------------
// KiSchedulingPoint (public header) lets other CPUs run, then delivers a pending APC
// interrupt if IRQL allows.
// Records that `t` acquired/released a lock (holders, observers, trace).
void KiNoteAcquire(KTHREAD& t, KOBJECT_BASE& lock, bool exclusive);
void KiNoteRelease(KTHREAD& t, KOBJECT_BASE& lock);
// KiNoteRelease in two halves, for a lock whose release takes several scheduling points (a
// push lock's interlocked word operations): the observers hear of the release first (so the
// happens-before edge precedes the word's change), and the holder record goes only once the
// word is released, so an APC or a view in between still sees who holds the lock.
// KiNoteReleaseBegin returns the hold the release ends (the caller's, or for a foreign release
// the oldest holder's; null if none); KiDropHold removes it.
const KTHREAD* KiNoteReleaseBegin(KTHREAD& t, KOBJECT_BASE& lock);
void KiDropHold(KOBJECT_BASE& lock, const KTHREAD* holder);
// Sets the thread's last status for `assert: last_status`.
inline void KiSetLastStatus(KTHREAD& t, NTSTATUS s) { t.last_status = s; t.last_boolean = -1; }
inline void KiSetLastBoolean(KTHREAD& t, bool b) { t.last_boolean = b ? 1 : 0; }

}  // namespace kesim::ke
