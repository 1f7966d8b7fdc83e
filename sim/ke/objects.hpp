// sim/ke/objects.hpp — the kernel object model: every object's common header, dispatcher
// objects with their wait lists (DISPATCHER_HEADER, KWAIT_BLOCK), APC objects and KTHREAD.
// Field names follow NT (ReactOS ndk/ketypes.h) so `!thread` output and the code can be
// compared with a real dump; kesim-only bookkeeping is snake_case.
//
// Invariants:
//   - a KWAIT_BLOCK is linked into its object's WaitListHead exactly while its thread waits;
//   - WaitListHead is FIFO: blocks append at the tail, KiWaitTest walks from the head;
//   - Task::priority (engine) is the current priority; BasePriority the one it returns to.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/engine/list.hpp"
#include "sim/ke/types.hpp"

namespace kesim::ke {

struct KTHREAD;
struct DISPATCHER_HEADER;
class LockKind;  // sim/ke/lock_kind.hpp
struct KiExceptionFrame;  // ke.hpp

// What every simulated object has, dispatcher or not: its name in the scenario, a
// deterministic simulated address and a type.
struct KOBJECT_BASE {
  std::string name;
  std::uint64_t address = 0;
  std::int32_t index = -1;  // position in the kernel's object table
  KOBJECTS type = KOBJECTS::EventNotificationObject;
  // Non-null for a lock: what reports ask it (word, holders, description); set by its create
  // function (sim/ke/lock_kind.hpp).
  const LockKind* lock_kind = nullptr;
  // Threads holding this lock right now (kesim bookkeeping for deadlock analysis and !locks:
  // NT push locks have no owner field; this is what the simulator knows, not the word).
  std::vector<KTHREAD*> holders;
  std::vector<const void*> holder_steps;  // parallel to holders: the acquiring step (reports)
  std::int32_t lock_waiters = 0;  // threads whose waiting_on_lock is this object
  // How many of those (not terminated) are at each current priority, and a bit per non-zero
  // count: AutoBoost reads the highest waiter priority in O(1) instead of scanning every
  // thread (issue #8). Kept in step by KiSetWaitingOnLock, KiSetPriority and thread exit.
  std::array<std::uint32_t, 32> waiter_priority_count{};
  std::uint32_t waiter_priority_mask = 0;
  // The highest current priority among the waiters, or -1 if there is none.
  int highest_waiter_priority() const {
    return waiter_priority_mask ? 31 - __builtin_clz(waiter_priority_mask) : -1;
  }
  KOBJECT_BASE() = default;
  KOBJECT_BASE(const KOBJECT_BASE&) = delete;
  KOBJECT_BASE& operator=(const KOBJECT_BASE&) = delete;
  virtual ~KOBJECT_BASE() = default;
  bool is_dispatcher() const { return static_cast<int>(type) <= 9; }
};

struct KWAIT_BLOCK {
  ListLink WaitListEntry;
  KTHREAD* Thread = nullptr;
  DISPATCHER_HEADER* Object = nullptr;
  std::uint16_t WaitKey = 0;
  WAIT_TYPE WaitType = WAIT_TYPE::WaitAny;
};

using WaitList = IntrusiveList<KWAIT_BLOCK, &KWAIT_BLOCK::WaitListEntry>;

struct DISPATCHER_HEADER : KOBJECT_BASE {
  LONG SignalState = 0;
  WaitList WaitListHead;
};

struct KEVENT : DISPATCHER_HEADER {
  // For reports (a lost wake-up): the last KeSetEvent/KePulseEvent step that found no thread
  // waiting, and whether it was a pulse (whose signal is then gone). Written, never read, by Ke.
  const void* unheard_signal_step = nullptr;
  bool unheard_signal_pulse = false;
};

struct KSEMAPHORE : DISPATCHER_HEADER {
  LONG Limit = 0x7fffffff;
};

struct KMUTANT : DISPATCHER_HEADER {
  ListLink MutantListEntry;  // in the owner's MutantListHead
  KTHREAD* OwnerThread = nullptr;
  bool Abandoned = false;
  std::uint8_t ApcDisable = 1;  // KMUTEX: 1 (KeInitializeMutex), KMUTANT: 0
};

struct KTIMER : DISPATCHER_HEADER {
  engine::Time DueTime = 0;
  std::int64_t Period = 0;       // ns (NT: ms)
  bool Inserted = false;
  std::uint32_t generation = 0;  // invalidates the expiry event of a cancelled instance
};

struct KGATE : DISPATCHER_HEADER {};

enum class ApcKind : std::uint8_t { Special, Normal, User };

struct KAPC;
using KAPC_ROUTINE = void (*)(KAPC& apc);

struct KAPC {
  ListLink ApcListEntry;
  KTHREAD* Thread = nullptr;
  ApcKind kind = ApcKind::Special;
  KPROCESSOR_MODE ApcMode = KPROCESSOR_MODE::KernelMode;
  bool Inserted = false;
  KAPC_ROUTINE KernelRoutine = nullptr;  // at APC_LEVEL (special and normal kernel APCs)
  KAPC_ROUTINE NormalRoutine = nullptr;  // at PASSIVE_LEVEL (normal kernel and user APCs)
  void* context = nullptr;               // the routine's data
  std::int64_t argument = 0;
  std::uint64_t address = 0;
  std::string label;                     // for !apc: the routine's name
  std::int32_t queued_by = -1;           // thread index that inserted it
  const void* queued_step = nullptr;     // the inserting thread's step (reports)
  bool pooled = false;                   // allocated by Kernel::allocate_apc, freed after delivery
  engine::Time queued_at = 0;
};

using ApcList = IntrusiveList<KAPC, &KAPC::ApcListEntry>;

struct KAPC_STATE {
  std::array<ApcList, 2> ApcListHead;  // [KernelMode], [UserMode]
  bool KernelApcInProgress = false;
  bool KernelApcPending = false;
  bool UserApcPending = false;
};

// One AutoBoost lock entry (KLOCK_ENTRY, SEMANTICS.md §11): which lock, and whether this
// thread owns it or waits on it.
struct KLOCK_ENTRY {
  std::uint64_t LockState = 0;  // the lock's address; 0 = free entry
  KOBJECT_BASE* lock = nullptr;
  std::uint8_t EntryIndex = 0;
  bool WaitingByte = false;
  bool AcquiredByte = false;
  std::uint32_t SessionId = 0xffffffff;  // system threads
  std::uint32_t acquire_count = 0;       // shared acquisitions of the same lock
};
inline constexpr int kLockEntries = 6;

using MutantList = IntrusiveList<KMUTANT, &KMUTANT::MutantListEntry>;

// The kernel objects the routine in progress touches, for dpor (sim/ke/access.hpp).
inline constexpr int kAccessScopeObjects = 4;
struct KiAccessState {
  std::array<std::int32_t, kAccessScopeObjects> objects{};
  std::uint8_t count = 0;  // objects named
  std::uint8_t depth = 0;  // scopes open (0: no routine declared what it touches)
  bool wide = false;       // an object without index, or more than fit: the whole kernel state
};

// One frame of a thread's scenario stack, for reports (a `k`-style stack): a routine `call`
// step (apc null), or an APC routine running on the thread (step = the step it interrupted).
struct StepFrame {
  const void* step = nullptr;
  const KAPC* apc = nullptr;
};
inline constexpr int kStepFrames = 16;  // deeper frames are counted, not kept

struct KTHREAD : engine::Task {
  DISPATCHER_HEADER Header;  // the thread object: signaled when the thread terminates
  std::string name;
  std::uint64_t address = 0;         // simulated ETHREAD address
  std::int32_t template_index = -1;  // scenario thread declaration, -1 for API threads
  std::int32_t instance = 0;
  std::uint64_t stack_base = 0;      // simulated kernel stack (wait blocks live there)

  KTHREAD_STATE State = KTHREAD_STATE::Initialized;
  KIRQL Irql = PASSIVE_LEVEL;        // IRQL is per-thread context (ReactOS KiExitDispatcher)
  KIRQL WaitIrql = PASSIVE_LEVEL;
  KPROCESSOR_MODE WaitMode = KPROCESSOR_MODE::KernelMode;
  bool Alertable = false;
  std::array<bool, 2> Alerted{};
  KWAIT_REASON WaitReason = Executive;
  NTSTATUS WaitStatus = STATUS_SUCCESS;
  std::int16_t KernelApcDisable = 0;   // NT counts down: KeEnterCriticalRegion takes 0 to -1
  std::int16_t SpecialApcDisable = 0;
  KAPC_STATE ApcState;
  bool ApcQueueable = true;
  bool apc_interrupt = false;          // an APC_LEVEL software interrupt is requested
  KPRIORITY BasePriority = 8;
  std::array<KWAIT_BLOCK, 4> WaitBlock{};
  std::vector<KWAIT_BLOCK> WaitBlockArray;  // for waits on more than 3 objects
  KWAIT_BLOCK* wait_blocks = nullptr;       // the blocks of the current wait
  std::uint32_t wait_count = 0;
  std::uint32_t wait_generation = 0;        // invalidates a cancelled wait's timeout event
  engine::Time wait_deadline = -1;          // -1: no timeout
  engine::Time wait_started = 0;
  std::int32_t waiting_on_lock = -1;        // object index of a lock the thread spins/sleeps on
  MutantList MutantListHead;
  std::array<KLOCK_ENTRY, kLockEntries> LockEntries{};
  int autoboost_priority = 0;               // the priority AutoBoost lent this thread (0 none)
  bool AutoBoostEntriesExhausted = false;
  std::uint16_t autoboost_untracked = 0;    // locks held without an entry (entries exhausted)

  // Keyed events (sim/ex/keyed_event.hpp): the ETHREAD fields seed S2's `dt nt!_ETHREAD` shows.
  // KeyedWaitChain links the thread into one keyed event's queue while it waits or releases;
  // KeyedWaitValue is its key (low bit set: a releaser waiting for a waiter); it sleeps on its
  // own KeyedWaitSemaphore (limit 1).
  ListLink KeyedWaitChain;
  std::uint64_t KeyedWaitValue = 0;
  KSEMAPHORE KeyedWaitSemaphore;

  // What the thread runs (set by create_thread).
  void (*body)(KTHREAD& self, void* context) = nullptr;  // shadows Task::body on purpose
  void* body_context = nullptr;

  // Push-lock wait blocks live on this thread's (simulated) stack: Ex keeps the active ones
  // here by nesting depth so a wait-block address in a lock word can be followed.
  std::array<void*, 8> ex_wait_blocks{};
  std::uint8_t ex_wait_depth = 0;

  KiAccessState access;  // dpor: what the routine in progress touches (sim/ke/access.hpp)

  // Scenario bookkeeping.
  NTSTATUS last_status = STATUS_SUCCESS;
  int last_boolean = -1;                    // -1: last op returned an NTSTATUS; else FALSE/TRUE
  const void* current_step = nullptr;       // opaque: the scenario step being executed
  std::uint32_t apc_depth = 0;              // APC routines running on this thread (nesting)
  KiExceptionFrame* exception_frames = nullptr;  // innermost `try` handler (ke.hpp), or none
  std::int32_t created_by = -1;
  engine::Time regions_changed_at[2] = {0, 0};  // when Kernel/SpecialApcDisable last changed
  // Causes, for reports: the step that took Kernel/SpecialApcDisable from 0 (entered the
  // outermost critical/guarded region), and the one that raised IRQL from below APC_LEVEL.
  const void* regions_entered_step[2] = {nullptr, nullptr};
  const void* irql_raised_step = nullptr;
  // The scenario stack: frames[0] outermost; frame_count may exceed kStepFrames.
  std::array<StepFrame, kStepFrames> frames{};
  std::uint32_t frame_count = 0;
  void push_frame(const void* step, const KAPC* apc) {
    if (frame_count < kStepFrames) frames[frame_count] = StepFrame{step, apc};
    ++frame_count;
  }
  void pop_frame() { --frame_count; }

  bool terminated() const { return State == KTHREAD_STATE::Terminated; }
};

inline KTHREAD& as_thread(engine::Task& t) { return static_cast<KTHREAD&>(t); }

}  // namespace kesim::ke
