// sim/ke/verifier.cpp — Driver Verifier's synchronization checks (see verifier.hpp). Each check
// is a bool test when Verifier is off, so the routines' hot paths do not change.
//
// Source for every subcode, its condition and Arg2..Arg4: Microsoft, "Bug Check 0xC4:
// DRIVER_VERIFIER_DETECTED_VIOLATION" (learn.microsoft.com/windows-hardware/drivers/debugger/
// bug-check-0xc4--driver-verifier-detected-violation). Where its one-line cause leaves a choice,
// the choice is said at the check.
#include "sim/ke/verifier.hpp"

#include <string>

#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"

namespace kesim::ke {

namespace {

[[noreturn]] void violation(std::uint64_t subcode, std::uint64_t a2, std::uint64_t a3,
                            std::uint64_t a4, std::string what) {
  KeBugCheckEx(bugcheck::DRIVER_VERIFIER_DETECTED_VIOLATION, subcode, a2, a3, a4,
               "Driver Verifier: " + what);
}

bool on() { return current_kernel().verifier(); }

std::string at(const KTHREAD& t) { return std::string(" at ") + irql_name(t.Irql); }

}  // namespace

std::uint64_t VfApcDisableCount(const KTHREAD& t) {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(t.KernelApcDisable));
}

bool VfNormalKernelApcsEnabled(const KTHREAD& t) {
  return t.Irql < APC_LEVEL && KiCombinedApcDisable(t) == 0;
}

// ---- IRQL ----------------------------------------------------------------------------------

void VfCheckRaiseIrql(KTHREAD& t, KIRQL new_irql) {
  // "a value lower than the current IRQL, or a value higher than HIGH_LEVEL". Arg4 is 0.
  if (!on() || (new_irql >= t.Irql && new_irql <= HIGH_LEVEL)) return;
  violation(verifier::kRaiseIrqlLower, t.Irql, new_irql, 0,
            "KeRaiseIrql(" + std::to_string(new_irql) + ")" + at(t));
}

void VfCheckLowerIrql(KTHREAD& t, KIRQL new_irql) {
  // Arg4: 0 "new IRQL is bad", 1 "invalid inside a DPC routine". kesim runs no DPC routines
  // (threads only), so Arg4 is always 0.
  if (!on() || (new_irql <= t.Irql && new_irql <= HIGH_LEVEL)) return;
  violation(verifier::kLowerIrqlHigher, t.Irql, new_irql, 0,
            "KeLowerIrql(" + std::to_string(new_irql) + ")" + at(t));
}

// ---- spin locks ----------------------------------------------------------------------------

void VfCheckReleaseSpinLock(KTHREAD& t, const KOBJECT_BASE& lock) {
  if (!on() || t.Irql == DISPATCH_LEVEL) return;
  violation(verifier::kReleaseSpinLockIrql, t.Irql, lock.address, 0,
            "KeReleaseSpinLock(" + lock.name + ")" + at(t));
}

// The reference's 0x36 is a *queued* spin lock released by the kernel with IRQL not
// DISPATCH_LEVEL, Arg3 "spin lock number" and Arg4 the old IRQL. Numbered queued locks
// (KSPIN_LOCK_QUEUE_NUMBER, KeReleaseQueuedSpinLock) are reserved for the system and kesim has
// none; the queued spin lock a driver releases is the in-stack one, whose handle keeps the old
// IRQL. kesim raises 0x36 for KeReleaseInStackQueuedSpinLock with Arg3 = the lock's address
// (it has no number) and Arg4 = the old IRQL from the handle.
void VfCheckReleaseQueuedSpinLock(KTHREAD& t, const KOBJECT_BASE& lock, KIRQL old_irql) {
  if (!on() || t.Irql == DISPATCH_LEVEL) return;
  violation(verifier::kReleaseQueuedSpinLockIrql, t.Irql, lock.address, old_irql,
            "KeReleaseInStackQueuedSpinLock(" + lock.name + ")" + at(t));
}

void VfCheckAcquireSpinLockAtDpcLevel(KTHREAD& t, const KOBJECT_BASE& lock) {
  if (!on() || t.Irql >= DISPATCH_LEVEL) return;
  violation(verifier::kAcquireSpinLockAtDpcBelow, t.Irql, lock.address, 0,
            "KeAcquireSpinLockAtDpcLevel(" + lock.name + ")" + at(t));
}

void VfCheckReleaseSpinLockFromDpcLevel(KTHREAD& t, const KOBJECT_BASE& lock) {
  if (!on() || t.Irql >= DISPATCH_LEVEL) return;
  violation(verifier::kReleaseSpinLockFromDpcBelow, t.Irql, lock.address, 0,
            "KeReleaseSpinLockFromDpcLevel(" + lock.name + ")" + at(t));
}

void VfCheckAcquireSpinLock(KTHREAD& t, const KOBJECT_BASE& lock) {
  if (!on() || t.Irql <= DISPATCH_LEVEL) return;
  violation(verifier::kAcquireSpinLockAbove, t.Irql, lock.address, 0,
            "KeAcquireSpinLock(" + lock.name + ")" + at(t));
}

// ---- fast mutexes --------------------------------------------------------------------------

void VfCheckAcquireFastMutex(KTHREAD& t, const KOBJECT_BASE& mutex) {
  if (!on() || t.Irql <= APC_LEVEL) return;
  violation(verifier::kAcquireFastMutexIrql, t.Irql, mutex.address, 0,
            "ExAcquireFastMutex(" + mutex.name + ")" + at(t));
}

void VfCheckReleaseFastMutex(KTHREAD& t, const KOBJECT_BASE& mutex) {
  // ExAcquireFastMutex leaves the owner at APC_LEVEL; a release at any other IRQL means the
  // owner changed IRQL inside, or the mutex was taken with the Unsafe routine.
  if (!on() || t.Irql == APC_LEVEL) return;
  violation(verifier::kReleaseFastMutexIrql, t.Irql, mutex.address, 0,
            "ExReleaseFastMutex(" + mutex.name + ")" + at(t));
}

// The reference's 0x39/0x3A: "IRQL not equal to APC_LEVEL on entry", with the thread's APC
// disable count as Arg3. ExAcquireFastMutexUnsafe's own page lets the caller be at APC_LEVEL *or*
// inside a critical region, so kesim reports the call only when neither holds: above
// APC_LEVEL, or below it with normal kernel APCs enabled. (Reading the one-line cause literally
// would stop every correct critical-region caller at PASSIVE_LEVEL.)
void VfCheckFastMutexUnsafe(KTHREAD& t, const KOBJECT_BASE& mutex, bool release) {
  if (!on() || t.Irql == APC_LEVEL) return;
  if (t.Irql < APC_LEVEL && !VfNormalKernelApcsEnabled(t)) return;
  violation(release ? verifier::kReleaseMutexUnsafeIrql : verifier::kAcquireMutexUnsafeIrql,
            t.Irql, VfApcDisableCount(t), mutex.address,
            std::string(release ? "ExReleaseFastMutexUnsafe(" : "ExAcquireFastMutexUnsafe(") +
                mutex.name + ")" + at(t) + " outside a critical region");
}

// ---- ERESOURCE and push locks --------------------------------------------------------------

void VfCheckResourceApcs(KTHREAD& t, const KOBJECT_BASE& resource, bool release) {
  // ReactOS ExpCheckForApcsDisabled (DBG builds) skips system threads; the reference names no
  // such exception, and every kesim thread is a system thread, so kesim checks them all.
  if (!on() || !VfNormalKernelApcsEnabled(t)) return;
  violation(release ? verifier::kReleaseResourceApcsEnabled : verifier::kAcquireResourceApcsEnabled,
            t.Irql, VfApcDisableCount(t), resource.address,
            std::string(release ? "ExReleaseResourceLite(" : "acquiring resource ") +
                resource.name + (release ? ")" : "") + " with normal kernel APCs enabled");
}

void VfCheckPushLockApcs(KTHREAD& t, const KOBJECT_BASE& lock, bool release) {
  // Seed 001's rule: a push lock is used inside a critical region (or at APC_LEVEL), else a
  // normal kernel APC that takes the same lock can run on top of its owner.
  if (!on() || !VfNormalKernelApcsEnabled(t)) return;
  violation(release ? verifier::kReleasePushLockApcsEnabled : verifier::kAcquirePushLockApcsEnabled,
            t.Irql, VfApcDisableCount(t), lock.address,
            std::string(release ? "releasing" : "acquiring") + " push lock " + lock.name +
                " with normal kernel APCs enabled");
}

// ---- critical regions and events -----------------------------------------------------------

void VfCheckEnterCriticalRegion(KTHREAD& t) {
  if (!on() || t.Irql <= APC_LEVEL) return;
  violation(verifier::kEnterCriticalRegionIrql, t.Irql, 0, 0, "KeEnterCriticalRegion" + at(t));
}

void VfCheckLeaveCriticalRegion(KTHREAD& t) {
  if (!on()) return;
  if (t.Irql > APC_LEVEL)
    violation(verifier::kLeaveCriticalRegionIrql, t.Irql, 0, 0, "KeLeaveCriticalRegion" + at(t));
  // Not in a critical region: KernelApcDisable is not negative (a region entered makes it -1).
  if (t.KernelApcDisable >= 0)
    violation(verifier::kLeaveCriticalRegionNotEntered, 0, 0, 0,
              "KeLeaveCriticalRegion outside a critical region");
}

void VfCheckSetEvent(KTHREAD& t, const KOBJECT_BASE& event) {
  if (!on() || t.Irql <= DISPATCH_LEVEL) return;
  violation(verifier::kSetEventAboveDispatch, t.Irql, event.address, 0,
            "KeSetEvent(" + event.name + ")" + at(t));
}

}  // namespace kesim::ke
