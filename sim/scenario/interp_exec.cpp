// sim/scenario/interp_exec.cpp — one scenario step = one call of the NT routine it names.
#include <fmt/format.h>

#include "sim/ex/fmutex.hpp"
#include "sim/io/io.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/scenario/interp_detail.hpp"

namespace kesim::scenario {

using namespace kesim::ke;
using Ctx = Interpreter::ThreadCtx;

namespace {
KPROCESSOR_MODE to_mode(Mode m) {
  return m == Mode::UserMode ? KPROCESSOR_MODE::UserMode : KPROCESSOR_MODE::KernelMode;
}

template <class T>
T& obj(const Ctx& c, int index) {
  return static_cast<T&>(*c.interp->object_at(index));
}

template <class V>
V take(std::vector<std::pair<int, V>>& list, int key, V fallback) {
  for (auto it = list.rbegin(); it != list.rend(); ++it)
    if (it->first == key) {
      V v = it->second;
      list.erase(std::next(it).base());
      return v;
    }
  return fallback;
}

ke::ApcKind to_apc_kind(scenario::ApcKind k) {
  switch (k) {
    case scenario::ApcKind::special: return ke::ApcKind::Special;
    case scenario::ApcKind::normal: return ke::ApcKind::Normal;
    case scenario::ApcKind::user: return ke::ApcKind::User;
  }
  return ke::ApcKind::Special;
}
}  // namespace

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

void Exec::run_step(Ctx& c, const Step& s) {
  Interpreter& in = *c.interp;
  KTHREAD& t = *c.thread;
  t.current_step = &s;
  switch (s.op) {
    // ---- control: leaves the result and the last status unchanged
    case Op::work:
      KiRunOnCpu(*s.duration);
      break;
    case Op::repeat:
      c.vars.emplace_back(&s.var, 0);
      for (std::int64_t i = 0; i < s.number; ++i) {
        c.vars.back().second = i;
        run_list(c, s.body);
        t.current_step = &s;
      }
      c.vars.pop_back();
      break;
    case Op::call:
      run_list(c, in.program_.routines[static_cast<std::size_t>(s.routine)].steps);
      break;
    case Op::log:
      in.machine_.print(&t, fmt::format("[{:>12}] {}: {}", fmt::format("{} ns", in.kernel().engine().now()),
                                        t.name, expand(c, s.text)));
      break;
    case Op::dump:
      for (const View& v : s.views) in.machine_.print(&t, in.machine_.view(v, &t));
      break;
    case Op::assert_:
      check_assert(c, s);
      break;
    case Op::if_:
      // Reading a word in a condition is a plain load: a scheduling point first.
      if (s.cond->source == CondSource::variable) KiSchedulingPoint();
      run_list(c, test(c, *s.cond, &s) ? s.body : s.else_steps);
      t.current_step = &s;
      break;
    case Op::while_:
      for (;;) {
        t.current_step = &s;
        if (s.cond->source == CondSource::variable) KiSchedulingPoint();
        if (!test(c, *s.cond, &s)) break;
        run_list(c, s.body);
        if (s.body.empty()) pause();  // an empty body spins on the CPU like YieldProcessor
      }
      break;
    default:
      set_result(c, s, run_routine(c, s));
      break;
  }
  if (!in.program_.invariants.empty()) check_invariants(c, s);
}

std::int64_t Exec::run_routine(Ctx& c, const Step& s) {
  Interpreter& in = *c.interp;
  KTHREAD& t = *c.thread;
  // Each case returns the routine's return value (0 for a VOID routine) and leaves the last
  // status (an NTSTATUS, or the BOOLEAN of a BOOLEAN routine) in the KTHREAD.
  auto status = [&](NTSTATUS st) { KiSetLastStatus(t, st); return static_cast<std::int64_t>(st); };
  auto boolean = [&](bool b) { KiSetLastBoolean(t, b); return std::int64_t{b ? 1 : 0}; };
  auto done = [&](std::int64_t v) { KiSetLastStatus(t, STATUS_SUCCESS); return v; };
  switch (s.op) {
    // ---- threads
    case Op::PsCreateSystemThread:
      in.start_manual(s.thread);
      return status(STATUS_SUCCESS);
    case Op::PsTerminateSystemThread:
      PsTerminateSystemThread(STATUS_SUCCESS);
    case Op::KeDelayExecutionThread:
      return status(KeDelayExecutionThread(to_mode(s.mode), s.alertable, *s.duration));
    case Op::KeSetPriorityThread: {
      KPRIORITY old = 0;
      for (KTHREAD* target : in.instances_[static_cast<std::size_t>(s.thread)])
        old = KeSetPriorityThread(*target, static_cast<KPRIORITY>(s.number));
      return done(old);
    }

    // ---- IRQL and regions
    case Op::KeRaiseIrql: return done(KeRaiseIrql(static_cast<KIRQL>(s.number)));
    case Op::KeLowerIrql: KeLowerIrql(static_cast<KIRQL>(s.number)); return done(0);
    case Op::KeEnterCriticalRegion: KeEnterCriticalRegion(); return done(0);
    case Op::KeLeaveCriticalRegion: KeLeaveCriticalRegion(); return done(0);
    case Op::KeEnterGuardedRegion: KeEnterGuardedRegion(); return done(0);
    case Op::KeLeaveGuardedRegion: KeLeaveGuardedRegion(); return done(0);

    // ---- APCs
    case Op::KeInsertQueueApc: {
      const Routine& r = in.program_.routines[static_cast<std::size_t>(s.routine)];
      bool inserted = false;
      const auto& targets = in.instances_[static_cast<std::size_t>(s.thread)];
      for (KTHREAD* target : targets) {
        KAPC& apc = in.kernel().allocate_apc();
        const ke::ApcKind kind = to_apc_kind(s.apc_kind);
        const bool special = kind == ke::ApcKind::Special;
        KeInitializeApc(apc, *target, kind, special ? &Exec::run_apc : nullptr,
                        special ? nullptr : &Exec::run_apc, &in);
        apc.argument = s.routine;
        apc.label = r.name.empty() ? fmt::format("<steps at line {}>", r.loc.line) : r.name;
        if (KeInsertQueueApc(apc)) inserted = true;
        else in.kernel().free_apc(apc);
      }
      return boolean(inserted);
    }

    // ---- push locks
    case Op::ExInitializePushLock: ex::ExInitializePushLock(obj<ex::EX_PUSH_LOCK>(c, s.object)); return done(0);
    case Op::ExAcquirePushLockExclusive: ex::ExAcquirePushLockExclusive(obj<ex::EX_PUSH_LOCK>(c, s.object)); return done(0);
    case Op::ExAcquirePushLockShared: ex::ExAcquirePushLockShared(obj<ex::EX_PUSH_LOCK>(c, s.object)); return done(0);
    case Op::ExReleasePushLockExclusive: ex::ExReleasePushLockExclusive(obj<ex::EX_PUSH_LOCK>(c, s.object)); return done(0);
    case Op::ExReleasePushLockShared: ex::ExReleasePushLockShared(obj<ex::EX_PUSH_LOCK>(c, s.object)); return done(0);
    case Op::ExReleasePushLock: ex::ExReleasePushLock(obj<ex::EX_PUSH_LOCK>(c, s.object)); return done(0);
    case Op::ExTryConvertPushLockSharedToExclusive:
      return boolean(ex::ExTryConvertPushLockSharedToExclusive(obj<ex::EX_PUSH_LOCK>(c, s.object)));

    // ---- cache-aware push locks
    case Op::ExAcquireCacheAwarePushLockExclusive:
      ex::ExAcquireCacheAwarePushLockExclusive(obj<ex::EX_PUSH_LOCK_CACHE_AWARE>(c, s.object));
      return done(0);
    case Op::ExReleaseCacheAwarePushLockExclusive:
      ex::ExReleaseCacheAwarePushLockExclusive(obj<ex::EX_PUSH_LOCK_CACHE_AWARE>(c, s.object));
      return done(0);
    case Op::ExAcquireCacheAwarePushLockShared:
      c.cache_slots.emplace_back(
          s.object, ex::ExAcquireCacheAwarePushLockShared(obj<ex::EX_PUSH_LOCK_CACHE_AWARE>(c, s.object)));
      return done(0);
    case Op::ExReleaseCacheAwarePushLockShared: {
      auto& lock = obj<ex::EX_PUSH_LOCK_CACHE_AWARE>(c, s.object);
      ex::EX_PUSH_LOCK* slot = take<ex::EX_PUSH_LOCK*>(c.cache_slots, s.object, nullptr);
      // Releasing a slot this thread never took: the slot of the current CPU, as a driver that
      // lost the returned pointer would do.
      if (!slot) slot = lock.Locks[static_cast<std::size_t>(t.cpu) % lock.Locks.size()];
      ex::ExReleaseCacheAwarePushLockShared(lock, slot);
      return done(0);
    }

    // ---- mutexes
    case Op::KeAcquireGuardedMutex: KeAcquireGuardedMutex(obj<KGUARDED_MUTEX>(c, s.object)); return done(0);
    case Op::KeTryToAcquireGuardedMutex:
      return boolean(KeTryToAcquireGuardedMutex(obj<KGUARDED_MUTEX>(c, s.object)));
    case Op::KeReleaseGuardedMutex: KeReleaseGuardedMutex(obj<KGUARDED_MUTEX>(c, s.object)); return done(0);
    case Op::ExAcquireFastMutex: ex::ExAcquireFastMutex(obj<ex::FAST_MUTEX>(c, s.object)); return done(0);
    case Op::ExTryToAcquireFastMutex:
      return boolean(ex::ExTryToAcquireFastMutex(obj<ex::FAST_MUTEX>(c, s.object)));
    case Op::ExReleaseFastMutex: ex::ExReleaseFastMutex(obj<ex::FAST_MUTEX>(c, s.object)); return done(0);
    case Op::KeReleaseMutex: return done(KeReleaseMutex(obj<KMUTANT>(c, s.object), s.flag));

    // ---- spin locks
    case Op::KeAcquireSpinLock: {
      const KIRQL old = KeAcquireSpinLock(obj<KSPIN_LOCK>(c, s.object));
      c.spin_irqls.emplace_back(s.object, old);
      return done(old);
    }
    case Op::KeReleaseSpinLock:
      // A release without an acquire lowers to PASSIVE_LEVEL (the OldIrql a caller would pass).
      KeReleaseSpinLock(obj<KSPIN_LOCK>(c, s.object), take<KIRQL>(c.spin_irqls, s.object, PASSIVE_LEVEL));
      return done(0);

    // ---- dispatcher objects
    case Op::KeWaitForSingleObject: {
      DISPATCHER_HEADER* target = nullptr;
      if (s.object >= 0) {
        target = &obj<DISPATCHER_HEADER>(c, s.object);
      } else {
        const auto& inst = in.instances_[static_cast<std::size_t>(s.thread)];
        // Waiting on a thread that was never created: the wait can never be satisfied.
        if (inst.empty()) return status(STATUS_INVALID_HANDLE);
        target = &inst.front()->Header;
      }
      const Time* timeout = s.duration ? &*s.duration : nullptr;
      return status(KeWaitForSingleObject(*target, s.reason, to_mode(s.mode), s.alertable, timeout));
    }
    case Op::KeWaitForMultipleObjects: {
      std::vector<DISPATCHER_HEADER*> objs;
      for (std::size_t k = 0; k < s.objects.size(); ++k) {
        if (s.objects[k] >= 0) {
          objs.push_back(&obj<DISPATCHER_HEADER>(c, s.objects[k]));
          continue;
        }
        const auto& inst = in.instances_of(s.wait_threads[k]);
        if (inst.empty()) return status(STATUS_INVALID_HANDLE);  // a thread never created
        objs.push_back(&inst.front()->Header);
      }
      const Time* timeout = s.duration ? &*s.duration : nullptr;
      return status(KeWaitForMultipleObjects(objs, s.wait_type == WaitType::WaitAll ? WAIT_TYPE::WaitAll : WAIT_TYPE::WaitAny,
                                             s.reason, to_mode(s.mode), s.alertable, timeout));
    }
    case Op::KeSetEvent: return done(KeSetEvent(obj<KEVENT>(c, s.object), static_cast<KPRIORITY>(s.number), s.flag));
    case Op::KeResetEvent: return done(KeResetEvent(obj<KEVENT>(c, s.object)));
    case Op::KeClearEvent: KeClearEvent(obj<KEVENT>(c, s.object)); return done(0);
    case Op::KePulseEvent: return done(KePulseEvent(obj<KEVENT>(c, s.object), static_cast<KPRIORITY>(s.number), s.flag));
    case Op::KeReleaseSemaphore:
      return done(KeReleaseSemaphore(obj<KSEMAPHORE>(c, s.object), 0, static_cast<LONG>(s.number), s.flag));
    case Op::KeSetTimer:
      return boolean(KeSetTimer(obj<KTIMER>(c, s.object), *s.duration, s.period.value_or(0)));
    case Op::KeCancelTimer: return boolean(KeCancelTimer(obj<KTIMER>(c, s.object)));
    case Op::KeWaitForGate:
      KeWaitForGate(obj<KGATE>(c, s.object), s.reason, KPROCESSOR_MODE::KernelMode);
      return done(0);
    case Op::KeSignalGateBoostPriority: KeSignalGateBoostPriority(obj<KGATE>(c, s.object)); return done(0);

    // ---- synchronous I/O
    case Op::ZwCreateFile:
    case Op::ZwWriteFile:
    case Op::ZwOpenFile:
    case Op::ZwSetInformationFile:
    case Op::ZwClose: {
      const io::IoOp op = s.op == Op::ZwCreateFile ? io::IoOp::Create
                          : s.op == Op::ZwWriteFile ? io::IoOp::Write
                          : s.op == Op::ZwOpenFile ? io::IoOp::Open
                          : s.op == Op::ZwSetInformationFile ? io::IoOp::Rename
                                                             : io::IoOp::Close;
      return status(in.machine_.io().call(op, expand(c, s.text), expand(c, s.text2),
                                          static_cast<std::uint64_t>(s.number)));
    }
    default:
      return run_word_op(c, s);  // interp_words.cpp
  }
}

}  // namespace kesim::scenario
