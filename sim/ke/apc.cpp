// sim/ke/apc.cpp — IRQL, critical/guarded regions and APC queueing and delivery.
// Follows SEMANTICS.md §2–§4: ReactOS ke/apc.c (KiInsertQueueApc, KiDeliverApc),
// include/internal/ke_x.h (KeEnter/LeaveCriticalRegion and guarded regions), kmtest KeApc.c and
// KeIrql.c for free-build behaviour, and S4 for the XP vs 2003 KeAreApcsDisabled.
#include <algorithm>

#include "sim/ke/access.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/ke/verifier.hpp"

namespace kesim::ke {

using engine::TraceKind;

KTHREAD* KeGetCurrentThread() { return current_kernel().current_thread(); }

void KiSchedulingPoint() {
  Kernel& k = current_kernel();
  k.engine().point();  // the engine's resume hook reports the routine's access scope, if any
  KTHREAD& t = *k.current_thread();
  // What follows is a kernel operation. A routine that declared what it touches
  // (sim/ke/access.hpp) was reported by the hook; any other may touch any kernel object, the
  // dispatcher or the clock (conservative: the whole kernel state, written).
  if (t.access.depth == 0) k.engine().note_access(engine::kAccessGlobal, true);
  if (t.apc_interrupt && t.Irql < APC_LEVEL) KiDeliverApcInterrupt(t);
}

void KiSchedulingPointWord(std::uint32_t word, bool write) {
  Kernel& k = current_kernel();
  k.engine().point();
  k.engine().note_access(engine::kAccessFirstWord + word, write);
  KTHREAD& t = *k.current_thread();
  if (t.apc_interrupt && t.Irql < APC_LEVEL) {
    k.engine().note_access(engine::kAccessGlobal, true);
    KiDeliverApcInterrupt(t);
  }
}

void KiExitDispatcher() {
  Kernel& k = current_kernel();
  const KTHREAD* t = k.current_thread();
  // Preempted threads are Ready in the engine but still on their fiber until they switch.
  if (t && t->state == engine::TaskState::Ready) KiSchedulingPoint();
}

// The x86/x64 `pause` instruction takes tens of cycles (Intel's optimization manual gives
// about 10 to 140 depending on the core): kesim charges 10 ns of CPU, so a spinning thread lets
// virtual time — and the lock holder's work — go on, and hints the strategy that it spins.
void KiYieldProcessor() {
  current_kernel().engine().yield_hint();
  KiRunOnCpu(10);
}

void KiRunOnCpu(Time duration) {
  Kernel& k = current_kernel();
  KTHREAD& t = *k.current_thread();
  Time left = duration;
  k.record(TraceKind::WorkBegin, &t, nullptr, duration);
  do {
    left = k.engine().work(left);
    if (t.apc_interrupt && t.Irql < APC_LEVEL) KiDeliverApcInterrupt(t);
  } while (left > 0);
  k.record(TraceKind::WorkEnd, &t, nullptr, duration);
}

// ---- IRQL --------------------------------------------------------------------------------------

void KiSetIrql(KTHREAD& t, KIRQL irql) {
  Kernel& k = current_kernel();
  const KIRQL old = t.Irql;
  if (old == irql) return;
  if (old < APC_LEVEL && irql >= APC_LEVEL) t.irql_raised_step = t.current_step;
  t.Irql = irql;
  k.record(TraceKind::Irql, &t, nullptr, irql, old);
  if ((old >= DISPATCH_LEVEL) != (irql >= DISPATCH_LEVEL)) {
    k.engine().set_preemptible(t, irql < DISPATCH_LEVEL);
    // Dropping below DISPATCH_LEVEL fires a pending dispatch interrupt: a thread readied while
    // this one could not be preempted runs now, before any APC (DISPATCH_LEVEL outranks
    // APC_LEVEL; ReactOS hal KfLowerIrql checks the pending software interrupts highest first).
    if (irql < DISPATCH_LEVEL && &t == k.current_thread() &&
        t.state == engine::TaskState::Ready)
      k.engine().point();
  }
  // The APC software interrupt fires as soon as IRQL drops below APC_LEVEL (ReactOS hal
  // KfLowerIrql; ke/apc.c requests it with HalRequestSoftwareInterrupt(APC_LEVEL)).
  if (irql < APC_LEVEL && t.apc_interrupt && &t == k.current_thread()) KiDeliverApcInterrupt(t);
}

KIRQL KeGetCurrentIrql() { return KeGetCurrentThread()->Irql; }

KIRQL KeRaiseIrql(KIRQL new_irql) {
  const KiAccessScope scope;  // the caller's own state only
  KiSchedulingPoint();
  KTHREAD& t = *KeGetCurrentThread();
  const KIRQL old = t.Irql;
  // Raising to a lower IRQL is fatal on checked builds only; free builds load the value
  // (kmtest KeIrql.c), and kesim models the free build. Driver Verifier stops it (0xC4/0x30).
  VfCheckRaiseIrql(t, new_irql);
  KiSetIrql(t, new_irql);
  return old;
}

// ReactOS hal (apic.c, pic.c) implements it as KfRaiseIrql(DISPATCH_LEVEL), whose
// "new < current" bugcheck (IRQL_NOT_GREATER_OR_EQUAL) is compiled into checked builds only.
// Microsoft's page says a call above DISPATCH_LEVEL bug-checks; kesim models the free build, as
// for KeRaiseIrql, and loads DISPATCH_LEVEL (README, "Kernel behaviour kesim had to decide").
KIRQL KeRaiseIrqlToDpcLevel() { return KeRaiseIrql(DISPATCH_LEVEL); }

void KeLowerIrql(KIRQL new_irql) {
  const KiAccessScope scope;  // the caller's own state only
  KiSchedulingPoint();
  KTHREAD& t = *KeGetCurrentThread();
  VfCheckLowerIrql(t, new_irql);  // Driver Verifier: 0xC4/0x31 for a raise
  KiSetIrql(t, new_irql);
}

// ---- regions -----------------------------------------------------------------------------------

void KiCheckForKernelApcDelivery(KTHREAD& t) {
  if (t.Irql == PASSIVE_LEVEL) {
    KiDeliverApcInterrupt(t);
  } else {
    t.ApcState.KernelApcPending = true;
    t.apc_interrupt = true;
  }
}

void KiAdjustKernelApcDisable(KTHREAD& t, int delta) {
  Kernel& k = current_kernel();
  if (t.KernelApcDisable == 0 && delta < 0) t.regions_entered_step[0] = t.current_step;
  t.KernelApcDisable = static_cast<std::int16_t>(t.KernelApcDisable + delta);
  t.regions_changed_at[0] = k.engine().now();
  k.record(TraceKind::KernelApcDisable, &t, nullptr, t.KernelApcDisable, delta);
  if (delta > 0 && t.KernelApcDisable == 0 && !t.ApcState.ApcListHead[0].empty() &&
      t.SpecialApcDisable == 0)
    KiCheckForKernelApcDelivery(t);
}

void KiEnterGuardedRegion(KTHREAD& t) {
  Kernel& k = current_kernel();
  if (t.SpecialApcDisable == 0) t.regions_entered_step[1] = t.current_step;
  --t.SpecialApcDisable;
  t.regions_changed_at[1] = k.engine().now();
  k.record(TraceKind::SpecialApcDisable, &t, nullptr, t.SpecialApcDisable, -1);
}

void KiLeaveGuardedRegion(KTHREAD& t) {
  Kernel& k = current_kernel();
  ++t.SpecialApcDisable;
  t.regions_changed_at[1] = k.engine().now();
  k.record(TraceKind::SpecialApcDisable, &t, nullptr, t.SpecialApcDisable, 1);
  if (t.SpecialApcDisable == 0 && !t.ApcState.ApcListHead[0].empty())
    KiCheckForKernelApcDelivery(t);
}

void KeEnterCriticalRegion() {
  const KiAccessScope scope;  // the caller's own state only
  KiSchedulingPoint();
  KTHREAD& t = *KeGetCurrentThread();
  VfCheckEnterCriticalRegion(t);  // Driver Verifier: 0xC4/0x11A above APC_LEVEL
  KiAdjustKernelApcDisable(t, -1);
}

void KeLeaveCriticalRegion() {
  const KiAccessScope scope;  // the caller's own state only
  KiSchedulingPoint();
  // Free builds: a leave without enter gives +1 and no bugcheck (kmtest KeApc.c). Driver
  // Verifier stops it (0xC4/0x3E), and a leave above APC_LEVEL (0xC4/0x11B).
  KTHREAD& t = *KeGetCurrentThread();
  VfCheckLeaveCriticalRegion(t);
  KiAdjustKernelApcDisable(t, +1);
}

void KeEnterGuardedRegion() {
  const KiAccessScope scope;  // the caller's own state only
  KiSchedulingPoint();
  KiEnterGuardedRegion(*KeGetCurrentThread());
}

void KeLeaveGuardedRegion() {
  const KiAccessScope scope;  // the caller's own state only
  KiSchedulingPoint();
  KiLeaveGuardedRegion(*KeGetCurrentThread());
}

bool KeAreApcsDisabled() {
  const KTHREAD& t = *KeGetCurrentThread();
  // XP: KernelApcDisable only; 2003+: CombinedApcDisable. Never IRQL (S4 disassembly).
  if (current_kernel().version() == Version::xp) return t.KernelApcDisable != 0;
  return KiCombinedApcDisable(t) != 0;
}

bool KeAreAllApcsDisabled() {
  const KTHREAD& t = *KeGetCurrentThread();
  return t.SpecialApcDisable != 0 || t.Irql >= APC_LEVEL;
}

// ---- queueing ----------------------------------------------------------------------------------

void KeInitializeApc(KAPC& apc, KTHREAD& target, ApcKind kind, KAPC_ROUTINE kernel_routine,
                     KAPC_ROUTINE normal_routine, void* context) {
  apc.Thread = &target;
  apc.kind = kind;
  apc.ApcMode = kind == ApcKind::User ? KPROCESSOR_MODE::UserMode : KPROCESSOR_MODE::KernelMode;
  apc.KernelRoutine = kernel_routine;
  // A special kernel APC has no NormalRoutine: that is what makes it special.
  apc.NormalRoutine = kind == ApcKind::Special ? nullptr : normal_routine;
  apc.context = context;
  apc.Inserted = false;
}

namespace {
bool is_running(const KTHREAD& t) { return t.state == engine::TaskState::Running; }
bool is_waiting(const KTHREAD& t) {
  return t.State == KTHREAD_STATE::Waiting || t.State == KTHREAD_STATE::GateWait;
}
}  // namespace

bool KeInsertQueueApc(KAPC& apc) {
  KiSchedulingPoint();
  const bool inserted = KiInsertQueueApc(apc, current_kernel().current_thread());
  KiExitDispatcher();  // an unwaited target may preempt the caller (ReactOS ke/apc.c)
  return inserted;
}

bool KiInsertQueueApc(KAPC& apc, KTHREAD* self) {
  Kernel& k = current_kernel();
  KTHREAD& target = *apc.Thread;
  // The target's APC queue and pending flags are its kernel state: its task, for dpor (a
  // running target sees them at its next scheduling point).
  KiNoteThread(target);
  if (!target.ApcQueueable || apc.Inserted) return false;
  apc.Inserted = true;
  apc.queued_by = self ? self->index : -1;
  apc.queued_step = self ? self->current_step : nullptr;
  apc.queued_at = k.engine().now();
  const int mode = static_cast<int>(apc.ApcMode);
  ApcList& list = target.ApcState.ApcListHead[mode];
  if (apc.kind == ApcKind::Special) {
    // After the last special APC, before every normal one (ReactOS KiInsertQueueApc).
    KAPC* first_normal = nullptr;
    for (KAPC& a : list)
      if (a.NormalRoutine) {
        first_normal = &a;
        break;
      }
    if (first_normal) list.insert_before(*first_normal, apc);
    else list.push_back(apc);
  } else {
    list.push_back(apc);
  }
  k.record(TraceKind::ApcInsert, &target, nullptr, static_cast<int>(apc.kind),
           static_cast<std::int64_t>(apc.address));

  if (apc.ApcMode == KPROCESSOR_MODE::UserMode) {
    if (is_waiting(target) && target.WaitMode == KPROCESSOR_MODE::UserMode &&
        (target.Alertable || target.ApcState.UserApcPending)) {
      target.ApcState.UserApcPending = true;
      KiUnwaitThread(target, STATUS_USER_APC, 0);
    }
    return true;
  }

  target.ApcState.KernelApcPending = true;
  const bool special = apc.kind == ApcKind::Special;
  if (&target == self) {
    // To self: request the interrupt only if special APCs are enabled (KernelApcDisable is
    // not consulted here; KiDeliverApc will).
    if (target.SpecialApcDisable == 0) {
      target.apc_interrupt = true;
      if (target.Irql < APC_LEVEL) KiDeliverApcInterrupt(target);
    }
  } else if (is_running(target)) {
    // Running on another CPU: the IPI interrupts whatever it is doing once IRQL allows.
    target.apc_interrupt = true;
    if (target.Irql < APC_LEVEL) k.engine().interrupt(target);
  } else if (is_waiting(target)) {
    // SEMANTICS.md §3: unwait only a PASSIVE_LEVEL wait with special APCs enabled, and for a
    // normal APC only with normal APCs enabled and none in progress. Otherwise it stays queued.
    if (target.WaitIrql == PASSIVE_LEVEL && target.SpecialApcDisable == 0 &&
        (special ||
         (target.KernelApcDisable == 0 && !target.ApcState.KernelApcInProgress)))
      KiUnwaitThread(target, STATUS_KERNEL_APC, 0);
  } else {
    // Ready: KiSwapContext reports the pending APC when the thread is next dispatched.
    target.apc_interrupt = true;
  }
  return true;
}

// ---- delivery ----------------------------------------------------------------------------------

namespace {
void check_apc_irql(KTHREAD& t, KIRQL expected, const KAPC& apc) {
  if (t.Irql == expected) return;
  // IRQL_UNEXPECTED_VALUE: P1 = (current << 16) | (expected << 8); P2..P4 routine, APC, normal.
  KeBugCheckEx(bugcheck::IRQL_UNEXPECTED_VALUE,
               (static_cast<std::uint64_t>(t.Irql) << 16) | (static_cast<std::uint64_t>(expected) << 8),
               apc.address + 0x10, apc.address, apc.NormalRoutine ? apc.address + 0x20 : 0,
               "an APC routine returned at " + std::string(irql_name(t.Irql)) + " instead of " +
                   irql_name(expected));
}

void run_routine(KTHREAD& t, KAPC& apc, KAPC_ROUTINE routine) {
  Kernel& k = current_kernel();
  const KiAccessReset own_scope(t);  // the routine's steps report what they touch
  ++t.apc_depth;
  t.push_frame(t.current_step, &apc);  // the step this APC interrupted
  k.record(TraceKind::ApcDeliverBegin, &t, nullptr, static_cast<int>(apc.kind),
           static_cast<std::int64_t>(apc.address));
  routine(apc);
  k.record(TraceKind::ApcDeliverEnd, &t, nullptr, static_cast<int>(apc.kind),
           static_cast<std::int64_t>(apc.address));
  t.pop_frame();
  --t.apc_depth;
}

// KiDeliverApc(KernelMode), at APC_LEVEL on the target's own fiber.
void deliver_kernel_apcs(KTHREAD& t) {
  Kernel& k = current_kernel();
  t.ApcState.KernelApcPending = false;
  if (t.SpecialApcDisable != 0) return;
  ApcList& list = t.ApcState.ApcListHead[0];
  while (KAPC* apc = list.front()) {
    if (!apc->NormalRoutine) {
      list.remove(*apc);
      apc->Inserted = false;
      if (apc->KernelRoutine) {
        run_routine(t, *apc, apc->KernelRoutine);
        check_apc_irql(t, APC_LEVEL, *apc);
      }
      k.free_apc(*apc);
      continue;
    }
    // A normal kernel APC waits while one is in progress or normal APCs are disabled.
    if (t.ApcState.KernelApcInProgress || t.KernelApcDisable != 0) return;
    list.remove(*apc);
    apc->Inserted = false;
    if (apc->KernelRoutine) {
      run_routine(t, *apc, apc->KernelRoutine);
      check_apc_irql(t, APC_LEVEL, *apc);
    }
    t.ApcState.KernelApcInProgress = true;
    KiSetIrql(t, PASSIVE_LEVEL);
    run_routine(t, *apc, apc->NormalRoutine);
    check_apc_irql(t, PASSIVE_LEVEL, *apc);
    KiSetIrql(t, APC_LEVEL);
    t.ApcState.KernelApcInProgress = false;
    k.free_apc(*apc);
  }
}
}  // namespace

void KiDeliverApcInterrupt(KTHREAD& t) {
  t.apc_interrupt = false;
  const KIRQL old = t.Irql;
  KiSetIrql(t, APC_LEVEL);
  deliver_kernel_apcs(t);
  KiSetIrql(t, old);
}

void KiDeliverUserApcs(KTHREAD& t) {
  // kesim has no user mode: the wait's return to "user mode" runs the user APCs at PASSIVE.
  Kernel& k = current_kernel();
  t.ApcState.UserApcPending = false;
  ApcList& list = t.ApcState.ApcListHead[1];
  while (KAPC* apc = list.front()) {
    list.remove(*apc);
    apc->Inserted = false;
    if (apc->NormalRoutine) run_routine(t, *apc, apc->NormalRoutine);
    k.free_apc(*apc);
  }
}

}  // namespace kesim::ke
