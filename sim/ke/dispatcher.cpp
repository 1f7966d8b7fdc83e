// sim/ke/dispatcher.cpp — events, semaphores, mutexes, timers and gates (SEMANTICS.md §5, §6).
// Sources: ReactOS ke/eventobj.c, semphobj.c, mutex.c, timerobj.c, gate.c; return values as
// asserted by kmtest KeEvent.c, KeMutex.c and KeTimer.c.
#include <algorithm>

#include "sim/ke/access.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/ke/verifier.hpp"

namespace kesim::ke {

using engine::TraceKind;

namespace {
void notify_signal(DISPATCHER_HEADER& o) {
  Kernel& k = current_kernel();
  KTHREAD* by = k.current_thread();
  k.record(TraceKind::Signal, by, &o, o.SignalState);
  for (Observer* ob : k.observers()) ob->on_signal(by, o);
}

bool is_notification(const KEVENT& e) { return e.type == KOBJECTS::EventNotificationObject; }

// A set or pulse that finds no waiter is remembered for reports (a lost wake-up names it).
void note_unheard(KEVENT& e, bool pulse) {
  if (!e.WaitListHead.empty()) return;
  const KTHREAD* self = current_kernel().current_thread();
  e.unheard_signal_step = self ? self->current_step : nullptr;
  e.unheard_signal_pulse = pulse;
}
}  // namespace

// ---- events --------------------------------------------------------------------------------------

LONG KeSetEvent(KEVENT& e, KPRIORITY increment, bool /*wait*/) {
  const KiAccessScope scope(e, KiAfterPoint{});  // and the threads it wakes (KiUnwaitThread)
  KiSchedulingPoint();
  VfCheckSetEvent(*current_kernel().current_thread(), e);  // Driver Verifier: 0xC4/0x80
  const LONG previous = e.SignalState;
  // A signaled notification event with waiters cannot exist; setting it again does nothing.
  if (is_notification(e) && previous != 0) return previous;
  note_unheard(e, false);
  e.SignalState = 1;
  notify_signal(e);
  KiWaitTest(e, increment);
  KiExitDispatcher();
  return previous;
}

LONG KeResetEvent(KEVENT& e) {
  const KiAccessScope scope(e, KiAfterPoint{});
  KiSchedulingPoint();
  const LONG previous = e.SignalState;
  e.SignalState = 0;
  return previous;
}

void KeClearEvent(KEVENT& e) {
  const KiAccessScope scope(e, KiAfterPoint{});
  KiSchedulingPoint();
  e.SignalState = 0;
}

LONG KePulseEvent(KEVENT& e, KPRIORITY increment, bool /*wait*/) {
  const KiAccessScope scope(e, KiAfterPoint{});  // and the threads it wakes (KiUnwaitThread)
  KiSchedulingPoint();
  const LONG previous = e.SignalState;
  note_unheard(e, true);
  if (previous == 0 && !e.WaitListHead.empty()) {
    e.SignalState = 1;
    notify_signal(e);
    KiWaitTest(e, increment);
  }
  e.SignalState = 0;
  KiExitDispatcher();
  return previous;
}

LONG KeReadStateEvent(const KEVENT& e) {
  KiNoteObject(e, false);
  return e.SignalState;
}

// ---- semaphores ----------------------------------------------------------------------------------

LONG KeReleaseSemaphore(KSEMAPHORE& s, KPRIORITY increment, LONG adjustment, bool /*wait*/) {
  const KiAccessScope scope(s, KiAfterPoint{});  // and the threads it wakes (KiUnwaitThread)
  KiSchedulingPoint();
  const LONG previous = s.SignalState;
  const std::int64_t next = static_cast<std::int64_t>(previous) + adjustment;
  if (adjustment < 0 || next > s.Limit || next > 0x7fffffff)
    ExRaiseStatus(STATUS_SEMAPHORE_LIMIT_EXCEEDED);  // the state is left unchanged
  s.SignalState = static_cast<LONG>(next);
  notify_signal(s);
  if (previous == 0) KiWaitTest(s, increment);
  KiExitDispatcher();
  return previous;
}

// ---- mutexes -------------------------------------------------------------------------------------

// ReactOS ke/mutex.c KeReleaseMutant. Without Abandon, only the owner may release (a foreign
// release raises STATUS_MUTANT_NOT_OWNED, or STATUS_ABANDONED for an abandoned mutant; not a
// bugcheck, kmtest KeMutex.c) and the state counts up. With Abandon, anyone may: the state goes
// straight to 1 and the mutant is marked abandoned, so its next acquirer gets STATUS_ABANDONED.
// When the state reaches 1 the mutant leaves its owner's list and KiWaitTest wakes a waiter; a
// KMUTEX's critical region is then left by the *calling* thread — as ReactOS does even when an
// abandoning caller is not the owner (the owner's KernelApcDisable stays as it was).
LONG KeReleaseMutant(KMUTANT& m, KPRIORITY increment, bool abandon, bool /*wait*/) {
  const KiAccessScope scope(m, KiAfterPoint{});  // and the threads it wakes (KiUnwaitThread)
  KiSchedulingPoint();
  KTHREAD& t = *KeGetCurrentThread();
  const LONG previous = m.SignalState;
  if (!abandon) {
    if (m.OwnerThread != &t) {
      // Driver Verifier sees the foreign release before the routine raises (0xC4/0x1004,
      // sim/check/verifier_deadlock.cpp); a free build only raises.
      if (current_kernel().verifier())
        for (Observer* o : current_kernel().observers())
          o->on_foreign_release(t, m, m.OwnerThread, t.current_step);
      ExRaiseStatus(m.Abandoned ? STATUS_ABANDONED : STATUS_MUTANT_NOT_OWNED);
    }
    ++m.SignalState;
  } else {
    m.SignalState = 1;
    m.Abandoned = true;
  }
  bool enable_apc = false;
  if (m.SignalState == 1) {
    KTHREAD* owner = m.OwnerThread;
    m.OwnerThread = nullptr;
    if (previous <= 0 && owner) {
      KiNoteThread(*owner);  // its mutant list (an abandoning caller need not be the owner)
      owner->MutantListHead.remove(m);
      enable_apc = m.ApcDisable != 0;
      KiNoteRelease(*owner, m);
    }
    notify_signal(m);
    KiWaitTest(m, increment);
  }
  // ReactOS ke/mutex.c: the waiter is given the mutex (KiWaitTest) and the dispatcher lock
  // released (KiExitDispatcher, which may switch to it) *before* KeLeaveCriticalRegion
  // re-enables normal APCs. Leaving the region first would let the releaser's own pending APC
  // take the mutex ahead of the queued waiter.
  KiExitDispatcher();
  if (enable_apc) KiAdjustKernelApcDisable(t, static_cast<int>(m.ApcDisable));
  return previous;
}

// ReactOS ke/mutex.c: KeReleaseMutex is KeReleaseMutant(Mutex, 1, FALSE, Wait).
LONG KeReleaseMutex(KMUTANT& m, bool wait) { return KeReleaseMutant(m, 1, false, wait); }

// ---- timers --------------------------------------------------------------------------------------

namespace {
struct TimerExpiry final : engine::EventHandler {
  void on_event(std::uint64_t object, std::uint64_t generation) override {
    Kernel& k = current_kernel();
    auto& timer = static_cast<KTIMER&>(*k.objects()[object]);
    if (timer.generation != generation || !timer.Inserted) return;
    timer.SignalState = 1;
    k.record(TraceKind::Timer, nullptr, &timer, 1);
    for (Observer* ob : k.observers()) ob->on_signal(nullptr, timer);
    KiWaitTest(timer, 0);
    if (timer.Period > 0) {
      timer.DueTime = engine::sat_add(timer.DueTime, timer.Period);
      k.engine().post(timer.DueTime, this, object, timer.generation);
    } else {
      timer.Inserted = false;
    }
  }
  // kesim play: "timer Tick expires (signaled: Alice waits on it)".
  std::string describe(std::uint64_t object, std::uint64_t generation) const override {
    Kernel& k = current_kernel();
    auto& timer = static_cast<KTIMER&>(*k.objects()[object]);
    if (timer.generation != generation || !timer.Inserted)
      return "timer " + timer.name + ": an expiry cancelled or re-set since (nothing happens)";
    std::string waiters;
    for (KWAIT_BLOCK& wb : timer.WaitListHead) waiters += (waiters.empty() ? "" : ", ") + wb.Thread->name;
    return "timer " + timer.name + " expires (signaled: " +
           (waiters.empty() ? std::string("nobody waits on it") : waiters + " waits on it") + ")";
  }
};
TimerExpiry g_timer_expiry;
}  // namespace

bool KeSetTimer(KTIMER& timer, Time due, Time period) {
  const KiAccessScope scope(timer, KiAfterPoint{});
  KiSchedulingPoint();
  Kernel& k = current_kernel();
  const bool was_inserted = timer.Inserted;
  ++timer.generation;  // cancels the pending instance
  timer.SignalState = 0;
  timer.DueTime = k.engine().after(std::max<Time>(due, 0));
  timer.Period = period;
  timer.Inserted = true;
  k.record(TraceKind::Timer, k.current_thread(), &timer, 0, timer.DueTime);
  k.engine().post(timer.DueTime, &g_timer_expiry, static_cast<std::uint64_t>(timer.index),
                  timer.generation);
  return was_inserted;
}

bool KeCancelTimer(KTIMER& timer) {
  const KiAccessScope scope(timer, KiAfterPoint{});
  KiSchedulingPoint();
  const bool was_inserted = timer.Inserted;
  timer.Inserted = false;  // the state is not touched (ReactOS timerobj.c)
  ++timer.generation;
  return was_inserted;
}

// ---- gates ---------------------------------------------------------------------------------------

void KeWaitForGate(KGATE& gate, KWAIT_REASON reason, KPROCESSOR_MODE mode) {
  // A gate wait is single-object, non-alertable and has no timeout (SEMANTICS.md §6); the thread
  // shows GateWait while it sleeps (S0).
  DISPATCHER_HEADER* one[1] = {&gate};
  KiWait(one, WAIT_TYPE::WaitAny, reason, mode, false, nullptr, KTHREAD_STATE::GateWait);
}

void KeSignalGateBoostPriority(KGATE& gate) {
  const KiAccessScope scope(gate, KiAfterPoint{});  // and the threads it wakes (KiUnwaitThread)
  KiSchedulingPoint();
  Kernel& k = current_kernel();
  KTHREAD* self = k.current_thread();
  KWAIT_BLOCK* oldest = gate.WaitListHead.front();
  notify_signal(gate);
  if (!oldest) {
    gate.SignalState = 1;  // the next waiter passes through
    return;
  }
  KTHREAD& w = *oldest->Thread;
  // The released waiter is boosted to the signaler's priority (dynamic range only).
  if (self && self->priority > w.priority && w.priority < 16)
    KiSetPriority(w, std::min<int>(self->priority, 15));
  KiUnwaitThread(w, STATUS_SUCCESS, 0);
  KiExitDispatcher();
}

}  // namespace kesim::ke
