// sim/scenario/interp_exec.cpp — one scenario step = one call of the NT routine it names:
// an indirect call through the step's row (routine.hpp), then the row's result rule.
#include <algorithm>

#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/scenario/interp_detail.hpp"
#include "sim/scenario/routine.hpp"

namespace kesim::scenario {

using namespace kesim::ke;
using Ctx = ThreadCtx;

std::string Exec::expand(const Ctx& c, const Text& t) {
  if (!t.has_vars) return t.raw;
  std::string out;
  std::size_t i = 0;
  while (i < t.raw.size()) {
    if (t.raw.compare(i, 2, "${") == 0) {
      const std::size_t end = t.raw.find('}', i);
      const std::string name = t.raw.substr(i + 2, end - i - 2);
      std::int64_t value = 0;
      bool found = false;
      for (auto it = c.vars.rbegin(); it != c.vars.rend() && !found; ++it)
        if (*it->first == name) {
          value = it->second;
          found = true;
        }
      if (!found && name == "index") value = c.instance;
      out += std::to_string(value);
      i = end + 1;
    } else {
      out += t.raw[i++];
    }
  }
  return out;
}

void Exec::run_list(Ctx& c, const std::vector<Step>& steps) {
  if (steps.empty()) KiCountStep();  // a loop over an empty body is bounded too
  for (const Step& s : steps) run_step(c, s);
}

void Exec::run_apc(KAPC& apc) {
  auto& interp = *static_cast<Interpreter*>(apc.context);
  KTHREAD& t = *KeGetCurrentThread();
  auto& c = *static_cast<Ctx*>(t.body_context);
  const void* interrupted = t.current_step;
  const std::size_t vars = c.vars.size();
  run_list(c, interp.program_.routines[static_cast<std::size_t>(apc.argument)].steps);
  c.vars.resize(vars);
  t.current_step = interrupted;
}

namespace {
// Steps that read no kernel state of their own: control flow, `work` (its time is recorded by
// the engine), `log`, and the word operations (recorded as word accesses). Every other step
// may read kernel state without a scheduling point (a routine that returns at once): for dpor's
// partial-order reduction it reads the whole kernel state — unless it is one of the steps below.
bool reads_no_kernel_state(Op op) {
  return op == Op::work || op == Op::repeat || op == Op::call || op == Op::log || op == Op::if_ ||
         op == Op::while_ || (op >= Op::InterlockedCompareExchange && op <= Op::YieldProcessor);
}

// Steps whose kernel routine reports exactly what it touches (a KiAccessScope naming its
// objects, sim/ke/access.hpp), and whose row does nothing kernel-side besides calling it: no
// whole-kernel read for them, or two operations on different objects would always depend.
bool reports_own_accesses(Op op) {
  switch (op) {
    case Op::KeWaitForSingleObject: case Op::KeWaitForMultipleObjects:
    case Op::KeSetEvent: case Op::KeResetEvent: case Op::KeClearEvent: case Op::KePulseEvent:
    case Op::KeReleaseSemaphore: case Op::KeSetTimer: case Op::KeCancelTimer:
    case Op::KeWaitForGate: case Op::KeSignalGateBoostPriority:
    case Op::KeReleaseMutex: case Op::KeReleaseMutant:
    case Op::ExInitializePushLock: case Op::ExAcquirePushLockExclusive: case Op::ExAcquirePushLockShared:
    case Op::ExReleasePushLockExclusive: case Op::ExReleasePushLockShared: case Op::ExReleasePushLock:
    case Op::ExTryConvertPushLockSharedToExclusive:
    case Op::ExAcquireCacheAwarePushLockExclusive: case Op::ExReleaseCacheAwarePushLockExclusive:
    case Op::ExAcquireCacheAwarePushLockShared: case Op::ExReleaseCacheAwarePushLockShared:
    case Op::KeAcquireGuardedMutex: case Op::KeTryToAcquireGuardedMutex: case Op::KeReleaseGuardedMutex:
    case Op::KeAcquireGuardedMutexUnsafe: case Op::KeReleaseGuardedMutexUnsafe:
    case Op::ExAcquireFastMutex: case Op::ExTryToAcquireFastMutex: case Op::ExReleaseFastMutex:
    case Op::ExAcquireFastMutexUnsafe: case Op::ExReleaseFastMutexUnsafe:
    case Op::ExEnterCriticalRegionAndAcquireFastMutexUnsafe:
    case Op::ExReleaseFastMutexUnsafeAndLeaveCriticalRegion:
    case Op::KeAcquireSpinLock: case Op::KeReleaseSpinLock: case Op::KeAcquireSpinLockAtDpcLevel:
    case Op::KeReleaseSpinLockFromDpcLevel: case Op::KeTryToAcquireSpinLockAtDpcLevel:
    case Op::KeTestSpinLock: case Op::KeAcquireInStackQueuedSpinLock: case Op::KeReleaseInStackQueuedSpinLock:
    case Op::ExInitializeResourceLite: case Op::ExDeleteResourceLite:
    case Op::ExAcquireResourceExclusiveLite: case Op::ExTryToAcquireResourceExclusiveLite:
    case Op::ExAcquireResourceSharedLite: case Op::ExAcquireSharedStarveExclusive:
    case Op::ExAcquireSharedWaitForExclusive: case Op::ExConvertExclusiveToSharedLite:
    case Op::ExReleaseResourceLite: case Op::ExIsResourceAcquiredExclusiveLite:
    case Op::ExIsResourceAcquiredSharedLite: case Op::ExGetExclusiveWaiterCount: case Op::ExGetSharedWaiterCount:
    case Op::KeDelayExecutionThread: case Op::KeRaiseIrql: case Op::KeRaiseIrqlToDpcLevel: case Op::KeLowerIrql:
    case Op::KeEnterCriticalRegion: case Op::KeLeaveCriticalRegion:
    case Op::KeEnterGuardedRegion: case Op::KeLeaveGuardedRegion:
    case Op::assert_:  // reports every word and object read (routines_control.cpp)
      return true;
    default:
      return false;
  }
}

// For dpor: what a step reads before its routine runs. A `dump` shows every thread's state: it
// depends on every transition (all task bits); other steps outside the lists above read the
// whole kernel state.
// A wait on a thread first looks the thread up among the instances created so far: whether it
// exists depends on every PsCreateSystemThread, so such a step reads the whole kernel state.
bool waits_on_a_thread(const Step& s) {
  if (s.op == Op::KeWaitForSingleObject) return s.object < 0;
  if (s.op == Op::KeWaitForMultipleObjects)
    return std::any_of(s.objects.begin(), s.objects.end(), [](int o) { return o < 0; });
  return false;
}

void note_step_reads(Ctx& c, const Step& s) {
  engine::Engine& e = *c.thread->engine;
  if (!e.recording_accesses() || reads_no_kernel_state(s.op)) return;
  if (reports_own_accesses(s.op) && !waits_on_a_thread(s)) return;
  e.note_access(engine::kAccessGlobal, false);
  if (s.op == Op::dump)
    for (engine::Task* t : e.tasks()) e.note_task(*t);
}
}  // namespace

void Exec::run_step(Ctx& c, const Step& s) {
  KTHREAD& t = *c.thread;
  t.current_step = &s;
  KiCountStep();  // max_steps and the stack reserve (sim/engine/limits.hpp)
  note_step_reads(c, s);
  const RoutineDescriptor& d = descriptor(s.op);
  const std::int64_t value = d.exec(c, s);
  switch (d.result) {
    case Result::control:
      break;
    case Result::ntstatus:
      KiSetLastStatus(t, static_cast<NTSTATUS>(value));
      set_result(c, s, value);
      break;
    case Result::boolean:
      KiSetLastBoolean(t, value != 0);
      set_result(c, s, value);
      break;
    case Result::value:
    case Result::none:
      KiSetLastStatus(t, STATUS_SUCCESS);
      set_result(c, s, value);
      break;
  }
  if (!c.interp->program_.invariants.empty()) check_invariants(c, s);
}

}  // namespace kesim::scenario
