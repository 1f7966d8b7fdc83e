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

void Exec::run_step(Ctx& c, const Step& s) {
  Interpreter& in = *c.interp;
  KTHREAD& t = *c.thread;
  t.current_step = &s;
  KiCountStep();  // max_steps and the stack reserve (sim/engine/limits.hpp)
  switch (s.op) {
    // ---- control
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
    case Op::log: {
      const std::string line = fmt::format("[{:>12}] {}: {}", fmt::format("{} ns", in.kernel_->engine().now()),
                                           t.name, expand(c, s.text));
      KiCountOutput(line.size());
      in.output_.push_back(line);
      in.kernel_->record(engine::TraceKind::Log, &t, nullptr, static_cast<std::int64_t>(in.output_.size() - 1));
      break;
    }
    case Op::dump:
      if (in.opt_.render_view)
        for (const View& v : s.views) {
          std::string text = in.opt_.render_view(*in.kernel_, in.program_, v, &t);
          KiCountOutput(text.size());
          in.output_.push_back(std::move(text));
        }
      break;
    case Op::assert_:
      check_assert(c, s);
      break;

    // ---- threads
    case Op::PsCreateSystemThread:
      in.start_manual(s.thread);
      KiSetLastStatus(t, STATUS_SUCCESS);
      break;
    case Op::PsTerminateSystemThread:
      PsTerminateSystemThread(STATUS_SUCCESS);
    case Op::KeDelayExecutionThread:
      KiSetLastStatus(t, KeDelayExecutionThread(to_mode(s.mode), s.alertable, *s.duration));
      break;
    case Op::KeSetPriorityThread:
      for (KTHREAD* target : in.instances_[static_cast<std::size_t>(s.thread)])
        KeSetPriorityThread(*target, static_cast<KPRIORITY>(s.number));
      KiSetLastStatus(t, STATUS_SUCCESS);
      break;

    // ---- IRQL and regions
    case Op::KeRaiseIrql: KeRaiseIrql(static_cast<KIRQL>(s.number)); break;
    case Op::KeLowerIrql: KeLowerIrql(static_cast<KIRQL>(s.number)); break;
    case Op::KeEnterCriticalRegion: KeEnterCriticalRegion(); break;
    case Op::KeLeaveCriticalRegion: KeLeaveCriticalRegion(); break;
    case Op::KeEnterGuardedRegion: KeEnterGuardedRegion(); break;
    case Op::KeLeaveGuardedRegion: KeLeaveGuardedRegion(); break;

    // ---- APCs
    case Op::KeInsertQueueApc: {
      const Routine& r = in.program_.routines[static_cast<std::size_t>(s.routine)];
      bool inserted = false;
      const auto& targets = in.instances_[static_cast<std::size_t>(s.thread)];
      for (KTHREAD* target : targets) {
        KAPC& apc = in.kernel_->allocate_apc();
        const ke::ApcKind kind = to_apc_kind(s.apc_kind);
        const bool special = kind == ke::ApcKind::Special;
        KeInitializeApc(apc, *target, kind, special ? &Exec::run_apc : nullptr,
                        special ? nullptr : &Exec::run_apc, &in);
        apc.argument = s.routine;
        apc.label = r.name.empty() ? fmt::format("<steps at line {}>", r.loc.line) : r.name;
        if (KeInsertQueueApc(apc)) inserted = true;
        else in.kernel_->free_apc(apc);
      }
      KiSetLastBoolean(t, inserted);
      break;
    }

    // ---- push locks
    case Op::ExInitializePushLock: ex::ExInitializePushLock(obj<ex::EX_PUSH_LOCK>(c, s.object)); break;
    case Op::ExAcquirePushLockExclusive: ex::ExAcquirePushLockExclusive(obj<ex::EX_PUSH_LOCK>(c, s.object)); break;
    case Op::ExAcquirePushLockShared: ex::ExAcquirePushLockShared(obj<ex::EX_PUSH_LOCK>(c, s.object)); break;
    case Op::ExReleasePushLockExclusive: ex::ExReleasePushLockExclusive(obj<ex::EX_PUSH_LOCK>(c, s.object)); break;
    case Op::ExReleasePushLockShared: ex::ExReleasePushLockShared(obj<ex::EX_PUSH_LOCK>(c, s.object)); break;
    case Op::ExReleasePushLock: ex::ExReleasePushLock(obj<ex::EX_PUSH_LOCK>(c, s.object)); break;
    case Op::ExTryConvertPushLockSharedToExclusive:
      KiSetLastBoolean(t, ex::ExTryConvertPushLockSharedToExclusive(obj<ex::EX_PUSH_LOCK>(c, s.object)));
      return;

    // ---- cache-aware push locks
    case Op::ExAcquireCacheAwarePushLockExclusive:
      ex::ExAcquireCacheAwarePushLockExclusive(obj<ex::EX_PUSH_LOCK_CACHE_AWARE>(c, s.object));
      break;
    case Op::ExReleaseCacheAwarePushLockExclusive:
      ex::ExReleaseCacheAwarePushLockExclusive(obj<ex::EX_PUSH_LOCK_CACHE_AWARE>(c, s.object));
      break;
    case Op::ExAcquireCacheAwarePushLockShared:
      c.cache_slots.emplace_back(
          s.object, ex::ExAcquireCacheAwarePushLockShared(obj<ex::EX_PUSH_LOCK_CACHE_AWARE>(c, s.object)));
      break;
    case Op::ExReleaseCacheAwarePushLockShared: {
      auto& lock = obj<ex::EX_PUSH_LOCK_CACHE_AWARE>(c, s.object);
      ex::EX_PUSH_LOCK* slot = take<ex::EX_PUSH_LOCK*>(c.cache_slots, s.object, nullptr);
      // Releasing a slot this thread never took: the slot of the current CPU, as a driver that
      // lost the returned pointer would do.
      if (!slot) slot = lock.Locks[static_cast<std::size_t>(t.cpu) % lock.Locks.size()];
      ex::ExReleaseCacheAwarePushLockShared(lock, slot);
      break;
    }

    // ---- mutexes
    case Op::KeAcquireGuardedMutex: KeAcquireGuardedMutex(obj<KGUARDED_MUTEX>(c, s.object)); break;
    case Op::KeTryToAcquireGuardedMutex:
      KiSetLastBoolean(t, KeTryToAcquireGuardedMutex(obj<KGUARDED_MUTEX>(c, s.object)));
      return;
    case Op::KeReleaseGuardedMutex: KeReleaseGuardedMutex(obj<KGUARDED_MUTEX>(c, s.object)); break;
    case Op::ExAcquireFastMutex: ex::ExAcquireFastMutex(obj<ex::FAST_MUTEX>(c, s.object)); break;
    case Op::ExTryToAcquireFastMutex:
      KiSetLastBoolean(t, ex::ExTryToAcquireFastMutex(obj<ex::FAST_MUTEX>(c, s.object)));
      return;
    case Op::ExReleaseFastMutex: ex::ExReleaseFastMutex(obj<ex::FAST_MUTEX>(c, s.object)); break;
    case Op::KeReleaseMutex: KeReleaseMutex(obj<KMUTANT>(c, s.object), s.flag); break;

    // ---- spin locks
    case Op::KeAcquireSpinLock:
      c.spin_irqls.emplace_back(s.object, KeAcquireSpinLock(obj<KSPIN_LOCK>(c, s.object)));
      break;
    case Op::KeReleaseSpinLock:
      // A release without an acquire lowers to PASSIVE_LEVEL (the OldIrql a caller would pass).
      KeReleaseSpinLock(obj<KSPIN_LOCK>(c, s.object), take<KIRQL>(c.spin_irqls, s.object, PASSIVE_LEVEL));
      break;

    // ---- dispatcher objects
    case Op::KeWaitForSingleObject: {
      DISPATCHER_HEADER* target = nullptr;
      if (s.object >= 0) {
        target = &obj<DISPATCHER_HEADER>(c, s.object);
      } else {
        const auto& inst = in.instances_[static_cast<std::size_t>(s.thread)];
        if (inst.empty()) {
          // Waiting on a thread that was never created: the wait can never be satisfied.
          KiSetLastStatus(t, STATUS_INVALID_HANDLE);
          break;
        }
        target = &inst.front()->Header;
      }
      const Time* timeout = s.duration ? &*s.duration : nullptr;
      KiSetLastStatus(t, KeWaitForSingleObject(*target, s.reason, to_mode(s.mode), s.alertable, timeout));
      return;
    }
    case Op::KeWaitForMultipleObjects: {
      std::vector<DISPATCHER_HEADER*> objs;
      for (std::size_t k = 0; k < s.objects.size(); ++k) {
        if (s.objects[k] >= 0) {
          objs.push_back(&obj<DISPATCHER_HEADER>(c, s.objects[k]));
          continue;
        }
        const auto& inst = in.instances_of(s.wait_threads[k]);
        if (inst.empty()) {
          KiSetLastStatus(t, STATUS_INVALID_HANDLE);  // a thread that was never created
          return;
        }
        objs.push_back(&inst.front()->Header);
      }
      const Time* timeout = s.duration ? &*s.duration : nullptr;
      KiSetLastStatus(t, KeWaitForMultipleObjects(objs, s.wait_type == WaitType::WaitAll ? WAIT_TYPE::WaitAll : WAIT_TYPE::WaitAny,
                                                  s.reason, to_mode(s.mode), s.alertable, timeout));
      return;
    }
    case Op::KeSetEvent: KeSetEvent(obj<KEVENT>(c, s.object), static_cast<KPRIORITY>(s.number), s.flag); break;
    case Op::KeResetEvent: KeResetEvent(obj<KEVENT>(c, s.object)); break;
    case Op::KeClearEvent: KeClearEvent(obj<KEVENT>(c, s.object)); break;
    case Op::KePulseEvent: KePulseEvent(obj<KEVENT>(c, s.object), static_cast<KPRIORITY>(s.number), s.flag); break;
    case Op::KeReleaseSemaphore:
      KeReleaseSemaphore(obj<KSEMAPHORE>(c, s.object), 0, static_cast<LONG>(s.number), s.flag);
      break;
    case Op::KeSetTimer:
      KiSetLastBoolean(t, KeSetTimer(obj<KTIMER>(c, s.object), *s.duration, s.period.value_or(0)));
      return;
    case Op::KeCancelTimer:
      KiSetLastBoolean(t, KeCancelTimer(obj<KTIMER>(c, s.object)));
      return;
    case Op::KeWaitForGate: KeWaitForGate(obj<KGATE>(c, s.object), s.reason, KPROCESSOR_MODE::KernelMode); break;
    case Op::KeSignalGateBoostPriority: KeSignalGateBoostPriority(obj<KGATE>(c, s.object)); break;

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
      KiSetLastStatus(t, in.io_->call(op, expand(c, s.text), expand(c, s.text2),
                                      static_cast<std::uint64_t>(s.number)));
      return;
    }
    case Op::count_:
      break;
  }
  // Routines without a status of their own succeed.
  if (s.op != Op::log && s.op != Op::dump && s.op != Op::assert_ && s.op != Op::work &&
      s.op != Op::repeat && s.op != Op::call && s.op != Op::KeDelayExecutionThread &&
      s.op != Op::KeInsertQueueApc)
    KiSetLastStatus(t, STATUS_SUCCESS);
}

}  // namespace kesim::scenario
