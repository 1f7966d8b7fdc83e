// sim/ex/exp.hpp — Ex-private routines (Exp*, internal to sim/ex): the simulated interlocked
// operations, the push-lock wait block and its simulated address, and the push-lock core shared
// by plain and cache-aware push locks.
//
// Interlocked operations. Every read-modify-write of a word that other CPUs can touch (the lock
// word, a wait block's Flags and ShareCount, a fast mutex's Count) is one simulated interlocked
// operation: a scheduling point (KiSchedulingPoint: other CPUs may run there) followed by the
// operation itself, which then cannot be interrupted. Plain reads are not scheduling points.
//
// Wait blocks (EX_PUSH_LOCK_WAIT_BLOCK, ReactOS ndk/extypes.h) live on the waiter's own fiber
// stack. Each has a simulated address on the thread's simulated kernel stack:
//     stack_base + 0x5000 - depth * 0x60      (depth = the thread's ex_wait_depth before push)
// and the thread keeps the host pointer in ex_wait_blocks[depth] while the block is live, so a
// pointer in a lock word decodes back to the block: thread index = (address - kStackBase) /
// kStackStride (the layout Kernel::create_thread gives stack_base), depth from the offset.
// Nesting (depth > 0) happens when an APC delivered during a push-lock wait blocks on another
// push lock. The lock word only ever holds simulated addresses.
#pragma once

#include <cstdint>
#include <type_traits>

#include "sim/ex/pushlock.hpp"
#include "sim/ke/access.hpp"
#include "sim/ke/ke.hpp"

namespace kesim::ex {

// Must match Kernel::create_thread (sim/ke/kernel.cpp); exp_decode_wait_block checks it.
inline constexpr std::uint64_t kStackBase = 0xfffff6840d330000ull;
inline constexpr std::uint64_t kStackStride = 0x8000;
inline constexpr std::uint64_t kWaitBlockTop = 0x5000;
inline constexpr std::uint64_t kWaitBlockStride = 0x60;
inline constexpr std::uint64_t kWakeObjectOffset = 0x20;  // the gate/event inside the block

// EX_PUSH_LOCK_WAIT_BLOCK Flags (ReactOS ndk/extypes.h: EX_PUSH_LOCK_FLAGS_EXCLUSIVE 0x1,
// EX_PUSH_LOCK_FLAGS_WAIT 0x2, i.e. WAIT is bit 1).
inline constexpr std::uint32_t EX_PUSH_LOCK_FLAGS_EXCLUSIVE = 0x1;
inline constexpr std::uint32_t EX_PUSH_LOCK_FLAGS_WAIT = 0x2;
inline constexpr unsigned EX_PUSH_LOCK_FLAGS_WAIT_V = 1;

struct EX_PUSH_LOCK_WAIT_BLOCK {
  // Links are simulated addresses (0 = NULL), exactly what the word's pointer bits hold.
  std::uint64_t Next = 0;      // older block
  std::uint64_t Last = 0;      // the oldest block (set on the first waiter and by optimization)
  std::uint64_t Previous = 0;  // newer block, filled by list optimization / wake
  std::int32_t ShareCount = 0; // sharers still holding when an exclusive waiter queued first
  std::uint32_t Flags = 0;
  // The wake object: a KGATE on xp/server2003, a synchronization KEVENT on win10 (S2). Only the
  // one of the running version is used.
  ke::KGATE WakeGate;
  ke::KEVENT WakeEvent;
  std::uint64_t address = 0;   // simulated
  ke::KTHREAD* thread = nullptr;
};

// The frame of a slow-path acquire: owns the wait block for the duration of the call, like the
// local `EX_PUSH_LOCK_WAIT_BLOCK Block` of ExfAcquirePushLock*, and registers it with the
// thread so its simulated address decodes back to it.
class WaitBlockFrame {
 public:
  WaitBlockFrame(ke::KTHREAD& t, const ke::KOBJECT_BASE& lock);
  ~WaitBlockFrame();
  WaitBlockFrame(const WaitBlockFrame&) = delete;
  WaitBlockFrame& operator=(const WaitBlockFrame&) = delete;
  EX_PUSH_LOCK_WAIT_BLOCK block;

 private:
  std::uint8_t depth_;
};

// The wait block at a simulated address, or a bugcheck 0x50 (the kernel would fault reading a
// corrupted word's pointer: only misuse, such as a double release without AutoBoost, gets here).
EX_PUSH_LOCK_WAIT_BLOCK& exp_decode_wait_block(std::uint64_t address);
// Non-faulting variant for the debugger views: nullptr if `address` is not a live block.
EX_PUSH_LOCK_WAIT_BLOCK* exp_find_wait_block(const ke::Kernel& k, std::uint64_t address);

// ---- simulated interlocked operations ----------------------------------------------------------
template <class T>
T exp_compare_exchange(T& target, std::type_identity_t<T> exchange,
                       std::type_identity_t<T> comparand) {
  ke::KiSchedulingPoint();
  const T old = target;
  if (old == comparand) target = exchange;
  return old;
}
template <class T>
bool exp_bit_test_and_set(T& target, unsigned bit) {
  ke::KiSchedulingPoint();
  const T mask = static_cast<T>(T{1} << bit);
  const bool was = (target & mask) != 0;
  target |= mask;
  return was;
}
template <class T>
bool exp_bit_test_and_reset(T& target, unsigned bit) {
  ke::KiSchedulingPoint();
  const T mask = static_cast<T>(T{1} << bit);
  const bool was = (target & mask) != 0;
  target &= static_cast<T>(~mask);
  return was;
}
inline std::uint64_t exp_exchange_add(std::uint64_t& target, std::uint64_t delta) {
  ke::KiSchedulingPoint();
  const std::uint64_t old = target;
  target = old + delta;  // wraps like the hardware
  return old;
}
inline void exp_and(std::uint64_t& target, std::uint64_t mask) {
  ke::KiSchedulingPoint();
  target &= mask;
}
template <class T>
T exp_add_fetch(T& target, std::type_identity_t<T> delta) {  // InterlockedIncrement/Decrement: returns the new value
  ke::KiSchedulingPoint();
  target = static_cast<T>(target + delta);
  return target;
}

// The current thread and the AutoBoost tracker (nullptr when AutoBoost is off).
struct ExpCaller {
  ke::KTHREAD& t;
  ke::LockTracker* tr;
};
inline ExpCaller exp_caller() {
  ke::Kernel& k = ke::current_kernel();
  return {*k.current_thread(), k.lock_tracker()};
}

// KeSetEventBoostPriority: like KeSignalGateBoostPriority, the released waiter runs at least at
// the signaler's priority (dynamic range only), then the event is set.
void exp_set_event_boost_priority(ke::KEVENT& event);

// ---- push-lock core (pushlock.cpp, pushlock_wake.cpp) -----------------------------------------
// The word operations alone: no AutoBoost pre/post hooks and no holder bookkeeping, which the
// callers do. `as` is the object a blocked acquirer is reported waiting on (waiting_on_lock,
// LockWait, AutoBoost's on_wait, the wake object's name): the lock itself, or the cache-aware
// aggregate for one of its slots.
void ExpAcquirePushLockExclusive(EX_PUSH_LOCK& lock, ke::KOBJECT_BASE& as);
void ExpAcquirePushLockShared(EX_PUSH_LOCK& lock, ke::KOBJECT_BASE& as);
void ExpReleasePushLockExclusive(EX_PUSH_LOCK& lock);
void ExpReleasePushLockShared(EX_PUSH_LOCK& lock);
void ExpReleasePushLock(EX_PUSH_LOCK& lock);

// ExfWakePushLock: `value` is the word this thread installed with Waking set.
void ExpWakePushLock(EX_PUSH_LOCK& lock, std::uint64_t value);
// ExpOptimizePushLockList: completes Previous/Last links, then clears Waking (or wakes).
void ExpOptimizePushLockList(EX_PUSH_LOCK& lock, std::uint64_t value);
// The oldest wait block of the chain the word points to (no links written).
EX_PUSH_LOCK_WAIT_BLOCK& ExpOldestWaitBlock(std::uint64_t value);
// Clears WAIT in the caller's queued block and sleeps on the wake object if no waker did so
// first (ExTimedWaitForUnblockPushLock / the tail of ExfAcquirePushLock*).
void ExpWaitForWake(EX_PUSH_LOCK_WAIT_BLOCK& block, ke::KOBJECT_BASE& as);
// Prepares the block's wake object for a new wait (KeInitializeGate / KeInitializeEvent).
void ExpInitializeWakeObject(EX_PUSH_LOCK_WAIT_BLOCK& block);

// Holder bookkeeping for locks the trace and observers must not see (cache-aware slots):
// kesim's owner knowledge only, for the deadlock analysis.
void exp_add_holder(ke::KOBJECT_BASE& lock, ke::KTHREAD& t);
void exp_remove_holder(ke::KOBJECT_BASE& lock, ke::KTHREAD& t);

}  // namespace kesim::ex
