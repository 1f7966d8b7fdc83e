// sim/ex/keyed_event.cpp — NtWaitForKeyedEvent / NtReleaseKeyedEvent (sim/ex/keyed_event.hpp).
// Follows WRK base/ntos/ex/keyedevent.c, read and rewritten; ReactOS ex/keyedevt.c where noted.
#include "sim/ex/keyed_event.hpp"

#include "kesim/nt/ke.hpp"
#include "sim/ke/access.hpp"
#include "sim/ke/ki.hpp"
#include "sim/ke/lock_kind.hpp"

namespace kesim::ex {

using namespace kesim::ke;
using engine::TraceKind;

namespace {

// wdm.h: the boost a released semaphore waiter gets; WRK passes it (ReactOS IO_NO_INCREMENT).
constexpr KPRIORITY kSemaphoreIncrement = 1;

// The thread's KeyedWaitSemaphore, ready for a wait on `event`. WRK initializes it once per
// thread (limit 1); kesim does so on first use. It carries the keyed event's object index, so
// views and the wait-for analysis report the wait as one on the keyed event (as ERESOURCE's
// waiter objects carry the resource's).
KSEMAPHORE& keyed_wait_semaphore(KTHREAD& t, const KEYED_EVENT& event) {
  KSEMAPHORE& s = t.KeyedWaitSemaphore;
  if (s.address == 0) {
    s.type = KOBJECTS::SemaphoreObject;
    s.Limit = 1;
    s.address = t.address + kKeyedWaitSemaphoreOffset;
    s.name = t.name + ".KeyedWaitSemaphore";
  }
  s.index = event.index;
  return s;
}

KWAIT_REASON keyed_wait_reason() {
  return current_kernel().version() == Version::win10 ? WrKeyedEvent : Executive;
}

// Wakes `target`, which the caller has just taken off the queue (the end of both routines'
// match path: KeReleaseSemaphore on the partner's semaphore).
NTSTATUS wake_partner(KEYED_EVENT& event, KTHREAD& me, KTHREAD& target) {
  current_kernel().record(TraceKind::Signal, &me, &event, static_cast<std::int64_t>(keyed_key(target)));
  KeReleaseSemaphore(target.KeyedWaitSemaphore, kSemaphoreIncrement, 1, false);
  return STATUS_SUCCESS;
}

// A thread has one KeyedWaitChain: an APC that interrupted its keyed wait and calls a keyed
// routine again would link it twice. WRK ASSERTs KeyedEventInUse == 0 (checked builds only);
// what a free build does then is undefined, so kesim stops the run and says why.
void check_not_in_use(KTHREAD& t, const char* routine) {
  if (t.KeyedWaitChain.linked())
    current_kernel().fail_assertion(
        std::string(routine) + " called while this thread already waits in a keyed event (from an "
                               "APC): WRK ASSERTs KeyedEventInUse == 0; kesim does not model it",
        t.current_step);
}

// The sleeping half of both routines: the caller is queued with its KeyedWaitValue set.
NTSTATUS sleep_until_matched(KEYED_EVENT& event, KTHREAD& t, bool alertable, const engine::Time* timeout) {
  Kernel& k = current_kernel();
  KSEMAPHORE& sem = keyed_wait_semaphore(t, event);
  const std::int32_t outer = t.waiting_on_lock;  // an APC may use a keyed event during another wait
  KiSetWaitingOnLock(t, event.index);
  k.record(TraceKind::LockWait, &t, &event, static_cast<std::int64_t>(keyed_key(t)));
  NTSTATUS status = KeWaitForSingleObject(sem, keyed_wait_reason(), KPROCESSOR_MODE::KernelMode,
                                          alertable, timeout);
  if (status != STATUS_SUCCESS) {
    if (t.KeyedWaitChain.linked()) {
      event.WaitQueue.remove(t);  // nobody matched it: leave the queue
    } else {
      // A partner took it off the queue between the end of the wait and now, and releases the
      // semaphore: consume that wake (WRK), keeping the status of the first wait.
      KeWaitForSingleObject(sem, keyed_wait_reason(), KPROCESSOR_MODE::KernelMode, false, nullptr);
    }
  }
  KiSetWaitingOnLock(t, outer);
  return status;
}

}  // namespace

KEYED_EVENT& create_keyed_event(Kernel& k, std::string name) {
  KEYED_EVENT& e = k.create<KEYED_EVENT>(std::move(name), KOBJECTS::KeyedEventObject);
  e.lock_kind = &kKeyedEventLockKind;
  return e;
}

NTSTATUS NtReleaseKeyedEvent(KEYED_EVENT& event, std::uint64_t key, bool alertable,
                             const engine::Time* timeout) {
  // dpor: the queue, the partner thread and its semaphore, conservatively the whole kernel
  // state (sim/ke/access.hpp: the semaphore routines called below open scopes of their own).
  const KiAccessScope scope(KiWholeKernel{});
  KiSchedulingPoint();
  if (key & KEYVALUE_RELEASE) return STATUS_INVALID_PARAMETER_1;
  KTHREAD& me = *current_kernel().current_thread();
  check_not_in_use(me, "NtReleaseKeyedEvent");
  // The oldest thread waiting on this key (releasers in front never match: their low bit).
  for (KTHREAD& w : event.WaitQueue) {
    if (w.KeyedWaitValue == key) {
      event.WaitQueue.remove(w);
      return wake_partner(event, me, w);
    }
  }
  // No waiter yet: wait for one, queued in front of every waiter (WRK InsertHeadList).
  const std::uint64_t old_value = me.KeyedWaitValue;
  me.KeyedWaitValue = key | KEYVALUE_RELEASE;
  event.WaitQueue.push_front(me);
  const NTSTATUS status = sleep_until_matched(event, me, alertable, timeout);
  me.KeyedWaitValue = old_value;
  return status;
}

NTSTATUS NtWaitForKeyedEvent(KEYED_EVENT& event, std::uint64_t key, bool alertable,
                             const engine::Time* timeout) {
  // dpor: the queue, the partner thread and its semaphore, conservatively the whole kernel
  // state (sim/ke/access.hpp: the semaphore routines called below open scopes of their own).
  const KiAccessScope scope(KiWholeKernel{});
  KiSchedulingPoint();
  if (key & KEYVALUE_RELEASE) return STATUS_INVALID_PARAMETER_1;
  KTHREAD& me = *current_kernel().current_thread();
  check_not_in_use(me, "NtWaitForKeyedEvent");
  // Only the releasers at the front can match; the first waiter ends the search (WRK).
  for (KTHREAD& r : event.WaitQueue) {
    if (!keyed_is_release(r)) break;
    if (r.KeyedWaitValue == (key | KEYVALUE_RELEASE)) {
      event.WaitQueue.remove(r);
      return wake_partner(event, me, r);
    }
  }
  const std::uint64_t old_value = me.KeyedWaitValue;
  me.KeyedWaitValue = key;
  event.WaitQueue.push_back(me);
  const NTSTATUS status = sleep_until_matched(event, me, alertable, timeout);
  me.KeyedWaitValue = old_value;
  return status;
}

}  // namespace kesim::ex
