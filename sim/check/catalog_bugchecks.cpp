// sim/check/catalog_bugchecks.cpp — the bugcheck half of the teaching catalogue: every code
// kesim can raise or name in a report, with its `!analyze -v` style summary, the meaning of
// Arg1..Arg4 and a teaching paragraph (trigger in lock code, kesim pattern, fix).
// Source followed: SEMANTICS.md §13 (table, parameters, 0xC4 subcodes) and the sections named
// in each entry; Microsoft "Bug Check Code Reference" pages for names and parameter meanings.
// All text is our own wording.
#include <algorithm>
#include <array>

#include "sim/check/catalog.hpp"

namespace kesim::check {
namespace {

// Sorted by code: find_bugcheck() relies on it (checked by the catalogue test).
constexpr BugcheckInfo kBugchecks[] = {
    {0x1, "APC_INDEX_MISMATCH",
     "A system service or a worker routine returned to its caller with the thread's APC "
     "state out of balance. Either a kernel or special APC disable count is not zero (a "
     "critical or guarded region was entered and not left, or left once too often), or the "
     "thread is still attached to another process.",
     {"Address of the system service or worker routine that returned",
      "The thread's ApcStateIndex (not zero: still attached to another process)",
      "The thread's CombinedApcDisable: SpecialApcDisable in the high 16 bits, "
      "KernelApcDisable in the low 16 bits",
      "Kind of return: 0 = system service, 1 = worker routine"},
     "KeEnterCriticalRegion, KeEnterGuardedRegion, acquiring a KMUTEX and "
     "KeAcquireGuardedMutex all count a per-thread APC disable counter down, and the "
     "matching Leave or Release counts it back up; both counters must be zero again whenever "
     "control goes back to the code that called the driver. A KeLeaveCriticalRegion missing "
     "on an error path, or a guarded mutex or KMUTEX still held at the return, leaves a "
     "negative count; an extra Leave leaves +1, which retail kernels accept silently until a "
     "check like this one fires. Windows makes the check when a system service returns to "
     "user mode and when a work-item routine returns to its worker thread (Arg4 says which). "
     "A kesim scenario has neither boundary: a thread whose steps end with a region still "
     "entered is caught by the thread-exit check instead (0x20), which has the same cause and "
     "the same fix. Pair every Enter or Acquire with its Leave or Release on every path, and "
     "put `assert: {KernelApcDisable: 0, SpecialApcDisable: 0}` where the code must be "
     "balanced.",
     "SEMANTICS.md §4, §13; DOC bug check 0x1"},

    {0x5, "INVALID_PROCESS_ATTACH_ATTEMPT",
     "A thread attached to a process when it was not allowed to: it was already attached, "
     "it was running a DPC, or an APC routine changed the attach state and returned without "
     "restoring it.",
     {"The thread's original (home) process", "The process the thread is attached to now",
      "The thread's ApcStateIndex", "Not zero if a DPC routine was active on the processor"},
     "Attaching to another process's address space must be undone by the same routine, and "
     "is illegal from a DPC; kernel APC delivery also checks that an APC routine leaves its "
     "thread in the process where it found it. The lock-related form is an APC routine, or a "
     "region protected by a lock, that attaches and then returns early on an error path "
     "without detaching. The scenario format has no attach step, so no kesim scenario raises "
     "it; it is listed so that the catalogue covers every check of SEMANTICS.md §3, and its "
     "parameters follow ReactOS. Fix: detach on every path of the routine that attached, and "
     "never attach in DPC context.",
     "SEMANTICS.md §3, §13 (ReactOS parameters); RO ke/apc.c"},

    {0x9, "IRQL_NOT_GREATER_OR_EQUAL",
     "KeRaiseIrql was asked to raise the IRQL to a level below the current one. Checked "
     "(debug) kernels stop here; retail kernels simply load the new, lower value.",
     {"Not documented", "Not documented", "Not documented", "Not documented"},
     "KeRaiseIrql may only go up and KeLowerIrql only down: each raise saves the previous "
     "level, and the matching lower must restore exactly that value. The bug is usually an "
     "unbalanced pair, a raise in one routine and the lower in another, after which a second "
     "raise 'to' a level below the current one silently drops the processor's IRQL in the "
     "middle of code that believes it is protected. kesim follows the retail kernel, where "
     "the check does not exist: a `KeRaiseIrql` step below the current level is executed as "
     "written, and the damage shows later (preemption inside a spin-lock region, 0xC8 from "
     "an APC routine). Reports name 0x9 because that is what a checked "
     "kernel would have said. Fix: keep each raise and its lower in the same scope and lower "
     "to the level the thread had before the raise.",
     "SEMANTICS.md §2, §13; KMT ntos_ke/KeIrql.c; DOC bug check 0x9"},

    {0xA, "IRQL_NOT_LESS_OR_EQUAL",
     "Kernel-mode code touched pageable or invalid memory while running at an IRQL too high "
     "for a page fault to be serviced (DISPATCH_LEVEL or above). Typically a bad pointer, or "
     "pageable code or data used while a spin lock is held.",
     {"The memory address that was referenced", "The IRQL at the time of the reference",
      "Kind of access: bit 0 set = write, clear = read; bit 3 set = instruction fetch",
      "Address of the instruction that made the reference"},
     "At DISPATCH_LEVEL and above the dispatcher cannot run, so the page-fault handler "
     "cannot wait for a page to be read in, and any fault on pageable memory is fatal. Lock "
     "code meets this when pageable code or data is used while a spin lock is held (the "
     "acquire raised IRQL to DISPATCH_LEVEL) or after an explicit KeRaiseIrql; checked "
     "2003-era HALs also used this code for ExAcquireFastMutex called above APC_LEVEL. The "
     "memory kesim simulates is not paged, so kesim does not raise 0xA itself: the illegal "
     "waits that usually come with this mistake are reported as 0xC4 (subcodes 0x120 to "
     "0x122) or 0x192 instead. It is catalogued because it is the most common real-world "
     "result of doing too much under a spin lock. Fix: keep spin-lock regions short, touch "
     "only nonpaged data in them, and do everything else at PASSIVE_LEVEL.",
     "SEMANTICS.md §2, §9, §13; DOC bug check 0xA"},

    {0xC, "MAXIMUM_WAIT_OBJECTS_EXCEEDED",
     "KeWaitForMultipleObjects was given more objects than it can wait on: more than three "
     "(THREAD_WAIT_OBJECTS) without a caller-supplied wait block array, or more than 64 "
     "(MAXIMUM_WAIT_OBJECTS) in any case.",
     {"Not used by Windows (kesim records the number of objects here)", "Not used", "Not used",
      "Not used"},
     "Every thread has four built-in wait blocks, three for objects and one for the timeout "
     "timer; a wait on more objects needs a WaitBlockArray from the caller, and even then "
     "at most 64 objects. This is API misuse rather than a race: it fails on the first call, "
     "every time. A scenario's KeWaitForMultipleObjects step has no wait block argument: "
     "kesim behaves as if a correct array were supplied for 4 to 64 objects and raises 0xC "
     "when a step lists more than 64. Fix: split the wait, or redesign so one object (an "
     "event or a queue) stands for many.",
     "SEMANTICS.md §5, §13; DOC bug check 0xC, KeWaitForMultipleObjects"},

    {0xF, "SPIN_LOCK_ALREADY_OWNED",
     "A thread tried to acquire a spin lock it already holds. Spin locks are not recursive: "
     "on a retail multiprocessor kernel the second acquire spins for ever; checked kernels "
     "detect the recursion and stop with this code.",
     {"Not documented", "Not documented", "Not documented", "Not documented"},
     "A spin lock has no owner and no count: the second KeAcquireSpinLock on the same "
     "processor finds the lock bit set and spins, waiting for a release that only the "
     "spinning code could perform. Typical causes are a helper routine that takes the lock "
     "its caller already holds, or a callback invoked under the lock that calls back into "
     "the locking code. Checked kernels keep the owner in the lock word and stop with 0xF. "
     "kesim models the retail multiprocessor kernel: a second `KeAcquireSpinLock` on a lock "
     "the thread holds spins at DISPATCH_LEVEL, which never ends: kesim reports the thread deadlocked on itself (on Windows 8 and later the DPC watchdog would eventually stop the machine with 0x133). Fix: take the lock in exactly one place per call path, and give helpers that "
     "run under the lock a 'locked' variant instead of letting them acquire it again.",
     "SEMANTICS.md §10, §13; KMT ntos_ke/KeSpinLock.c; DOC bug check 0xF"},

    {0x10, "SPIN_LOCK_NOT_OWNED",
     "A spin lock was released by code that does not hold it, or a lock that is free was "
     "released. Only checked kernels detect this; retail kernels clear the lock word anyway.",
     {"Not documented", "Not documented", "Not documented", "Not documented"},
     "Releasing a spin lock you do not hold clears the lock word under the real owner, so a "
     "second processor can enter the protected region while the owner is still inside, and "
     "the corruption shows up much later somewhere else. It usually comes from an error path "
     "that releases twice, or from passing the wrong lock to the release. Checked kernels "
     "record the owner and stop with 0x10. kesim follows the retail kernel and clears the "
     "word, so what the scenario shows is two threads inside the region at once (look for "
     "data_race findings) and IRQL restored to a value saved by someone else. Fix: release "
     "exactly once, on the path that acquired, with the IRQL that acquire returned.",
     "SEMANTICS.md §10, §13; DOC bug check 0x10"},

    {0x11, "THREAD_NOT_MUTEX_OWNER",
     "A thread released a mutex it does not own. Documented as very rare: current kernels "
     "report a release by a non-owner by raising STATUS_MUTANT_NOT_OWNED instead.",
     {"Not documented", "Not documented", "Not documented", "Not documented"},
     "A KMUTEX has an owner thread and a recursion count; only the owner may release it, "
     "once per acquisition. Early kernels stopped with 0x11 when another thread released it. "
     "Current Windows, and kesim, raise the exception STATUS_MUTANT_NOT_OWNED (0xC0000046) "
     "from KeReleaseMutex instead; in a system thread nothing handles it and the run ends "
     "with 0x7E (SYSTEM_THREAD_EXCEPTION_NOT_HANDLED). kesim never raises 0x11 itself, so "
     "look up 0x7E for the scenario pattern. Fix: release a mutex on the thread that "
     "acquired it; if the 'lock' must pass between threads, use an event or a semaphore, "
     "which have no owner.",
     "SEMANTICS.md §5, §13; KMT ntos_ke/KeMutex.c; DOC bug check 0x11"},

    {0x20, "KERNEL_APC_PENDING_DURING_EXIT",
     "A thread terminated while its APC disable count was not zero, or while a kernel APC "
     "was still queued to it. Code running on the thread disabled APCs (critical or guarded "
     "region, mutex) and never enabled them again, or enabled them once too often.",
     {"Address of the kernel APC still queued at exit (0 if none)",
      "The thread's APC disable count (CombinedApcDisable)",
      "The IRQL at the check (kesim, like ReactOS, has lowered it to PASSIVE_LEVEL)",
      "1 = the disable-count check at the start of thread exit, 0 = the final check for "
      "queued kernel APCs"},
     "Thread exit has to run down the thread's APCs, and it can only do that with APCs "
     "enabled and at PASSIVE_LEVEL. A thread that ends inside KeEnterCriticalRegion or "
     "KeEnterGuardedRegion, or while holding a guarded mutex, still has a negative disable "
     "count; a Leave without its Enter leaves +1. Arg2 tells which: negative means a missing "
     "leave or release, positive one too many. kesim makes the check at "
     "PsTerminateSystemThread and when a thread's step list ends, after lowering IRQL to "
     "PASSIVE_LEVEL as ReactOS does, and only that first check (Arg1 0, Arg4 1): it has no "
     "final check for queued APCs. A fast mutex or spin lock left held at exit is therefore "
     "not caught here: on win10 with AutoBoost a fast mutex (or push lock) still owned is "
     "0x153, otherwise the lock just stays held and its waiters hang. Fix: pair every Enter with a Leave and every Acquire "
     "with a Release on all paths, and assert KernelApcDisable: 0 and SpecialApcDisable: 0 "
     "as the thread's last step.",
     "SEMANTICS.md §4, §13; RO ps/kill.c; DOC bug check 0x20"},

    {0x39, "SYSTEM_EXIT_OWNED_MUTEX",
     "A worker routine returned to the system worker thread while still owning a mutex. The "
     "shared worker thread would carry that ownership into every later work item.",
     {"Address of the worker routine", "The parameter passed to the worker routine",
      "Address of the work item", "Reserved"},
     "System worker threads are shared: when a work item returns, the same thread runs the "
     "next driver's item. A KMUTEX left owned would make that unrelated code run with normal "
     "kernel APCs disabled and able to 'recursively' acquire a mutex it never took, so the "
     "kernel stops at the return instead. The cause is almost always an early return or "
     "error path in the work routine that skips KeReleaseMutex. The scenario format has no "
     "work items, so kesim scenarios do not raise 0x39; a thread that ends owning a KMUTEX "
     "is reported as 0x4000008A. Fix: release everything the work routine acquired before "
     "it returns, ideally through a single exit path.",
     "SEMANTICS.md §5, §13; DOC bug check 0x39"},

    {0x4A, "IRQL_GT_ZERO_AT_SYSTEM_SERVICE",
     "A thread returned from a system call to user mode at an IRQL above PASSIVE_LEVEL. Code "
     "on the system-call path raised IRQL, often by acquiring a fast mutex or a spin lock, "
     "and did not lower it again.",
     {"Address of the system function that was called", "The IRQL at the return", "Always 0",
      "Always 0"},
     "User-mode code always runs at PASSIVE_LEVEL, so a system service must hand back the "
     "IRQL it found. ExAcquireFastMutex raises to APC_LEVEL and KeAcquireSpinLock to "
     "DISPATCH_LEVEL; returning with either still held (a release skipped on an error path) "
     "or after an unbalanced KeRaiseIrql trips this check. A subtler form is acquiring a "
     "fast mutex normally and releasing it with the Unsafe variant, which does not restore "
     "the saved IRQL. kesim threads are system threads that never return to user mode, so a "
     "scenario does not raise 0x4A: at the end of a thread's steps kesim lowers IRQL before "
     "its exit checks (as ReactOS does), so the lock is simply left held and its waiters "
     "hang (a fast mutex on win10 with AutoBoost is 0x153 at exit), while inside an APC routine the same imbalance is 0xC8. Fix: release every "
     "IRQL-raising lock on every path before returning.",
     "SEMANTICS.md §2, §9, §13; DOC bug check 0x4A"},

    {0x50, "PAGE_FAULT_IN_NONPAGED_AREA",
     "Invalid system memory was referenced: a pointer that does not lead to valid memory was "
     "followed at a point where the fault cannot be resolved.",
     {"Memory address referenced", "Access: 0 read, 1 write, 2 execute",
      "Address of the instruction that referenced the memory (if known)", "Reserved"},
     "A push lock word with the Waiting bit set holds the address of the newest wait block, "
     "which lives on the waiter's stack. If the lock is misused (released by a thread that "
     "does not hold it, released twice, or used after its memory was reused) the word can "
     "point at a stack location where no wait block lives any more; the next thread that "
     "follows the chain reads garbage. kesim checks every wait-block address it follows and, "
     "when it does not lead to a live wait block, stops with 0x50 and the bad address in "
     "Arg1 instead of silently corrupting the simulation. Fix: acquire and release a push "
     "lock on the same thread, once each, inside a critical region.",
     "SEMANTICS.md §7; DOC bug check 0x50"},

    {0x7E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED",
     "A system thread raised an exception and no handler caught it. The exception address "
     "normally points at the code responsible; in kesim it is the simulated address of the "
     "step that raised the exception.",
     {"The exception code that was not handled (an NTSTATUS)",
      "The address at which the exception was raised", "Address of the exception record",
      "Address of the context record"},
     "Some synchronization routines report misuse by raising an exception instead of "
     "returning an error: KeReleaseMutex by a thread that does not own the mutex raises "
     "STATUS_MUTANT_NOT_OWNED (0xC0000046), KeReleaseSemaphore past the semaphore's limit "
     "raises STATUS_SEMAPHORE_LIMIT_EXCEEDED (0xC0000047), and recursing on a mutex past "
     "MINLONG raises STATUS_MUTANT_LIMIT_EXCEEDED (0xC0000191). Kernel code rarely wraps "
     "these calls in __try/__except, so in a thread created by PsCreateSystemThread the "
     "exception reaches the thread's outermost frame and the system stops with 0x7E. "
     "Scenarios have no exception handlers: any of those steps ends the run with 0x7E, Arg1 "
     "the status code and Arg2 the address of the step. Fix the protocol, not the symptom: "
     "release a mutex only on the thread that owns it, and give a semaphore a limit that "
     "covers the largest number of releases that can be outstanding.",
     "SEMANTICS.md §5, §13; KMT ntos_ke/KeMutex.c; DOC bug check 0x7E"},

    {0xB8, "ATTEMPTED_SWITCH_FROM_DPC",
     "A DPC routine tried to give up the processor: it waited on an object, delayed, or "
     "otherwise asked for a context switch. A DPC runs at DISPATCH_LEVEL on a borrowed "
     "thread and may never block.",
     {"The thread that was running when the DPC asked to switch (old thread)",
      "The thread the dispatcher would have switched to (new thread)",
      "Stack address of the old thread", "Reserved"},
     "A DPC borrows whatever thread was running on the processor; if it blocked, that "
     "thread would be suspended in the middle of unrelated work. So any wait with a "
     "non-zero or absent timeout, KeDelayExecutionThread, or acquiring a lock that can block "
     "(fast or guarded mutex, push lock, KMUTEX) is forbidden in a DPC, while a KeWaitFor* "
     "poll with a zero timeout is fine. Scenario steps always run in a thread, never in a "
     "DPC (kesim has no DPCs at all), so kesim never raises 0xB8; "
     "a scenario thread that waits at DISPATCH_LEVEL gets 0xC4 with subcode 0x121 or 0x122 "
     "instead. Fix: move the blocking work to a system thread or work item and have the DPC "
     "signal it (KeSetEvent with Wait = FALSE, or KeInsertQueue).",
     "SEMANTICS.md §2, §13; DOC bug check 0xB8, KeWaitForSingleObject"},

    {0xBF, "MUTEX_ALREADY_OWNED",
     "A thread tried to acquire a non-recursive mutex that it already owns. Checked kernels "
     "detect a recursive ExAcquireFastMutex; retail kernels let the thread wait on itself "
     "for ever.",
     {"Address of the mutex", "The thread that tried to acquire it (its current owner)",
      "Always 0", "Reserved"},
     "Fast mutexes and guarded mutexes record an owner but keep no recursion count, unlike a "
     "KMUTEX: a second acquire by the owner finds the mutex taken and waits for a release "
     "that only the waiting thread could perform. Checked 2003-era kernels compared the "
     "owner and stopped with 0xBF; retail kernels simply hang. kesim follows the retail "
     "kernel: a second ExAcquireFastMutex or KeAcquireGuardedMutex by the owner ends the run "
     "as a deadlock whose cycle is the thread waiting on itself, while the Try variants "
     "return FALSE. The usual cause is a routine that takes the mutex and calls a helper "
     "that takes it again. Fix: acquire at one level of the call tree only, and pass 'lock "
     "held' down to helpers instead of re-acquiring.",
     "SEMANTICS.md §9, §13; KMT ntos_ex/ExFastMutex.c; DOC bug check 0xBF"},

    {0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
     "Driver Verifier caught a driver breaking a kernel rule. Arg1 is a subcode naming the "
     "rule; the meaning of Arg2 to Arg4 depends on the subcode.",
     {"Subcode naming the violated rule (see the list of subcodes)",
      "Depends on the subcode", "Depends on the subcode", "Depends on the subcode"},
     "Driver Verifier adds checks that retail kernels skip for speed, so it stops where a "
     "plain Windows machine would hang or corrupt state later. kesim makes one of them: a "
     "scenario raises 0x120, a wait above DISPATCH_LEVEL, 0x121, a wait at DISPATCH_LEVEL "
     "with no timeout (infinite), or 0x122, a wait at DISPATCH_LEVEL with a non-zero timeout "
     "(Arg2 the address of the IRQL value, Arg3 the object, Arg4 the address of the timeout "
     "value, 0 when there is none); KeWaitForSingleObject while a spin lock is held is the "
     "typical pattern. The other synchronization subcodes are listed so that a dump from a "
     "Verifier machine can be read, but kesim does not check them: 0xEA, a push lock "
     "acquired with normal kernel APCs enabled (no critical region), and 0xEB, a push lock "
     "released with APCs enabled (Arg2 IRQL, Arg3 APC disable count, Arg4 the lock); 0x11A "
     "and 0x11B, KeEnterCriticalRegion or KeLeaveCriticalRegion called above APC_LEVEL "
     "(Arg2 IRQL); and 0xE6, a Zw file call made above PASSIVE_LEVEL (Arg2 caller, Arg3 "
     "IRQL, Arg4 special APC state). In kesim a push lock outside a critical region simply "
     "works (until an APC re-enters it), a region entered at DISPATCH_LEVEL changes the count "
     "as usual, and a Zw call inside a guarded region or under a fast mutex is left as the "
     "hang that seed S4 observed. Fix by following the rule the subcode names: a critical region "
     "around every push lock, only zero-timeout polls at DISPATCH_LEVEL, and I/O only at "
     "PASSIVE_LEVEL with special kernel APCs enabled.",
     "SEMANTICS.md §2, §3, §4, §7, §13 (0xC4 subcodes); DOC bug check 0xC4"},

    {0xC8, "IRQL_UNEXPECTED_VALUE",
     "The IRQL was not what the kernel expected when a routine returned to it. Most often "
     "an APC routine raised or lowered IRQL (acquired a spin lock or fast mutex, or called "
     "KeRaiseIrql) and returned without restoring it.",
     {"(current IRQL << 16) | (expected IRQL << 8) | identifier of the check",
      "Address of the APC's KernelRoutine, or 0", "Address of the APC object, or 0",
      "Address of the APC's NormalRoutine, or 0"},
     "Kernel APC delivery calls each KernelRoutine at APC_LEVEL and each NormalRoutine at "
     "PASSIVE_LEVEL, and checks afterwards that the routine left IRQL where it found it. An "
     "APC routine that acquires a spin lock or a fast mutex and skips the release on one "
     "path, or calls KeRaiseIrql without KeLowerIrql, comes back at the wrong level. In "
     "kesim the routine given to KeInsertQueueApc is a list of steps run on the target "
     "thread; if those steps end at a different IRQL from the one they started at, the run "
     "stops with 0xC8 and Arg2 to Arg4 identify the APC. Fix: make every APC routine restore "
     "IRQL on every path, keeping each acquire and its release inside the routine.",
     "SEMANTICS.md §2, §3, §13; RO ke/apc.c; DOC bug check 0xC8"},

    {0xE1, "WORKER_THREAD_RETURNED_AT_BAD_IRQL",
     "A work-item routine returned to the system worker thread at DISPATCH_LEVEL or above. "
     "It raised IRQL, usually by acquiring a spin lock, and did not lower it again.",
     {"Address of the worker routine", "The IRQL the routine returned at",
      "The parameter passed to the worker routine", "Address of the work item"},
     "Worker threads run at PASSIVE_LEVEL and are shared by every driver, so a work routine "
     "must hand back the IRQL it was called at. Returning with a spin lock still held, or "
     "after an unmatched KeRaiseIrql, would leave the shared worker unable to wait or to be "
     "preempted. The usual cause is an error path that returns between KeAcquireSpinLock "
     "and KeReleaseSpinLock. Scenarios have no work items, so 0xE1 is not raised by scenario "
     "steps; a thread whose steps end at a raised IRQL has it lowered by thread exit, and "
     "the spin lock it still holds makes the next acquirer spin for ever. Fix: release the spin lock on every path, or take it in "
     "a small helper whose single exit releases it.",
     "SEMANTICS.md §2, §13; DOC bug check 0xE1"},

    {0x133, "DPC_WATCHDOG_VIOLATION",
     "A processor stayed at DISPATCH_LEVEL or above for too long: either a single DPC or "
     "ISR ran past its time allotment, or the processor spent too much cumulative time at "
     "raised IRQL. The usual culprit is code spinning on a lock that is never released.",
     {"0 = a single DPC or ISR ran too long; 1 = too much cumulative time at DISPATCH_LEVEL "
      "or above",
      "With Arg1 = 0: the time the DPC or ISR used, in ticks; with Arg1 = 1: the watchdog "
      "period",
      "With Arg1 = 0: the time allotment, in ticks; otherwise reserved", "Reserved"},
     "Windows 8 and later watch how long each processor runs without dropping below "
     "DISPATCH_LEVEL, because nothing else can be scheduled on it meanwhile. A spin lock "
     "that is never released, whether acquired twice on the same processor or leaked by a "
     "thread that went on without releasing it, makes the next acquirer spin at "
     "DISPATCH_LEVEL until the watchdog fires; so does a very long `work` under a spin lock. "
     "kesim does not model the watchdog (its timing is unconfirmed, SEMANTICS.md §10): a thread spinning on a lock it holds is reported as deadlocked on itself, and one spinning on a lock that is never released as part of the deadlock or hang, with the spin shown in the report. Fix: keep spin-lock regions short, release on every path, never "
     "re-acquire a spin lock you hold, and move long work to PASSIVE_LEVEL.",
     "SEMANTICS.md §10, §13, §15; DOC bug check 0x133"},

    {0x153, "KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_TERMINATION",
     "A thread terminated before it had freed all of its AutoBoost lock entries: AutoBoost "
     "still recorded it as the owner of a lock.",
     {"Address of the terminating thread", "Address of the lock entry that was not freed",
      "State of the entry: 1 = its lock pointer was not NULL, 2 = reserved bits of its "
      "thread pointer were set, 3 = its thread pointer was corrupted, 4 = it still carried "
      "I/O or CPU boosts",
      "Reserved"},
     "With AutoBoost every owner of a tracked lock (push lock, fast or guarded mutex) has a "
     "lock entry in its ETHREAD. A thread that returns, or calls PsTerminateSystemThread, "
     "while it still owns such a lock leaves the entry behind, and every waiter of the lock "
     "behind it. kesim raises this bugcheck at thread exit on win10 with AutoBoost, always "
     "with state 1 (the entry still points at a lock): kesim's entries cannot be corrupted "
     "and carry no boost of their own. The code, name and parameters come from Microsoft's "
     "bug check reference (which also names relying on another thread to release the lock "
     "as a cause); SEMANTICS.md leaves the exit behaviour of AutoBoost unconfirmed. Without "
     "AutoBoost the same exit goes unnoticed and the waiters hang. Fix: release every lock "
     "on every path before the thread ends.",
     "SEMANTICS.md §11, §13, §14; DOC bug check 0x153 (KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_"
     "TERMINATION)"},

    {0x157, "KERNEL_THREAD_PRIORITY_FLOOR_VIOLATION",
     "An illegal operation was attempted on a thread's priority floor: a floor counter "
     "overflowed or underflowed, or the requested priority was out of range.",
     {"Address of the thread", "The target priority value",
      "Kind of violation: the floor counter for that priority overflowed (1) or "
      "underflowed (2), or the priority value was illegal (3)",
      "Reserved"},
     "The priority floor is a kernel-internal mechanism that keeps a thread's priority from "
     "dropping below a level while counters for that level are held; each raise of the floor "
     "must be matched by exactly one removal, or the counter underflows or overflows. It is "
     "not part of AutoBoost lock tracking, even though both manage thread priorities: the "
     "AutoBoost bugchecks are 0x162 and 0x192. Scenario steps cannot touch priority floors "
     "(KeSetPriorityThread changes the ordinary priority), so kesim does not raise 0x157; it "
     "is listed so that the name is not mistaken for a lock bugcheck. Fix, in real code: "
     "pair every floor raise with one removal.",
     "SEMANTICS.md §13; DOC bug check 0x157"},

    {0x162, "KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE",
     "The releasing thread holds no AutoBoost ownership record for this lock. Either it is "
     "releasing a lock that a different thread acquired (a cross-thread release is illegal "
     "while AutoBoost tracks the lock), or it is releasing a lock it has already given up.",
     {"Address of the thread that released the lock", "Address of the lock",
      "Session ID of the releasing thread (0xffffffff for a system thread)",
      "Reserved (0)"},
     "Since Windows 8.1 the kernel records, per thread, which push locks and fast or guarded "
     "mutexes it owns (six lock entries in the ETHREAD), so that it can boost an owner's "
     "priority when a more important thread waits for the lock. The release path looks up "
     "the releasing thread's entry for the lock; when there is none the release is illegal "
     "and the system stops. Without AutoBoost (xp, server2003, `autoboost: false`, or a lock "
     "acquired with EX_PUSH_LOCK_FLAG_DISABLE_AUTOBOOST) the same foreign release goes "
     "unnoticed and unlocks the lock under its real owner, the race of seed S1. kesim's "
     "foreign-release pattern reproduces seed S2: DriverEntry starts a worker with "
     "PsCreateSystemThread, the worker takes the push lock exclusively, and DriverEntry "
     "calls ExReleasePushLockExclusive on it (Arg3 is 0xffffffff because both are system "
     "threads); a second release by the owner gives the same bugcheck. Fix: release a lock "
     "on the thread that acquired it; to hand work from one thread to another signal an "
     "event, and if ownership must really travel between threads use an object without an "
     "owner, such as a semaphore or a synchronization event.",
     "SEMANTICS.md §7, §11, §13; S2; DOC bug check 0x162"},

    {0x192, "KERNEL_AUTO_BOOST_LOCK_ACQUISITION_WITH_RAISED_IRQL",
     "A thread acquired a lock that AutoBoost tracks (a push lock, or a fast or guarded "
     "mutex) while running at DISPATCH_LEVEL or above. Such a lock may make its caller "
     "wait, which is impossible at that IRQL; the owner could even be the thread this "
     "processor interrupted.",
     {"Address of the acquiring thread", "Address of the lock",
      "The IRQL at which the lock was acquired", "Reserved"},
     "Push locks, fast mutexes and guarded mutexes must be acquired at or below APC_LEVEL, "
     "because a contended acquire waits and the dispatcher cannot switch threads at "
     "DISPATCH_LEVEL. Before AutoBoost the mistake only showed when the lock happened to be "
     "contended; AutoBoost checks IRQL on every tracked acquire, so the bug fails "
     "deterministically, contended or not. In kesim, on win10 with autoboost on, an "
     "ExAcquirePushLock*, ExAcquireCacheAwarePushLock*, ExAcquireFastMutex or "
     "KeAcquireGuardedMutex step taken while the thread holds a spin lock, or after "
     "KeRaiseIrql to DISPATCH_LEVEL, ends the run with 0x192. Without AutoBoost the acquire "
     "succeeds when the lock is free and becomes an illegal wait at DISPATCH_LEVEL (0xC4) "
     "when it is not. Fix: release the spin lock or lower IRQL before taking the lock, or "
     "protect data that must be touched at DISPATCH_LEVEL with a spin lock instead.",
     "SEMANTICS.md §7, §11, §13; DOC bug check 0x192"},

    {0x4000008A, "THREAD_TERMINATE_HELD_MUTEX",
     "A thread terminated while it still owned a kernel mutex (KMUTEX). The mutex would "
     "stay owned by a dead thread, and the thread's APC disable count would never be "
     "restored.",
     {"Address of the terminating thread", "Address of the mutex it still owns", "Always 0",
      "Always 0"},
     "A KMUTEX acquired with KeWaitForSingleObject belongs to the acquiring thread until it "
     "calls KeReleaseMutex as many times as it acquired it. A user-mode mutant owned at exit "
     "is merely abandoned (the next waiter gets STATUS_ABANDONED), but a kernel mutex held "
     "at exit means a driver lost track of a lock, so the kernel stops. In kesim a thread "
     "whose steps end, or that calls PsTerminateSystemThread, while owning a `type: mutex` "
     "object raises it. A held KMUTEX also leaves KernelApcDisable at -1; ReactOS checks that "
     "counter first and reports 0x20, while kesim checks for the mutex first so that the "
     "more precise code is reported (the parameters follow ReactOS). Fix: release every mutex before the thread "
     "returns, with acquire and release in the same routine.",
     "SEMANTICS.md §5, §13 (ReactOS parameters); RO ps/kill.c, ke/thrdobj.c"},
};

static_assert(std::size(kBugchecks) == 24);

}  // namespace

std::span<const BugcheckInfo> all_bugchecks() { return kBugchecks; }

const BugcheckInfo* find_bugcheck(std::uint32_t code) {
  const auto* it = std::lower_bound(std::begin(kBugchecks), std::end(kBugchecks), code,
                                    [](const BugcheckInfo& b, std::uint32_t c) { return b.code < c; });
  return (it != std::end(kBugchecks) && it->code == code) ? it : nullptr;
}

}  // namespace kesim::check
