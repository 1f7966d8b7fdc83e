// sim/ex/pushlock.hpp — EX_PUSH_LOCK bit for bit (SEMANTICS.md §7) and cache-aware push locks
// (§8). The word is a simulated pointer-sized value whose every interlocked operation is a
// scheduling point; wait blocks live on the waiter's own (simulated) stack, newest first, and
// the word's upper bits hold the newest block's simulated address while Waiting is set.
// Sources: ReactOS ntoskrnl/ex/pushlock.c, include/internal/ex.h, ndk/extypes.h; kmtest
// ntos_ex/ExPushLock.c (word values and wake orders); S0–S2.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kesim/nt/ex.hpp"
#include "sim/ke/kernel.hpp"

namespace kesim::ex {

using ke::KOBJECT_BASE;
using ke::KTHREAD;

inline constexpr std::uint64_t EX_PUSH_LOCK_LOCK = 0x1;
inline constexpr std::uint64_t EX_PUSH_LOCK_WAITING = 0x2;
inline constexpr std::uint64_t EX_PUSH_LOCK_WAKING = 0x4;
inline constexpr std::uint64_t EX_PUSH_LOCK_MULTIPLE_SHARED = 0x8;
inline constexpr std::uint64_t EX_PUSH_LOCK_SHARE_INC = 0x10;
inline constexpr std::uint64_t EX_PUSH_LOCK_PTR_BITS = 0xf;

struct EX_PUSH_LOCK : KOBJECT_BASE {
  std::uint64_t Value = 0;
};

// EX_PUSH_LOCK_WAIT_BLOCK, as a debugger would show one (simulated addresses).
struct WaitBlockView {
  std::uint64_t address = 0;
  std::uint64_t next = 0;      // older block
  std::uint64_t last = 0;      // cached oldest block (0 if not set)
  std::uint64_t previous = 0;  // newer block (filled by list optimization)
  std::int32_t share_count = 0;
  std::uint32_t flags = 0;     // EXCLUSIVE 1, WAIT 2
  std::int32_t thread = -1;    // the waiting thread's index
};

// The decoded word, like `dt nt!_EX_PUSH_LOCK`.
struct PushLockFields {
  unsigned Locked, Waiting, Waking, MultipleShared;
  std::uint64_t Shared;  // bits 4..63
  std::uint64_t Value;
  std::uint64_t Ptr;     // Value with the flag bits masked off, when Waiting
};
PushLockFields decode_push_lock(std::uint64_t value);

// The wait-block chain from the newest block (the word's pointer) to the oldest, empty when
// Waiting is clear.
std::vector<WaitBlockView> wait_block_chain(const ke::Kernel& k, const EX_PUSH_LOCK& lock);

// The LockKinds of push locks and cache-aware push locks (sim/ex/pushlock_kind.cpp).
extern const ke::LockKind& kPushLockKind;
extern const ke::LockKind& kCacheAwarePushLockKind;

// Registers a push lock (KOBJECTS::PushLockObject) in the kernel's object table, word 0.
EX_PUSH_LOCK& create_push_lock(ke::Kernel& k, std::string name);

// The routines act on the current thread. Acquire at <= APC_LEVEL (with AutoBoost, >=
// DISPATCH_LEVEL bugchecks 0x192 in the tracker; without, a wait at DISPATCH_LEVEL bugchecks in
// KeWait*). Every acquire notes the holder (KiNoteAcquire) and calls the AutoBoost tracker when
// one is installed; every release runs the tracker's check before it touches the word.
// (Declared in include/kesim/nt/ex.hpp.)

// A cache-aware push lock: one padded push lock per slot (EX_PUSH_LOCK_FANNED_COUNT, 32; as
// many slots as simulated processors here, so the shared path is per-CPU). Tracked by AutoBoost
// as one lock.
struct EX_PUSH_LOCK_CACHE_AWARE : KOBJECT_BASE {
  std::vector<EX_PUSH_LOCK*> Locks;  // slot i, registered kernel objects named NAME[i]
};
EX_PUSH_LOCK_CACHE_AWARE& create_cache_aware_push_lock(ke::Kernel& k, std::string name);
// The routines (include/kesim/nt/ex.hpp): Win10 returns the slot taken by a shared acquire;
// the shared release takes it back (SEMANTICS.md §8).

}  // namespace kesim::ex
