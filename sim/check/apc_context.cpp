// sim/check/apc_context.cpp — the apc_context finding (apc_context.hpp).
//
// The hazard (seed S1): an APC interrupts a thread and runs on it; if its routine acquires a
// lock the interrupted code holds, the thread waits for itself. Whether an APC can be
// delivered while the lock is held depends on the holder's state right after the acquire
// (after the acquiring routine's own disabling), as Microsoft's "Disabling APCs" and
// "Critical Regions and Guarded Regions" pages give it and ReactOS ke/apc.c (KiDeliverApc)
// implements it:
//   - special kernel APCs: delivered at IRQL < APC_LEVEL outside a guarded region
//     (SpecialApcDisable == 0);
//   - normal kernel APCs: the same, and outside a critical region (KernelApcDisable == 0) and
//     not while another normal kernel APC is in progress (KernelApcInProgress).
// So a guarded mutex (it enters a guarded region first) and a fast mutex (it raises to
// APC_LEVEL) are held with every kernel APC masked and are never exposed; a KMUTEX enters a
// critical region when acquired, so it is exposed to special kernel APCs only; a push lock or
// ERESOURCE taken outside a critical region is exposed to both kinds; the unsafe fast/guarded
// mutex acquires expose what the caller left enabled.
// A KMUTEX is recursive, so the APC would not wait but enter the section the interrupted code
// is in the middle of; the message says so. Lock kinds: push locks, guarded and fast mutexes,
// ERESOURCE and KMUTEX (spin locks raise to DISPATCH_LEVEL: never exposed).
#include "sim/check/apc_context.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/ke/ke.hpp"

namespace kesim::check {

using namespace kesim::ke;

namespace {

bool watched(const KOBJECT_BASE& lock) {
  switch (lock.type) {
    case KOBJECTS::PushLockObject:
    case KOBJECTS::CacheAwarePushLockObject:
    case KOBJECTS::GuardedMutexObject:
    case KOBJECTS::FastMutexObject:
    case KOBJECTS::ResourceObject:
    case KOBJECTS::MutantObject:
      return true;
    default:
      return false;
  }
}

// The kernel APC whose routine the thread is running (innermost), if any.
const KAPC* running_apc(const KTHREAD& t) {
  if (t.apc_depth == 0) return nullptr;
  const std::uint32_t kept = std::min<std::uint32_t>(t.frame_count, kStepFrames);
  for (std::uint32_t i = kept; i-- > 0;)
    if (const KAPC* apc = t.frames[i].apc) return apc->kind == ApcKind::User ? nullptr : apc;
  return nullptr;
}

const char* kind_name(std::size_t kind) { return kind == 0 ? "special kernel" : "normal kernel"; }

}  // namespace

void ApcContext::on_acquire(KTHREAD& t, KOBJECT_BASE& lock, bool, const void* step) {
  note(t, lock, step, true);
}

void ApcContext::on_acquire_attempt(KTHREAD& t, KOBJECT_BASE& lock, const void* step) {
  note(t, lock, step, false);
}

// `held`: the thread holds the lock now, in the state it will keep while holding it (an
// attempt only says where the APC routine tried).
void ApcContext::note(KTHREAD& t, KOBJECT_BASE& lock, const void* step, bool held) {
  if (lock.index < 0 || !watched(lock)) return;
  if (locks_.size() <= static_cast<std::size_t>(lock.index)) locks_.resize(static_cast<std::size_t>(lock.index) + 1);
  PerLock& p = locks_[static_cast<std::size_t>(lock.index)];
  const bool special_on = t.Irql < APC_LEVEL && t.SpecialApcDisable == 0;
  const bool normal_on = special_on && t.KernelApcDisable == 0 && !t.ApcState.KernelApcInProgress;
  const std::array<bool, kKinds> exposed{held && special_on, held && normal_on};
  std::array<bool, kKinds> inside{};
  if (const KAPC* apc = running_apc(t)) inside[apc->kind == ApcKind::Special ? kSpecial : kNormal] = true;
  for (std::size_t k = 0; k < kKinds; ++k) {
    if (inside[k] && p.inside[k].thread.empty()) p.inside[k] = {t.name, step};
    if (exposed[k] && p.exposed[k].thread.empty()) p.exposed[k] = {t.name, step};
    if (!p.reported[k] && !p.inside[k].thread.empty() && !p.exposed[k].thread.empty()) {
      p.reported[k] = true;
      report(lock, k, p);
    }
  }
}

void ApcContext::report(const KOBJECT_BASE& lock, std::size_t kind, const PerLock& p) {
  const Witness& in = p.inside[kind];
  const Witness& ex = p.exposed[kind];
  const std::string enabled = kind == kSpecial
                                  ? "special kernel APCs enabled (IRQL below APC_LEVEL, no guarded region)"
                                  : "normal kernel APCs enabled (no critical or guarded region, IRQL below "
                                    "APC_LEVEL)";
  const std::string why = lock.type == KOBJECTS::MutantObject
                              ? "the APC can run on the holder and, the mutex being recursive, enter "
                                "the section the interrupted code is in the middle of"
                              : "the APC can run on the holder and wait for the lock the interrupted "
                                "code holds: a re-entrancy deadlock";
  findings_.push_back(
      {"apc_context",
       fmt::format("{} takes {} inside a {} APC ({}), and {} holds it with {} ({}): {}", in.thread,
                   lock.name, kind_name(kind), namer_(in.step, context_), ex.thread, enabled,
                   namer_(ex.step, context_), why)});
}

}  // namespace kesim::check
