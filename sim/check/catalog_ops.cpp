// sim/check/catalog_ops.cpp — the operation half of the teaching catalogue: one entry per
// scenario operation of SCENARIO-FORMAT.md §2, with what the NT routine does in kesim terms,
// its IRQL rule and what misuse gives (bugcheck, hang, deadlock, silent corruption).
// Source followed: SEMANTICS.md §2–§12 as named per entry; Microsoft DDI reference pages for
// the IRQL rules. All text is our own wording.
//
// Convention used by explain(): in `misuse`, a "0x..." token that is a catalogued bugcheck
// code is listed under "Related bugchecks"; 0xC4 subcodes are written after a slash
// ("0xC4/0x122") and NTSTATUS values in full, so neither is mistaken for a code.
#include <algorithm>
#include <array>
#include <string_view>

#include "sim/check/catalog.hpp"

namespace kesim::check {
namespace {

constexpr const char* kZwIrql =
    "Caller must be running at PASSIVE_LEVEL with special kernel APCs enabled (not in a "
    "guarded region, no guarded mutex held).";
constexpr const char* kZwMisuse =
    "Inside a guarded region or while holding a guarded mutex the thread is at PASSIVE_LEVEL "
    "but special kernel APCs are off, so the completion APC is never delivered and the "
    "thread hangs with no bugcheck, as seed S4 observed (outcome hang; Driver Verifier would "
    "report 0xC4/0xE6). At APC_LEVEL (a fast mutex held) the wait for completion begins at APC_LEVEL, so the completion APC is never delivered either and the thread hangs (Driver Verifier would flag the call itself with 0xC4/0xE6). At DISPATCH_LEVEL (a spin lock held) the wait is 0xC4/0x121. Holding any lock across the request makes "
    "every other thread that needs the lock wait for the device too.";
constexpr const char* kZwSource = "SEMANTICS.md §3 (I/O completion), §9; S4; S1";

constexpr const char* kPushAcquireIrql =
    "Caller must be running at IRQL <= APC_LEVEL, inside a critical region "
    "(KeEnterCriticalRegion) or a guarded region.";
constexpr const char* kPushReleaseIrql =
    "Caller must be running at IRQL <= DISPATCH_LEVEL, still inside the critical region it "
    "acquired the lock in.";
constexpr const char* kPushSource = "SEMANTICS.md §7, §11; S0, S1, S2";
constexpr const char* kCachePushSource = "SEMANTICS.md §8, §7, §11; S0";
constexpr const char* kEventIrql = "Caller must be running at IRQL <= DISPATCH_LEVEL.";

// In SCENARIO-FORMAT.md §2 order, group by group; all_operations() lists them so.
constexpr OperationInfo kOperations[] = {
    // control
    {"work",
     "kesim step: the thread computes on its processor for the given virtual duration. At "
     "PASSIVE_LEVEL and APC_LEVEL it can be preempted (quantum end, a higher-priority thread "
     "becoming ready); at DISPATCH_LEVEL and above it keeps the processor for the whole "
     "duration.",
     "Any IRQL; at DISPATCH_LEVEL and above the time counts toward the DPC watchdog on "
     "win10.",
     "Long work at DISPATCH_LEVEL (under a spin lock) starves every other thread of that "
     "processor (on Windows 8 and later the DPC watchdog, 0x133, would eventually stop it; kesim does not model the watchdog). Work inside a locked "
     "region widens the window in which other threads contend, which is how scenarios make "
     "races and lock-order deadlocks likely.",
     "SCENARIO-FORMAT.md §2; SEMANTICS.md §2, §10"},

    {"repeat",
     "kesim step: runs its steps `count` times; `${NAME}` in strings, NAME given by `as`, is "
     "replaced by the iteration index. Pure control flow: no kernel call of its own.",
     "Not applicable: each repeated step has its own rule.",
     "No kernel misuse of its own, but an unbalanced body multiplies the imbalance: one "
     "KeEnterCriticalRegion too many per iteration leaves KernelApcDisable at minus the "
     "count, reported as 0x20 at thread exit.",
     "SCENARIO-FORMAT.md §2"},

    {"call",
     "kesim step: runs the named routine's steps on the current thread, like a function "
     "call, then continues with the next step.",
     "Runs at the caller's IRQL and APC state; each step of the routine has its own rule.",
     "A routine that acquires a lock its caller already holds deadlocks or spins like any "
     "recursive acquire (push lock or fast or guarded mutex: deadlock on itself; spin lock: spins for ever, reported as a deadlock on itself). A routine that leaves a region or a lock unbalanced "
     "passes the imbalance to its caller, which is how helpers hide region bugs until "
     "thread exit (0x20).",
     "SCENARIO-FORMAT.md §2"},

    {"log",
     "kesim step: writes the text (after ${...} substitution) to the trace and the report, "
     "with the thread and the virtual time, much as DbgPrint would.",
     "Any IRQL.",
     "None: it changes no kernel state.",
     "SCENARIO-FORMAT.md §2"},

    {"dump",
     "kesim step: prints debugger views at this point, as a kernel debugger would show "
     "them: !thread, !locks, !pushlock NAME, !apc, !ready, !waiters.",
     "Any IRQL.",
     "None: it only reads state.",
     "SCENARIO-FORMAT.md §2, §5"},

    {"assert",
     "kesim step: checks the current thread's state (IRQL, KernelApcDisable, "
     "SpecialApcDisable, KeAreApcsDisabled, KeAreAllApcsDisabled, last status) or an "
     "object's state (push-lock word and fields, signal state, owner, count, waiters). A "
     "mismatch ends the run with outcome assertion_failed, naming the step.",
     "Any IRQL: reading state does not depend on it.",
     "A failed assertion is a scenario outcome, not a kernel error. Mind the NT sign "
     "convention: KeEnterCriticalRegion takes KernelApcDisable from 0 to -1, so a balanced "
     "thread asserts 0 and one region deep asserts -1.",
     "SCENARIO-FORMAT.md §3; SEMANTICS.md §4"},

    // threads
    {"PsCreateSystemThread",
     "Creates a system thread that runs the named `threads:` entry (declared with `start: "
     "manual`); its step list plays the StartRoutine. The new thread becomes ready at its "
     "priority and the caller continues without waiting for it.",
     "Caller must be running at PASSIVE_LEVEL.",
     "The creator and the new thread run concurrently: anything the creator does after the "
     "call may happen before, during or after the thread's steps. Releasing, in the "
     "creator, a lock the new thread acquired is the foreign-release pattern of seed S2: "
     "0x162 on win10 with AutoBoost, an unnoticed race without it (seed S1).",
     "SEMANTICS.md §1, §11; S1, S2; DOC PsCreateSystemThread"},

    {"PsTerminateSystemThread",
     "Ends the calling system thread: the remaining steps are skipped, the thread becomes "
     "Terminated and its thread object signaled. Reaching the end of the step list does the "
     "same, like returning from the StartRoutine.",
     "Caller must be running at PASSIVE_LEVEL.",
     "Ending inside a critical or guarded region, or with a guarded mutex held: 0x20 "
     "(Windows also checks for a kernel APC still queued; kesim does not). Owning a KMUTEX, "
     "wherever it is in the list of owned mutants: 0x4000008A. Holding a push lock or a fast "
     "mutex: 0x153 on win10 with AutoBoost. Otherwise (a spin lock, or no AutoBoost) no "
     "bugcheck, since exit lowers IRQL to PASSIVE_LEVEL first: the lock stays held for ever "
     "and its waiters hang, or spin for ever.",
     "SEMANTICS.md §13; RO ps/kill.c; DOC PsTerminateSystemThread"},

    {"KeDelayExecutionThread",
     "Puts the calling thread into a wait for the interval, with wait reason DelayExecution, "
     "and returns STATUS_SUCCESS when it expires. With alertable: true and mode: UserMode a "
     "user APC or an alert ends the delay early (STATUS_USER_APC, STATUS_ALERTED).",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "At DISPATCH_LEVEL or above the thread cannot block: kesim treats the delay as a timed "
     "wait at that level (0xC4/0x122, or 0xC4/0x120 above DISPATCH_LEVEL). Delaying to "
     "'wait for' another thread instead of waiting on an event is timing-dependent code that "
     "breaks under a different seed or processor count.",
     "SEMANTICS.md §5, §2; DOC KeDelayExecutionThread"},

    {"KeSetPriorityThread",
     "Sets a thread's priority (0 to 31) and returns the previous one. If the thread is "
     "ready or running the scheduler reconsiders at once, so raising a ready thread above "
     "the running one preempts it (below DISPATCH_LEVEL).",
     "Caller must be running at IRQL <= DISPATCH_LEVEL.",
     "Priority is not a lock: a higher priority does not stop another processor from running "
     "the other thread at the same time. Priority inversion (a low-priority lock owner "
     "starved by a medium-priority thread while a high-priority thread waits) is what "
     "AutoBoost fixes for push locks and fast or guarded mutexes on win10; a KMUTEX or an "
     "event gets no such help. Priorities 16 and above are real-time: unwait boosts no "
     "longer apply. Below 16 a boost decays by one level at each quantum end the thread "
     "runs through, down to its base priority.",
     "SEMANTICS.md §5 (boost on unwait), §11; DOC KeSetPriorityThread"},

    // IRQL
    {"KeRaiseIrql",
     "Raises the processor's IRQL to LEVEL and remembers the previous value for KeLowerIrql. "
     "At APC_LEVEL APC delivery stops; at DISPATCH_LEVEL the thread can no longer be "
     "preempted or wait.",
     "The new level must be greater than or equal to the current IRQL.",
     "Raising to a lower level: checked kernels stop with 0x9; retail kernels and kesim just "
     "load the new value, silently lowering IRQL. At DISPATCH_LEVEL, a wait with a timeout "
     "gives 0xC4/0x122 and acquiring a push lock or a fast or guarded mutex gives 0x192 on "
     "win10 with AutoBoost. A missing KeLowerIrql in an APC routine: 0xC8.",
     "SEMANTICS.md §2; KMT ntos_ke/KeIrql.c; DOC KeRaiseIrql"},

    {"KeLowerIrql",
     "Lowers IRQL to LEVEL, normally the value saved by the matching raise. Dropping below "
     "DISPATCH_LEVEL lets a pending reschedule run inside the call (a higher-priority thread "
     "readied meanwhile runs before KeLowerIrql returns; kesim has no DPCs); dropping below "
     "APC_LEVEL then delivers pending kernel APCs, including one queued while the thread "
     "waited at APC_LEVEL.",
     "The new level must be less than or equal to the current IRQL.",
     "Lowering to a higher level: checked kernels stop; retail kernels and kesim just load "
     "the value. Lowering below the level a held spin lock or fast mutex relies on reopens "
     "the protected region to preemption and APCs while the lock is still held: no "
     "bugcheck, just races.",
     "SEMANTICS.md §2; KMT ntos_ke/KeIrql.c; DOC KeLowerIrql"},

    // regions
    {"KeEnterCriticalRegion",
     "Disables normal kernel APCs and user APCs for the calling thread by decrementing "
     "KernelApcDisable (0 to -1, -2, ...); special kernel APCs such as I/O completion are "
     "still delivered. Calls nest and must be balanced by KeLeaveCriticalRegion.",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "Above APC_LEVEL: retail kernels accept it and so does kesim (the count changes as "
     "usual); Driver Verifier would report 0xC4/0x11A, a check kesim does not make. An Enter without its Leave keeps the count negative: 0x20 when the thread "
     "ends (0x1 on return from a system service or work item). Push locks must be used "
     "inside a critical region; without one, Verifier reports 0xC4/0xEA (kesim does not "
     "check it).",
     "SEMANTICS.md §4; KMT ntos_ke/KeApc.c; DOC KeEnterCriticalRegion"},

    {"KeLeaveCriticalRegion",
     "Increments KernelApcDisable; when it comes back to 0 with kernel APCs queued (and "
     "special APCs not disabled) they are delivered at once.",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "Above APC_LEVEL: accepted by retail kernels and by kesim; Driver Verifier would report "
     "0xC4/0x11B, a check kesim does not make. A Leave without "
     "an Enter makes the count +1 on retail kernels, with no bugcheck: KeAreApcsDisabled then "
     "returns TRUE, normal APCs stay blocked, and the thread's exit stops with 0x20.",
     "SEMANTICS.md §4; KMT ntos_ke/KeApc.c; DOC KeLeaveCriticalRegion"},

    {"KeEnterGuardedRegion",
     "Disables all kernel APCs, special ones included, by decrementing SpecialApcDisable; "
     "IRQL is unchanged, so the code stays preemptible at PASSIVE_LEVEL. Calls nest; "
     "KeAcquireGuardedMutex enters one implicitly. Not available on xp.",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "Synchronous I/O inside a guarded region never completes, because completion is a "
     "special kernel APC: the thread hangs (seed S4). Above APC_LEVEL only checked kernels "
     "complain. An Enter without its Leave: 0x20 when the thread ends.",
     "SEMANTICS.md §4, §3; S4; DOC KeEnterGuardedRegion"},

    {"KeLeaveGuardedRegion",
     "Increments SpecialApcDisable; when it comes back to 0 with kernel APCs queued they are "
     "delivered at once (normal ones only if KernelApcDisable is 0 as well).",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "A Leave without an Enter gives +1 on retail kernels, with no bugcheck: every kernel APC "
     "stays blocked, so a later synchronous I/O hangs and the thread's exit stops with 0x20.",
     "SEMANTICS.md §4; KMT ntos_ke/KeApc.c; DOC KeLeaveGuardedRegion"},

    // APCs
    {"KeInsertQueueApc",
     "Queues an APC to the target thread: special (a kernel routine at APC_LEVEL that "
     "preempts even a running normal APC), normal (kernel routine at APC_LEVEL, then the "
     "normal routine at PASSIVE_LEVEL) or user (delivered only from an alertable UserMode "
     "wait). The routine, named or given as inline steps, runs on the target thread. Returns "
     "FALSE if the target is exiting or the APC is already queued. A kernel APC for a thread waiting at PASSIVE_LEVEL with "
     "APCs enabled interrupts the wait, runs, and the wait starts again.",
     "Caller must be running at IRQL <= DISPATCH_LEVEL.",
     "An APC routine that takes a lock its target thread already holds deadlocks the thread "
     "on itself, since the APC runs on that thread: this is why push-lock users must be in a "
     "critical region. An APC routine that returns at another IRQL: 0xC8. A kernel APC for a "
     "thread in a guarded region (or a critical region, for a normal APC) waits until the "
     "region ends; if the thread meanwhile waits for what the APC would do, the outcome is "
     "hang.",
     "SEMANTICS.md §3; RO ke/apc.c; DOC Types of APCs"},

    // push locks
    {"ExInitializePushLock",
     "Sets the push lock word to 0: free, no waiters. A push lock has no owner field; the "
     "pointer-sized word alone holds Locked, Waiting, Waking, MultipleShared and the share "
     "count, and it may live in paged or nonpaged memory.",
     "Any IRQL (it only writes the word).",
     "Re-initializing a lock that is held or has waiters throws away the wait-block list: "
     "the waiters are never woken (outcome hang) and the owner's release works on a word it "
     "did not set. Initialize once, before other threads can see the lock.",
     "SEMANTICS.md §7; DOC ExInitializePushLock"},

    {"ExAcquirePushLockExclusive",
     "Acquires the push lock for exclusive access. Fast path: set Locked (bit 0) if it was "
     "clear, even when waiters are queued (barging), so an uncontended acquire leaves the "
     "word at 1. Otherwise the thread builds a wait block on its own stack, links it into the "
     "word (newest first), spins briefly, then waits with reason WrPushLock (GateWait on "
     "server2003); after a wake it retries from the top, there is no hand-off.",
     kPushAcquireIrql,
     "Re-acquiring a push lock the thread already holds: deadlock on itself (Windows "
     "documents that the thread hangs). At DISPATCH_LEVEL or above: 0x192 on win10 with "
     "AutoBoost; without it the acquire succeeds while the lock is free and is an illegal "
     "wait (0xC4) when it is not. Without a critical region: Driver Verifier's 0xC4/0xEA (not checked by kesim), "
     "and in real life a suspend APC could freeze the owner while it holds the lock.",
     kPushSource},

    {"ExAcquirePushLockShared",
     "Acquires the push lock for shared access: a free word becomes Locked plus one share, "
     "and further readers add a share while no waiter is queued. Once any waiter is queued, "
     "new shared requests queue behind it, even while the lock is held shared, so a stream "
     "of readers cannot starve a writer.",
     kPushAcquireIrql,
     "A shared re-acquire by a thread that already holds the lock shared works while nobody "
     "is queued, but deadlocks as soon as a writer queues between the two acquires: a "
     "schedule-dependent self-deadlock that kesim's explorer finds. Exclusive then shared "
     "on the same thread: deadlock on itself. At DISPATCH_LEVEL: 0x192 on win10 with "
     "AutoBoost. Without a critical region: Driver Verifier's 0xC4/0xEA (not checked by kesim).",
     kPushSource},

    {"ExReleasePushLockExclusive",
     "Releases exclusive ownership: clears Locked; if waiters are queued and nobody is "
     "waking them, sets Waking and wakes either the oldest waiter alone (if it is exclusive "
     "and newer ones exist) or every waiter (the word drops to 0 and they all retry).",
     kPushReleaseIrql,
     "Release by a thread that does not own the lock: on win10 with AutoBoost the release "
     "finds no lock entry and stops with 0x162 (seed S2: DriverEntry releasing a lock its "
     "worker thread holds, Arg3 = 0xffffffff). Without AutoBoost (xp, server2003, "
     "`autoboost: false`) nothing detects it: the lock opens under its real owner and a "
     "second thread enters the region, the race of seed S1. Double release: 0x162 with "
     "AutoBoost, a corrupted word without. Outside a critical region: Driver Verifier's "
     "0xC4/0xEB (not checked by kesim).",
     kPushSource},

    {"ExReleasePushLockShared",
     "Releases one share. With no waiters the share count drops by one (the last share "
     "frees the word). With waiters queued behind several readers the count kept in the "
     "oldest wait block drops instead, and only the last reader clears Locked and wakes the "
     "waiters.",
     kPushReleaseIrql,
     "Releasing a share the thread does not hold: 0x162 on win10 with AutoBoost; without it "
     "the count drops under a real reader, and a writer gets in while that reader is still "
     "inside. A shared release of an exclusively held lock corrupts the word the same way. "
     "Outside a critical region: Driver Verifier's 0xC4/0xEB (not checked by kesim).",
     kPushSource},

    {"ExReleasePushLock",
     "Generic release for a lock held either way: works like the shared release, except "
     "that an exclusive owner skips the share-count step. Meant for code paths that do not "
     "know how they acquired the lock.",
     kPushReleaseIrql,
     "As for the specific releases: a release by a thread that holds nothing, or a double "
     "release, gives 0x162 on win10 with AutoBoost and silently corrupts the word without it; "
     "outside a critical region it is Driver Verifier's 0xC4/0xEB (not checked by kesim).",
     kPushSource},

    {"ExTryConvertPushLockSharedToExclusive",
     "Tries to turn the caller's shared hold into an exclusive one with a single "
     "compare-exchange of the word; it succeeds only for the sole reader with no waiters. "
     "TRUE: the caller now holds the lock exclusively. FALSE: the caller still holds it "
     "shared. It never blocks.",
     "Caller must be running at IRQL <= APC_LEVEL, holding the lock shared, inside a "
     "critical region.",
     "Ignoring a FALSE return and writing as if exclusive: a data race with the other "
     "readers, which kesim's race detector reports when the data is a file of its "
     "namespace. The correct fallback is to release the "
     "shared hold, acquire exclusive, and re-check what was read, since another writer may "
     "have run in between. Calling it without holding the lock can steal another thread's "
     "share, with no bugcheck.",
     kPushSource},

    // cache-aware push locks
    {"ExAcquireCacheAwarePushLockExclusive",
     "Acquires a cache-aware push lock exclusively by acquiring every per-processor slot "
     "push lock (32 slots, 1 on uniprocessor builds) in slot order 0 to 31. Exclusive "
     "acquisition is therefore expensive, and shared acquisition cheap.",
     kPushAcquireIrql,
     "As for any push lock: re-acquiring it deadlocks the thread on itself; acquiring at "
     "DISPATCH_LEVEL gives 0x192 on win10 (AutoBoost tracks the whole lock as one); acquiring "
     "without a critical region is Driver Verifier's 0xC4/0xEA (not checked by kesim). Because the slots are always "
     "taken in the same order two exclusive acquirers cannot deadlock each other, but "
     "combining this lock with another one in inconsistent orders can.",
     kCachePushSource},

    {"ExReleaseCacheAwarePushLockExclusive",
     "Releases every slot push lock taken by the exclusive acquire, waking the waiters of "
     "each slot as a plain exclusive release does.",
     "Caller must be running at IRQL <= APC_LEVEL, in the critical region of the acquire.",
     "Release by a thread that does not own the lock: 0x162 on win10 with AutoBoost; without "
     "it every slot is opened under the real owner. Releasing without a critical region: "
     "Driver Verifier's 0xC4/0xEB (not checked by kesim).",
     kCachePushSource},

    {"ExAcquireCacheAwarePushLockShared",
     "Acquires only the current processor's slot (processor number mod 32) shared, touching "
     "a cache line that other processors' readers do not write. kesim remembers the slot so "
     "that the shared release unlocks the same one even if the thread has moved to another "
     "processor (the Win10 Ex variant returns the slot for the same reason).",
     kPushAcquireIrql,
     "A shared re-acquire deadlocks as soon as a writer has queued on the slot in between, "
     "as for a plain push lock. At DISPATCH_LEVEL: 0x192 on win10. Without a critical "
     "region: Driver Verifier's 0xC4/0xEA (not checked by kesim). A writer must drain every slot, so one reader that never releases "
     "blocks writers on all processors (outcome hang).",
     kCachePushSource},

    {"ExReleaseCacheAwarePushLockShared",
     "Releases the shared hold on the slot that the matching shared acquire took.",
     "Caller must be running at IRQL <= APC_LEVEL, in the critical region of the acquire.",
     "Releasing the wrong slot (in real code: recomputing it from the current processor "
     "after the thread migrated) leaves one slot held for ever and unlocks another under its "
     "owner, so a later exclusive acquire hangs. Release by a non-owner: 0x162 on win10 with "
     "AutoBoost.",
     kCachePushSource},

    // mutexes
    {"KeAcquireGuardedMutex",
     "Enters a guarded region (SpecialApcDisable -1) and acquires the mutex: Count goes 1 to "
     "0 when it is free. When taken, the thread adds itself as a waiter (Count += 4) and "
     "waits with reason WrGuardedMutex; a woken thread competes again, so a newcomer can "
     "barge in. IRQL is not changed: the owner runs at PASSIVE_LEVEL with every kernel APC "
     "disabled. Not available on xp.",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "Recursive acquire: deadlock on itself (not recursive; checked kernels stop with 0xBF). "
     "Synchronous I/O (a Zw file call) while holding it: the completion special APC can never "
     "be delivered and the thread hangs with no bugcheck (seed S4). At DISPATCH_LEVEL: 0x192 "
     "on win10 with AutoBoost. Thread ends while holding it: 0x20 (SpecialApcDisable still "
     "-1).",
     "SEMANTICS.md §9, §3, §11; S4; KMT ntos_ke/KeGuardedMutex.c; DOC KeAcquireGuardedMutex"},

    {"KeTryToAcquireGuardedMutex",
     "Enters a guarded region and tries once: TRUE and the mutex is owned, or FALSE, in "
     "which case the guarded region is left again. It never waits.",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "A try on a mutex the caller already owns returns FALSE (no deadlock), which code often "
     "misreads as 'another thread has it'. Ignoring FALSE and touching the data: a data "
     "race. Releasing after a FALSE: 0x162 on win10 with AutoBoost; without it Count and "
     "SpecialApcDisable go wrong silently.",
     "SEMANTICS.md §9; KMT ntos_ke/KeGuardedMutex.c; DOC KeTryToAcquireGuardedMutex"},

    {"KeReleaseGuardedMutex",
     "Releases the mutex (Owner cleared, Count += 1); if waiters are queued and none is "
     "being woken, wakes one (Count -= 4, WOKEN set). Then leaves the guarded region, "
     "delivering queued kernel APCs if SpecialApcDisable returns to 0.",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "Release by a thread that does not own it, or without an acquire: 0x162 on win10 with "
     "AutoBoost (guarded mutexes are tracked). Without AutoBoost nothing is detected: Count "
     "goes wrong and SpecialApcDisable turns positive, which blocks every kernel APC, so a "
     "later synchronous I/O hangs and thread exit stops with 0x20.",
     "SEMANTICS.md §9, §11; KMT ntos_ke/KeGuardedMutex.c; DOC KeReleaseGuardedMutex"},

    {"ExAcquireFastMutex",
     "Raises IRQL to APC_LEVEL, saving the previous IRQL in the mutex, and acquires the "
     "mutex; when it is taken the thread waits (on win10 through the mutex's event). The "
     "owner runs at APC_LEVEL and receives no APCs at all, yet KeAreApcsDisabled returns "
     "FALSE (KeAreAllApcsDisabled returns TRUE).",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "Recursive acquire: deadlock on itself (not recursive; checked kernels stop with 0xBF). "
     "Synchronous I/O while holding it: the completion APC cannot be delivered at APC_LEVEL, "
     "so the thread hangs (Driver Verifier would report the call with 0xC4/0xE6). At DISPATCH_LEVEL: 0x192 on "
     "win10 with AutoBoost (old checked HALs used 0xA). Thread ends while holding it: 0x153 "
     "on win10 with AutoBoost (the lock entry is still in use); otherwise no exit check "
     "catches it (IRQL is lowered at exit), the mutex stays owned and its waiters hang.",
     "SEMANTICS.md §9, §11; KMT ntos_ex/ExFastMutex.c; DOC ExAcquireFastMutex"},

    {"ExTryToAcquireFastMutex",
     "Raises IRQL to APC_LEVEL and tries once: TRUE and the mutex is owned, or FALSE with "
     "IRQL restored. It fails even when the caller already owns the mutex.",
     "Caller must be running at IRQL <= APC_LEVEL.",
     "Ignoring FALSE and touching the data: a data race. Releasing after a FALSE: a release "
     "without acquire, which on retail kernels lets the next two acquirers in at once (0x162 "
     "on win10 with AutoBoost). At DISPATCH_LEVEL: 0x192 on win10 with AutoBoost.",
     "SEMANTICS.md §9; KMT ntos_ex/ExFastMutex.c; DOC ExTryToAcquireFastMutex"},

    {"ExReleaseFastMutex",
     "Clears the owner, wakes one waiter if any (on xp and server2003 the mutex is handed "
     "directly to it), and lowers IRQL to the value the acquire saved in the mutex.",
     "Caller must be running at APC_LEVEL (the acquire raised it there).",
     "Release by a thread that does not own it: 0x162 on win10 with AutoBoost; otherwise "
     "undetected, and the IRQL restored is the one the owner saved, not the caller's. "
     "Release without an acquire on a retail kernel: the count goes to 2 and the next two "
     "acquirers both get in, with no bugcheck.",
     "SEMANTICS.md §9, §11; KMT ntos_ex/ExFastMutex.c; DOC ExReleaseFastMutex"},

    {"KeReleaseMutex",
     "Releases a KMUTEX the caller owns (acquired with KeWaitForSingleObject or "
     "KeWaitForMultipleObjects): SignalState +1. At the final release (back to 1) ownership "
     "ends and the oldest waiter becomes the owner (it runs at once if it outranks the "
     "caller); only then is KernelApcDisable restored, so an APC of the releasing thread "
     "cannot take the mutex ahead of that waiter. A mutex "
     "acquired recursively needs as many releases.",
     "Caller must be running at IRQL <= DISPATCH_LEVEL.",
     "Release by a thread that does not own the mutex, or of a mutex nobody owns: "
     "STATUS_MUTANT_NOT_OWNED (0xC0000046) is raised; in a system thread nothing handles it "
     "and kesim stops with 0x7E (the old 0x11 is not used). A thread that ends still owning "
     "the mutex: 0x4000008A. One release short after recursive acquisition: the mutex stays "
     "owned and KernelApcDisable stays -1.",
     "SEMANTICS.md §5 (mutants), §13; KMT ntos_ke/KeMutex.c; DOC KeReleaseMutex"},

    // spin locks
    {"KeAcquireSpinLock",
     "Raises IRQL to DISPATCH_LEVEL, saving the previous IRQL, and spins until it can set "
     "the lock bit (on a uniprocessor retail kernel only the raise happens). While the lock "
     "is held the thread cannot be preempted, wait, or take a page fault.",
     "Caller must be running at IRQL <= DISPATCH_LEVEL.",
     "Recursive acquire on a multiprocessor: spins for ever; kesim reports the thread deadlocked on itself (Windows 8 and later would eventually stop with 0x133, checked kernels with 0xF). Waiting while holding it: 0xC4/0x121 "
     "with no timeout, 0xC4/0x122 with one. Acquiring a push lock or a fast or guarded mutex "
     "while holding it: 0x192 on win10. Called above DISPATCH_LEVEL: retail kernels set "
     "IRQL to DISPATCH_LEVEL, i.e. lower it.",
     "SEMANTICS.md §10, §2; KMT ntos_ke/KeSpinLock.c; DOC KeAcquireSpinLock"},

    {"KeReleaseSpinLock",
     "Clears the lock word and lowers IRQL to the value saved by the matching acquire; "
     "pending DPCs and a deferred reschedule then run.",
     "Caller must be running at DISPATCH_LEVEL.",
     "Release by a non-owner or of a free lock: checked kernels stop with 0x10; retail "
     "kernels and kesim clear the word anyway, letting a second thread into the region (a "
     "data race). Releasing two spin locks in the wrong order restores the wrong saved "
     "IRQL.",
     "SEMANTICS.md §10; KMT ntos_ke/KeSpinLock.c; DOC KeReleaseSpinLock"},

    // dispatcher
    {"KeWaitForSingleObject",
     "Waits until the object (event, semaphore, timer, KMUTEX, thread) is signaled, the "
     "timeout expires, or, for an alertable or UserMode wait, an alert or user APC arrives. "
     "A signaled object satisfies the wait at once without a switch, consuming state: a "
     "synchronization event resets, a semaphore count drops, a mutex becomes owned. Returns "
     "STATUS_SUCCESS, STATUS_TIMEOUT, STATUS_ALERTED, STATUS_USER_APC or STATUS_ABANDONED.",
     "Timeout absent or not zero: caller must be running at IRQL <= APC_LEVEL. Timeout 0 (a "
     "poll): IRQL <= DISPATCH_LEVEL.",
     "Non-zero timeout at DISPATCH_LEVEL: 0xC4/0x122 (kesim behaves as if Driver Verifier "
     "were on for this check); no timeout at DISPATCH_LEVEL: 0xC4/0x121; above "
     "DISPATCH_LEVEL: 0xC4/0x120. In a DPC Windows stops with 0xB8 (kesim has no DPCs). Waiting on an event only the waiting "
     "thread would set, or on a mutex held by a thread that waits for you: deadlock. "
     "Waiting on an event nobody will set: hang. Recursing on a KMUTEX past MINLONG raises "
     "STATUS_MUTANT_LIMIT_EXCEEDED (0x7E in a system thread).",
     "SEMANTICS.md §5, §2, §13; DOC KeWaitForSingleObject"},

    {"KeWaitForMultipleObjects",
     "Waits on several dispatcher objects. WaitAny returns STATUS_WAIT_0 plus the index of "
     "the first signaled object in array order; WaitAll waits until all are signaled at the "
     "same time and then satisfies them all at once, never some of them. Timeout, alertable "
     "and mode work as for KeWaitForSingleObject.",
     "Timeout absent or not zero: caller must be running at IRQL <= APC_LEVEL. Timeout 0 (a "
     "poll): IRQL <= DISPATCH_LEVEL.",
     "Same IRQL rules and bugchecks as KeWaitForSingleObject (0xC4/0x120, 0xC4/0x121, "
     "0xC4/0x122; 0xB8 in a DPC on Windows). More than 64 objects: 0xC (real code needs a wait block "
     "array above three; kesim supplies one). WaitAny on objects that are often signaled "
     "together always favours the first in the array, so later ones can starve.",
     "SEMANTICS.md §5, §2; DOC KeWaitForMultipleObjects"},

    {"KeSetEvent",
     "Signals the event and returns its previous state. Notification event: every waiter is "
     "released and the event stays signaled until reset. Synchronization event: if threads "
     "wait, the oldest is released and the event returns to not signaled; otherwise it stays "
     "signaled for the next waiter. The increment boosts the woken thread's priority (base "
     "+ increment, at most 15); a woken thread that now outranks the caller runs before "
     "KeSetEvent returns.",
     "Caller must be running at IRQL <= DISPATCH_LEVEL (with Wait = TRUE the next call must "
     "be a wait, at the same IRQL).",
     "Setting a synchronization event twice before anyone waits wakes only one waiter: "
     "events do not count (use a semaphore). Using a notification event as a lock lets every "
     "waiter run at once. A set before the waiter starts waiting is not lost, unlike a "
     "condition-variable signal.",
     "SEMANTICS.md §5; KMT ntos_ke/KeEvent.c; DOC KeSetEvent"},

    {"KeResetEvent",
     "Sets the event to not signaled and returns the previous state.",
     kEventIrql,
     "Resetting while another thread sets the event loses the signal in some schedules (a "
     "lost wake-up): a thread that resets and then waits may wait for ever. kesim's explorer "
     "finds the interleaving.",
     "SEMANTICS.md §5; DOC KeResetEvent"},

    {"KeClearEvent",
     "Sets the event to not signaled, without returning the previous state (cheaper than "
     "KeResetEvent).",
     kEventIrql,
     "Clearing while another thread sets the event loses the signal in some schedules (a "
     "lost wake-up): a thread that clears and then waits may wait for ever. kesim's explorer "
     "finds the interleaving.",
     "SEMANTICS.md §5; DOC KeClearEvent"},

    {"KePulseEvent",
     "If the event is not signaled and threads wait on it, signals it (waking every waiter "
     "of a notification event, the oldest waiter of a synchronization event); then leaves it "
     "not signaled in every case. Returns the previous state.",
     kEventIrql,
     "A pulse wakes only the threads waiting at that instant: a thread about to wait, or "
     "pulled out of its wait by a kernel APC at that moment, misses it and may wait for "
     "ever. Pulse-based protocols depend on the schedule; prefer a set and reset pair, or a "
     "semaphore.",
     "SEMANTICS.md §5, §3; DOC KePulseEvent"},

    {"KeReleaseSemaphore",
     "Adds the adjustment to the semaphore's count and returns the previous count; if the "
     "count was 0, up to that many waiters are released, each taking one unit.",
     kEventIrql,
     "Raising the count above the limit (or overflowing it): STATUS_SEMAPHORE_LIMIT_EXCEEDED "
     "(0xC0000047) is raised and the count is left unchanged; unhandled in a system thread "
     "it stops kesim with 0x7E. A semaphore has no owner: any thread may release it, so it "
     "cannot catch a release by the wrong thread.",
     "SEMANTICS.md §5; DOC KeReleaseSemaphore"},

    {"KeSetTimer",
     "Arms the timer to expire after `due` and, with `period`, every period after that. An "
     "armed timer is cancelled first (the call returns TRUE then) and its state set to not "
     "signaled. At expiry a notification timer releases every waiter and stays signaled; a "
     "synchronization timer releases one waiter and resets.",
     kEventIrql,
     "Re-arming cancels the pending expiry, so a waiter counting on the first due time waits "
     "longer. A periodic synchronization timer whose waiter falls behind merges expiries "
     "(it does not count them), so ticks are lost.",
     "SEMANTICS.md §5 (timers); DOC KeSetTimerEx"},

    {"KeCancelTimer",
     "Removes the timer from the timer queue if it is armed and returns whether it was. The "
     "signal state is not touched: a timer that already expired stays signaled.",
     kEventIrql,
     "Assuming cancel clears the state: a later wait on an expired notification timer is "
     "satisfied at once. Cancelling does not wake waiters: a thread waiting on a cancelled "
     "timer without a timeout hangs.",
     "SEMANTICS.md §5 (timers); DOC KeCancelTimer"},

    // gates
    {"KeWaitForGate",
     "Waits on a gate, the bare dispatcher object behind push locks and guarded mutexes "
     "from server2003 to Win7: if it is signaled it is consumed and the call returns at once; "
     "otherwise the thread queues at the tail and waits in state GateWait. Single object, no "
     "timeout, not alertable. A deliverable kernel APC pulls the thread out, runs, and the "
     "thread waits again.",
     "ReactOS asserts IRQL <= DISPATCH_LEVEL; as for any wait, blocking is only possible "
     "below DISPATCH_LEVEL.",
     "A gate has no timeout: if nothing signals it the waiter hangs for good. Gates are an "
     "internal mechanism; on win10 the locks that used them moved to events, and kesim's "
     "gate object exists to study the server2003 design.",
     "SEMANTICS.md §6; S0; RO ke/gate.c"},

    {"KeSignalGateBoostPriority",
     "If no thread waits on the gate, sets it signaled so that the next waiter passes "
     "through; otherwise releases only the oldest waiter, boosted to the signaler's "
     "priority (at most 15, and only a waiter below 16).",
     kEventIrql,
     "Each signal releases at most one waiter and signals do not accumulate past one: two "
     "signals with nobody waiting let only one later waiter through, and the next blocks "
     "(outcome hang if nothing signals again).",
     "SEMANTICS.md §6; RO ke/gate.c"},

    // synchronous I/O
    {"ZwCreateFile",
     "Creates (or overwrites) a file in kesim's in-memory namespace as a synchronous "
     "request: the thread issues it and waits, the device completes it after io_latency, "
     "and completion reaches the thread as a special kernel APC (IopCompleteRequest) that "
     "writes the status and sets the event the thread waits on.",
     kZwIrql, kZwMisuse, kZwSource},

    {"ZwWriteFile",
     "Writes the given number of bytes to a file in kesim's namespace as a synchronous "
     "request completed by a special kernel APC after io_latency.",
     kZwIrql, kZwMisuse, kZwSource},

    {"ZwOpenFile",
     "Opens an existing file in kesim's namespace as a synchronous request completed by a "
     "special kernel APC; STATUS_OBJECT_NAME_NOT_FOUND if it does not exist.",
     kZwIrql, kZwMisuse, kZwSource},

    {"ZwSetInformationFile",
     "With rename_to, renames (moves) a file within kesim's namespace, the operation at the "
     "heart of the driver demo's race (seed S1). A synchronous request completed by a "
     "special kernel APC.",
     kZwIrql, kZwMisuse, kZwSource},

    {"ZwClose",
     "Closes the handle the thread holds for a file in kesim's namespace, as a synchronous "
     "request: the device completes it after io_latency and completion reaches the thread "
     "as a special kernel APC that sets the event it waits on.",
     kZwIrql, kZwMisuse, kZwSource},
};

static_assert(std::size(kOperations) == 53);

}  // namespace

std::span<const OperationInfo> all_operations() { return kOperations; }

const OperationInfo* find_operation(std::string_view name) {
  const auto* it = std::find_if(std::begin(kOperations), std::end(kOperations),
                                [name](const OperationInfo& op) { return op.name == name; });
  return it != std::end(kOperations) ? it : nullptr;
}

}  // namespace kesim::check
