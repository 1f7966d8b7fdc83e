// sim/ke/wait.cpp — KeWaitForSingleObject/MultipleObjects, KiWaitTest, KiUnwaitThread and
// KeDelayExecutionThread. The evaluation order on every (re)entry is ReactOS ke/wait.c's, as
// SEMANTICS.md §5 lists it: deliverable kernel APC → satisfiable → alertable → timeout → block.
// The waker applies the side effects of a satisfied wait (KiWaitTest), so ownership of a mutex
// or a semaphore unit passes to the woken thread before it runs.
#include <algorithm>

#include "sim/ke/access.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"

namespace kesim::ke {

using engine::TraceKind;

namespace {

struct WaitTimeout final : engine::EventHandler {
  void on_event(std::uint64_t thread, std::uint64_t generation) override {
    KTHREAD& t = *current_kernel().threads()[thread];
    if (t.wait_generation == generation && t.wait_blocks != nullptr)
      KiUnwaitThread(t, STATUS_TIMEOUT, 0);
  }
  // kesim play: "Alice's wait on E times out (STATUS_TIMEOUT)".
  std::string describe(std::uint64_t thread, std::uint64_t generation) const override {
    const KTHREAD& t = *current_kernel().threads()[thread];
    if (t.wait_generation != generation || t.wait_blocks == nullptr)
      return t.name + "'s timeout of a wait that already ended (nothing happens)";
    if (t.wait_count == 0) return t.name + "'s KeDelayExecutionThread interval ends";
    const DISPATCHER_HEADER* o = t.wait_blocks[0].Object;
    return t.name + "'s wait on " + o->name +
           (t.wait_count > 1 ? " (and more)" : "") + " times out (STATUS_TIMEOUT)";
  }
};
WaitTimeout g_wait_timeout;

bool is_mutant(const DISPATCHER_HEADER& o) { return o.type == KOBJECTS::MutantObject; }

// Applies a satisfied wait's side effects (KiSatisfyObjectWait). Returns STATUS_ABANDONED for an
// abandoned mutant, else STATUS_SUCCESS.
NTSTATUS satisfy(DISPATCHER_HEADER& o, KTHREAD& t) {
  Kernel& k = current_kernel();
  NTSTATUS status = STATUS_SUCCESS;
  switch (o.type) {
    case KOBJECTS::EventSynchronizationObject:
    case KOBJECTS::TimerSynchronizationObject:
    case KOBJECTS::GateObject:
      o.SignalState = 0;
      break;
    case KOBJECTS::SemaphoreObject:
      --o.SignalState;
      break;
    case KOBJECTS::MutantObject: {
      auto& m = static_cast<KMUTANT&>(o);
      if (m.OwnerThread == &t && m.SignalState == static_cast<LONG>(0x80000000))
        ExRaiseStatus(STATUS_MUTANT_LIMIT_EXCEEDED);
      --m.SignalState;
      if (m.SignalState == 0 && m.OwnerThread != &t) {
        m.OwnerThread = &t;
        if (m.Abandoned) {
          m.Abandoned = false;
          status = STATUS_ABANDONED;
        }
        t.MutantListHead.push_back(m);
        // The first acquisition of a KMUTEX enters a critical region (SEMANTICS.md §5).
        if (m.ApcDisable) KiAdjustKernelApcDisable(t, -static_cast<int>(m.ApcDisable));
        KiNoteAcquire(t, m, true);
      }
      break;
    }
    default:
      break;  // notification event/timer, thread: nothing consumed
  }
  for (Observer* ob : k.observers()) ob->on_wait_satisfied(t, o);
  return status;
}

void remove_wait_blocks(KTHREAD& t) {
  for (std::uint32_t i = 0; i < t.wait_count; ++i) {
    KWAIT_BLOCK& wb = t.wait_blocks[i];
    // The waker edits the wait list of every object the thread waits on, not only the one it
    // signaled: a later signal of another of them must see the thread gone (dpor).
    KiNoteObject(*wb.Object, true);
    if (wb.WaitListEntry.linked()) wb.Object->WaitListHead.remove(wb);
  }
  t.wait_blocks = nullptr;
  t.wait_count = 0;
}

bool all_signaled_for(const KTHREAD& t) {
  for (std::uint32_t i = 0; i < t.wait_count; ++i)
    if (!KiIsSignaledFor(*t.wait_blocks[i].Object, t)) return false;
  return true;
}

NTSTATUS satisfy_all(KTHREAD& t, std::span<DISPATCHER_HEADER* const> objects) {
  NTSTATUS status = STATUS_SUCCESS;
  for (DISPATCHER_HEADER* o : objects)
    if (satisfy(*o, t) == STATUS_ABANDONED) status = STATUS_ABANDONED;
  return status;
}

}  // namespace

bool KiIsSignaledFor(const DISPATCHER_HEADER& o, const KTHREAD& t) {
  if (is_mutant(o))
    return o.SignalState > 0 || static_cast<const KMUTANT&>(o).OwnerThread == &t;
  return o.SignalState > 0;
}

void KiCheckWaitIrql(KTHREAD& t, const DISPATCHER_HEADER* object, const engine::Time* timeout) {
  // Timeout NULL or non-zero needs <= APC_LEVEL; a zero timeout may poll at DISPATCH_LEVEL (DOC
  // KeWaitForSingleObject). The free-build outcome is unconfirmed (SEMANTICS.md §14: no source
  // kesim has read says whether a free build blocks, hangs the CPU or stops with another code),
  // so kesim reports what Driver Verifier reports, 0xC4 with subcodes 0x120/0x121/0x122, with
  // or without machine.verifier: the one Verifier code a free kesim machine raises (README,
  // "Driver Verifier"). 0x123 (a UserMode wait on an object on the kernel stack) cannot arise:
  // every kesim object is declared by the scenario, none lives on a thread's stack.
  if (t.Irql < DISPATCH_LEVEL) return;
  if (t.Irql == DISPATCH_LEVEL && timeout && *timeout == 0) return;
  const std::uint64_t sub = t.Irql > DISPATCH_LEVEL ? 0x120 : (timeout ? 0x122 : 0x121);
  // Microsoft's reference for 0xC4 gives, for 0x120-0x122, Arg2 = the *address* of the IRQL
  // value, Arg3 = the address of the object, Arg4 = the *address* of the timeout value. Both
  // values live in the waiter's frame: kesim places them at fixed slots of the thread's
  // simulated stack (below the exception frame of ExRaiseStatus). A NULL timeout (0x121, and
  // 0x120 without timeout) has address 0.
  const std::uint64_t irql_address = t.stack_base + kWaitIrqlSlot;
  const std::uint64_t timeout_address = timeout ? t.stack_base + kWaitTimeoutSlot : 0;
  KeBugCheckEx(bugcheck::DRIVER_VERIFIER_DETECTED_VIOLATION, sub, irql_address,
               object ? object->address : 0, timeout_address,
               std::string("a blocking wait at ") + irql_name(t.Irql) +
                   (object ? " on " + object->name : std::string()));
}

NTSTATUS KiWait(std::span<DISPATCHER_HEADER* const> objects, WAIT_TYPE type, KWAIT_REASON reason,
                KPROCESSOR_MODE mode, bool alertable, const engine::Time* timeout,
                KTHREAD_STATE state) {
  Kernel& k = current_kernel();
  // Every object waited on, reported again each time the thread resumes (after blocking, the
  // loop tests them again); more than kAccessScopeObjects count as the whole kernel state.
  KiAccessScope scope;
  for (DISPATCHER_HEADER* o : objects) scope.add(*o, /*now=*/false);  // from the point below on
  KiSchedulingPoint();
  KTHREAD& t = *k.current_thread();
  const std::size_t count = objects.size();
  if (count > 64)
    KeBugCheckEx(bugcheck::MAXIMUM_WAIT_OBJECTS_EXCEEDED, count, 0, 0, 0,
                 "more than MAXIMUM_WAIT_OBJECTS (64) objects in one wait");
  // A timeout reads the clock (dispatcher state, for dpor).
  if (timeout) k.engine().note_access(engine::kAccessDispatcher, false);
  const engine::Time deadline = timeout ? k.engine().after(std::max<engine::Time>(*timeout, 0)) : -1;
  const engine::Time started = k.engine().now();
  for (;;) {
    // 1. A deliverable kernel APC first; the wait then starts over.
    if (t.ApcState.KernelApcPending && t.SpecialApcDisable == 0 && t.Irql < APC_LEVEL) {
      KiDeliverApcInterrupt(t);
      continue;
    }
    // 2. Satisfiable now: WaitAny in array order, WaitAll all at once.
    if (type == WAIT_TYPE::WaitAny) {
      for (std::size_t i = 0; i < count; ++i)
        if (KiIsSignaledFor(*objects[i], t)) {
          const NTSTATUS s = satisfy(*objects[i], t);
          return static_cast<NTSTATUS>((s == STATUS_ABANDONED ? STATUS_ABANDONED : 0) + i);
        }
    } else if (count > 0 && std::all_of(objects.begin(), objects.end(), [&](auto* o) {
                 return KiIsSignaledFor(*o, t);
               })) {
      return satisfy_all(t, objects);
    }
    // 3. Alerts and user APCs.
    const int m = static_cast<int>(mode);
    if (alertable && t.Alerted[m]) {
      t.Alerted[m] = false;
      return STATUS_ALERTED;
    }
    if (alertable && mode == KPROCESSOR_MODE::UserMode && !t.ApcState.ApcListHead[1].empty()) {
      t.ApcState.UserApcPending = true;
      KiDeliverUserApcs(t);
      return STATUS_USER_APC;
    }
    if (mode == KPROCESSOR_MODE::UserMode && t.ApcState.UserApcPending) {
      KiDeliverUserApcs(t);
      return STATUS_USER_APC;
    }
    // 4. Timeout (a zero timeout polls).
    if (deadline >= 0 && k.engine().now() >= deadline) return STATUS_TIMEOUT;
    // 5. Block: wait blocks at the tail of every object's list.
    KiCheckWaitIrql(t, count ? objects[0] : nullptr, timeout);
    for (std::size_t i = 0; i < count; ++i)
      if (is_mutant(*objects[i]))
        for (Observer* ob : k.observers()) ob->on_acquire_attempt(t, *objects[i], t.current_step);
    KWAIT_BLOCK* blocks = t.WaitBlock.data();
    if (count > t.WaitBlock.size()) {
      t.WaitBlockArray.resize(count);
      blocks = t.WaitBlockArray.data();
    }
    for (std::size_t i = 0; i < count; ++i) {
      KWAIT_BLOCK& wb = blocks[i];
      wb.Thread = &t;
      wb.Object = objects[i];
      wb.WaitKey = static_cast<std::uint16_t>(i);
      wb.WaitType = type;
      objects[i]->WaitListHead.push_back(wb);
    }
    t.wait_blocks = blocks;
    t.wait_count = static_cast<std::uint32_t>(count);
    t.WaitIrql = t.Irql;
    t.WaitMode = mode;
    t.Alertable = alertable;
    t.WaitReason = reason;
    t.WaitStatus = STATUS_PENDING;
    t.State = state;
    t.wait_started = started;
    ++t.wait_generation;
    if (deadline >= 0) k.engine().post(deadline, &g_wait_timeout, static_cast<std::uint64_t>(t.index),
                                       t.wait_generation);
    k.record(TraceKind::WaitBegin, &t, count ? objects[0] : nullptr, reason, static_cast<int>(state));
    {
      // Blocked and back, the waiter touches only its own state: the waker satisfied the wait
      // (KiWaitTest, KiUnwaitThread) and reported the objects. So, for dpor, the objects are
      // not reported on resuming — only again if the wait starts over (STATUS_KERNEL_APC).
      const KiAccessState held = t.access;
      t.access.count = 0;
      t.access.wide = false;
      k.engine().block();
      t.access = held;
    }
    t.State = KTHREAD_STATE::Running;
    // Switched back in with a kernel APC pending that could not be delivered during the wait
    // (queued while it waited at APC_LEVEL): the APC interrupt is requested, so it fires when
    // IRQL drops below APC_LEVEL (ReactOS KiSwapContextResume: HalRequestSoftwareInterrupt
    // (APC_LEVEL) when KernelApcPending and the wait IRQL is not PASSIVE_LEVEL). At
    // PASSIVE_LEVEL ReactOS delivers at once instead, which step 1 of this loop does.
    if (t.ApcState.KernelApcPending && t.Irql >= APC_LEVEL) t.apc_interrupt = true;
    const NTSTATUS status = t.WaitStatus;
    k.record(TraceKind::WaitEnd, &t, nullptr, status);
    if (status == STATUS_KERNEL_APC) {  // re-wait; the deadline is kept
      KiNoteScope(t);
      continue;
    }
    if (status == STATUS_USER_APC) KiDeliverUserApcs(t);
    return status;
  }
}

void KiUnwaitThread(KTHREAD& t, NTSTATUS status, KPRIORITY increment) {
  Kernel& k = current_kernel();
  remove_wait_blocks(t);
  ++t.wait_generation;
  t.WaitStatus = status;
  t.State = KTHREAD_STATE::Ready;
  // Unwait boost: dynamic threads run at min(base + increment, 15) (SEMANTICS.md §5).
  if (increment > 0 && t.priority < 16) {
    const int boosted = std::min<int>(t.BasePriority + increment, 15);
    if (boosted > t.priority) KiSetPriority(t, boosted);
  }
  k.record(TraceKind::Unblock, &t, nullptr, status);
  k.engine().ready(t);
}

void KiWaitTest(DISPATCHER_HEADER& o, KPRIORITY increment) {
  // Oldest waiter first while the object stays signaled (ReactOS KiWaitTest). Unwaiting
  // removes blocks from this list, so the walk restarts from the head after each release.
  for (bool progress = true; progress && o.SignalState > 0;) {
    progress = false;
    for (KWAIT_BLOCK& wb : o.WaitListHead) {
      KTHREAD& w = *wb.Thread;
      if (wb.WaitType == WAIT_TYPE::WaitAny) {
        const NTSTATUS s = satisfy(o, w);
        KiUnwaitThread(w, static_cast<NTSTATUS>((s == STATUS_ABANDONED ? STATUS_ABANDONED : 0) +
                                                wb.WaitKey),
                       increment);
        progress = true;
        break;
      }
      if (all_signaled_for(w)) {
        std::vector<DISPATCHER_HEADER*> objs;
        for (std::uint32_t i = 0; i < w.wait_count; ++i) objs.push_back(w.wait_blocks[i].Object);
        const NTSTATUS s = satisfy_all(w, objs);
        KiUnwaitThread(w, s, increment);
        progress = true;
        break;
      }
    }
  }
}

NTSTATUS KeWaitForSingleObject(DISPATCHER_HEADER& object, KWAIT_REASON reason,
                               KPROCESSOR_MODE mode, bool alertable, Timeout timeout) {
  DISPATCHER_HEADER* one[1] = {&object};
  return KiWait(one, WAIT_TYPE::WaitAny, reason, mode, alertable, timeout,
                KTHREAD_STATE::Waiting);
}

NTSTATUS KeWaitForMultipleObjects(std::span<DISPATCHER_HEADER* const> objects, WAIT_TYPE type,
                                  KWAIT_REASON reason, KPROCESSOR_MODE mode, bool alertable,
                                  Timeout timeout) {
  return KiWait(objects, type, reason, mode, alertable, timeout, KTHREAD_STATE::Waiting);
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE mode, bool alertable, Time interval) {
  if (interval <= 0) {
    const KiAccessScope scope;  // the caller's own state only
    KiSchedulingPoint();
    return STATUS_SUCCESS;
  }
  const NTSTATUS s = KiWait({}, WAIT_TYPE::WaitAny, DelayExecution, mode, alertable, &interval,
                            KTHREAD_STATE::Waiting);
  return s == STATUS_TIMEOUT ? STATUS_SUCCESS : s;
}

KTHREAD_STATE KiThreadState(const KTHREAD& t) {
  switch (t.State) {
    case KTHREAD_STATE::Waiting:
    case KTHREAD_STATE::GateWait:
    case KTHREAD_STATE::Terminated:
      return t.State;
    default:
      break;
  }
  switch (t.state) {
    case engine::TaskState::Created: return KTHREAD_STATE::Initialized;
    case engine::TaskState::Ready: return KTHREAD_STATE::Ready;
    case engine::TaskState::Running: return KTHREAD_STATE::Running;
    case engine::TaskState::Blocked: return KTHREAD_STATE::Waiting;
    case engine::TaskState::Finished: return KTHREAD_STATE::Terminated;
  }
  return t.State;
}

}  // namespace kesim::ke

namespace kesim::ke {

// The public per-type overloads (include/kesim/nt/ke.hpp): a C++ caller sees the object types
// only as declarations, so it cannot convert them to DISPATCHER_HEADER& itself.
NTSTATUS KeWaitForSingleObject(KEVENT& o, KWAIT_REASON r, KPROCESSOR_MODE m, bool a, Timeout t) {
  return KeWaitForSingleObject(static_cast<DISPATCHER_HEADER&>(o), r, m, a, t);
}
NTSTATUS KeWaitForSingleObject(KSEMAPHORE& o, KWAIT_REASON r, KPROCESSOR_MODE m, bool a, Timeout t) {
  return KeWaitForSingleObject(static_cast<DISPATCHER_HEADER&>(o), r, m, a, t);
}
NTSTATUS KeWaitForSingleObject(KMUTANT& o, KWAIT_REASON r, KPROCESSOR_MODE m, bool a, Timeout t) {
  return KeWaitForSingleObject(static_cast<DISPATCHER_HEADER&>(o), r, m, a, t);
}
NTSTATUS KeWaitForSingleObject(KTIMER& o, KWAIT_REASON r, KPROCESSOR_MODE m, bool a, Timeout t) {
  return KeWaitForSingleObject(static_cast<DISPATCHER_HEADER&>(o), r, m, a, t);
}
NTSTATUS KeWaitForSingleObject(KTHREAD& o, KWAIT_REASON r, KPROCESSOR_MODE m, bool a, Timeout t) {
  return KeWaitForSingleObject(o.Header, r, m, a, t);
}

}  // namespace kesim::ke
