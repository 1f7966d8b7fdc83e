// sim/ke/verifier.hpp — Driver Verifier's synchronization checks (bug check 0xC4,
// DRIVER_VERIFIER_DETECTED_VIOLATION), made only when the machine runs with
// `machine.verifier: true` / `--verifier` (Kernel::verifier()). Off, every routine behaves as a
// free build and these functions return at once.
//
// Subcodes and Arg2..Arg4: Microsoft, "Bug Check 0xC4: DRIVER_VERIFIER_DETECTED_VIOLATION" (the
// catalogue, sim/check/catalog/verifier_subcodes.yaml, cites it per subcode). Where the
// reference gives an address kesim shows the simulated one: a lock's or event's address is the
// one `!locks` and the reports show (KOBJECT_BASE::address).
//
// Each routine calls its check at its entry, after its scheduling point and before it changes
// any state, as Verifier's thunk runs before the kernel routine it wraps. The kernel's own
// internal IRQL changes (ExAcquireFastMutex raising to APC_LEVEL) do not go through the checks:
// Verifier sees only the calls a verified driver makes.
#pragma once

#include <cstdint>

#include "sim/ke/kernel.hpp"

namespace kesim::ke {

// The subcodes kesim raises (Arg1 of 0xC4).
namespace verifier {
inline constexpr std::uint64_t kRaiseIrqlLower = 0x30;
inline constexpr std::uint64_t kLowerIrqlHigher = 0x31;
inline constexpr std::uint64_t kReleaseSpinLockIrql = 0x32;
inline constexpr std::uint64_t kAcquireFastMutexIrql = 0x33;
inline constexpr std::uint64_t kReleaseFastMutexIrql = 0x34;
inline constexpr std::uint64_t kReleaseQueuedSpinLockIrql = 0x36;
inline constexpr std::uint64_t kAcquireResourceApcsEnabled = 0x37;
inline constexpr std::uint64_t kReleaseResourceApcsEnabled = 0x38;
inline constexpr std::uint64_t kAcquireMutexUnsafeIrql = 0x39;
inline constexpr std::uint64_t kReleaseMutexUnsafeIrql = 0x3A;
inline constexpr std::uint64_t kLeaveCriticalRegionNotEntered = 0x3E;
inline constexpr std::uint64_t kAcquireSpinLockAtDpcBelow = 0x40;
inline constexpr std::uint64_t kReleaseSpinLockFromDpcBelow = 0x41;
inline constexpr std::uint64_t kAcquireSpinLockAbove = 0x42;
inline constexpr std::uint64_t kSetEventAboveDispatch = 0x80;
inline constexpr std::uint64_t kAcquirePushLockApcsEnabled = 0xEA;
inline constexpr std::uint64_t kReleasePushLockApcsEnabled = 0xEB;
inline constexpr std::uint64_t kEnterCriticalRegionIrql = 0x11A;
inline constexpr std::uint64_t kLeaveCriticalRegionIrql = 0x11B;
}  // namespace verifier

// The thread's APC disable count as a bug check parameter: KernelApcDisable (the count
// KeEnterCriticalRegion decrements, a SHORT) sign-extended, so -1 reads 0xFFFFFFFFFFFFFFFF.
// The reference says "the thread's APC disable count" without naming the field; kesim gives
// the normal-kernel-APC count, the one a critical region changes.
std::uint64_t VfApcDisableCount(const KTHREAD& t);

// Normal kernel APCs can interrupt `t`: IRQL below APC_LEVEL and neither a critical nor a
// guarded region (CombinedApcDisable 0; ReactOS ExpCheckForApcsDisabled tests the same).
bool VfNormalKernelApcsEnabled(const KTHREAD& t);

// 0x30 KeRaiseIrql to a lower IRQL; 0x31 KeLowerIrql to a higher one (or above HIGH_LEVEL).
void VfCheckRaiseIrql(KTHREAD& t, KIRQL new_irql);
void VfCheckLowerIrql(KTHREAD& t, KIRQL new_irql);

// Spin locks: 0x32 KeReleaseSpinLock not at DISPATCH_LEVEL, 0x36 KeReleaseInStackQueuedSpinLock
// not at DISPATCH_LEVEL, 0x40/0x41 the AtDpcLevel/FromDpcLevel routines below DISPATCH_LEVEL,
// 0x42 KeAcquireSpinLock above DISPATCH_LEVEL.
void VfCheckReleaseSpinLock(KTHREAD& t, const KOBJECT_BASE& lock);
void VfCheckReleaseQueuedSpinLock(KTHREAD& t, const KOBJECT_BASE& lock, KIRQL old_irql);
void VfCheckAcquireSpinLockAtDpcLevel(KTHREAD& t, const KOBJECT_BASE& lock);
void VfCheckReleaseSpinLockFromDpcLevel(KTHREAD& t, const KOBJECT_BASE& lock);
void VfCheckAcquireSpinLock(KTHREAD& t, const KOBJECT_BASE& lock);

// Fast mutexes: 0x33 acquire above APC_LEVEL, 0x34 release not at APC_LEVEL; 0x39/0x3A the
// Unsafe acquire/release neither at APC_LEVEL nor with normal kernel APCs disabled.
void VfCheckAcquireFastMutex(KTHREAD& t, const KOBJECT_BASE& mutex);
void VfCheckReleaseFastMutex(KTHREAD& t, const KOBJECT_BASE& mutex);
void VfCheckFastMutexUnsafe(KTHREAD& t, const KOBJECT_BASE& mutex, bool release);

// ERESOURCE (0x37/0x38) and push locks (0xEA/0xEB) with normal kernel APCs enabled.
void VfCheckResourceApcs(KTHREAD& t, const KOBJECT_BASE& resource, bool release);
void VfCheckPushLockApcs(KTHREAD& t, const KOBJECT_BASE& lock, bool release);

// Critical regions: 0x11A/0x11B above APC_LEVEL, 0x3E a leave without an enter.
void VfCheckEnterCriticalRegion(KTHREAD& t);
void VfCheckLeaveCriticalRegion(KTHREAD& t);

// 0x80 KeSetEvent above DISPATCH_LEVEL.
void VfCheckSetEvent(KTHREAD& t, const KOBJECT_BASE& event);

}  // namespace kesim::ke
