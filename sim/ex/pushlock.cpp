// sim/ex/pushlock.cpp — EX_PUSH_LOCK acquire, release, convert (SEMANTICS.md §7), and the
// AutoBoost/holder bookkeeping around them (§11). Source followed: ReactOS
// ntoskrnl/include/internal/ex.h (the inline fast paths) and ntoskrnl/ex/pushlock.c
// (ExfAcquirePushLockExclusive/Shared, ExfReleasePushLock*, ExfTryToWakePushLock); word values
// as asserted by kmtest ntos_ex/ExPushLock.c. Waking and sleeping: pushlock_wake.cpp.
//
// Word layout. kesim uses the 2003 SP1 → Win11 layout (Locked/Waiting/Waking/MultipleShared/
// Shared) on every version, xp included: XP and 2003 RTM used Waiting/Exclusive/Shared (TERM),
// which kesim does not model.
//
// After a wake the acquirer re-reads the word and retries from the top: there is no hand-off,
// so a thread that arrives in between can take the lock first (barging).
#include "sim/ex/exp.hpp"
#include "sim/ke/ki.hpp"
#include "sim/ke/verifier.hpp"

namespace kesim::ex {

using namespace kesim::ke;

namespace {

constexpr std::uint64_t kShareCountShift = 4;
std::uint64_t shared_count(std::uint64_t v) { return v >> kShareCountShift; }

// The last owner leaves: clear Locked and MultipleShared; take over waking unless another
// thread already does it (the tail of ExfReleasePushLock/ExfReleasePushLockShared).
void release_last_owner(EX_PUSH_LOCK& lock, std::uint64_t old) {
  for (;;) {
    std::uint64_t next = old & ~(EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_MULTIPLE_SHARED);
    const bool take_waking = !(old & EX_PUSH_LOCK_WAKING);
    if (take_waking) next |= EX_PUSH_LOCK_WAKING;
    const std::uint64_t seen = exp_compare_exchange(lock.Value, next, old);
    if (seen == old) {
      if (take_waking) ExpWakePushLock(lock, next);
      return;
    }
    old = seen;
  }
}

// ExfTryToWakePushLock: wake only if waiters are queued, nobody is waking and it is unlocked.
void try_to_wake(EX_PUSH_LOCK& lock) {
  const std::uint64_t old = lock.Value;
  if ((old & EX_PUSH_LOCK_WAKING) || (old & EX_PUSH_LOCK_LOCK) || !(old & EX_PUSH_LOCK_WAITING))
    return;
  const std::uint64_t next = old | EX_PUSH_LOCK_WAKING;
  if (exp_compare_exchange(lock.Value, next, old) == old) ExpWakePushLock(lock, next);
}

// Queues `block` behind the word `old` (Locked, or the shared acquire could not join). Returns
// the new word, or 0 if the compare-exchange lost a race and the caller must retry.
std::uint64_t queue_wait_block(EX_PUSH_LOCK& lock, EX_PUSH_LOCK_WAIT_BLOCK& block,
                               std::uint64_t old, bool exclusive, bool& need_optimize) {
  block.Flags = EX_PUSH_LOCK_FLAGS_WAIT | (exclusive ? EX_PUSH_LOCK_FLAGS_EXCLUSIVE : 0);
  block.Previous = 0;
  block.ShareCount = 0;
  std::uint64_t next;
  need_optimize = false;
  if (old & EX_PUSH_LOCK_WAITING) {
    // A later waiter: link to the newest block; whoever set Waking optimizes the list.
    block.Next = old & ~EX_PUSH_LOCK_PTR_BITS;
    block.Last = 0;
    const std::uint64_t keep =
        exclusive ? (old & EX_PUSH_LOCK_MULTIPLE_SHARED) | EX_PUSH_LOCK_LOCK
                  : (old & (EX_PUSH_LOCK_MULTIPLE_SHARED | EX_PUSH_LOCK_LOCK));
    next = keep | EX_PUSH_LOCK_WAKING | EX_PUSH_LOCK_WAITING | block.address;
    need_optimize = !(old & EX_PUSH_LOCK_WAKING);
  } else {
    // The first waiter: it is its own Last. Behind several sharers, an exclusive waiter keeps
    // their count in its block and marks the word MultipleShared.
    block.Last = block.address;
    if (exclusive && shared_count(old) > 1) {
      block.ShareCount = static_cast<std::int32_t>(shared_count(old));
      next = EX_PUSH_LOCK_MULTIPLE_SHARED | EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_WAITING |
             block.address;
    } else if (exclusive) {
      next = EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_WAITING | block.address;
    } else {
      next = (old & EX_PUSH_LOCK_PTR_BITS) | EX_PUSH_LOCK_WAITING | block.address;
    }
  }
  ExpInitializeWakeObject(block);
  if (exp_compare_exchange(lock.Value, next, old) != old) return 0;
  return next;
}

}  // namespace

// ---- the word operations ---------------------------------------------------------------------

void ExpAcquirePushLockExclusive(EX_PUSH_LOCK& lock, KOBJECT_BASE& as) {
  // Fast path (ex.h): atomically set Locked; it succeeds whenever Locked was clear, even with
  // waiters queued.
  if (!exp_bit_test_and_set(lock.Value, 0)) return;
  KTHREAD& t = *current_kernel().current_thread();
  WaitBlockFrame frame(t, as);
  std::uint64_t old = lock.Value;
  for (;;) {
    if (!(old & EX_PUSH_LOCK_LOCK)) {
      if (exp_compare_exchange(lock.Value, old | EX_PUSH_LOCK_LOCK, old) == old) return;
      old = lock.Value;
      continue;
    }
    bool optimize;
    const std::uint64_t queued = queue_wait_block(lock, frame.block, old, true, optimize);
    if (queued == 0) {
      old = lock.Value;
      continue;
    }
    if (optimize) ExpOptimizePushLockList(lock, queued);
    ExpWaitForWake(frame.block, as);
    old = lock.Value;  // woken: retry from the top
  }
}

void ExpAcquirePushLockShared(EX_PUSH_LOCK& lock, KOBJECT_BASE& as) {
  // Fast path (ex.h): 0 → Locked + one share.
  if (exp_compare_exchange(lock.Value, EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_SHARE_INC, 0) == 0) return;
  KTHREAD& t = *current_kernel().current_thread();
  WaitBlockFrame frame(t, as);
  std::uint64_t old = lock.Value;
  for (;;) {
    // Free, or held shared with nobody queued: join. With waiters queued (and the lock free)
    // only Locked is set; the share count lives in the word only while Waiting is clear.
    if (!(old & EX_PUSH_LOCK_LOCK) ||
        (!(old & EX_PUSH_LOCK_WAITING) && shared_count(old) > 0)) {
      const std::uint64_t next = (old & EX_PUSH_LOCK_WAITING)
                                     ? (old | EX_PUSH_LOCK_LOCK)
                                     : (old | EX_PUSH_LOCK_LOCK) + EX_PUSH_LOCK_SHARE_INC;
      if (exp_compare_exchange(lock.Value, next, old) == old) return;
      old = lock.Value;
      continue;
    }
    bool optimize;
    const std::uint64_t queued = queue_wait_block(lock, frame.block, old, false, optimize);
    if (queued == 0) {
      old = lock.Value;
      continue;
    }
    if (optimize) ExpOptimizePushLockList(lock, queued);
    ExpWaitForWake(frame.block, as);
    old = lock.Value;
  }
}

void ExpReleasePushLockExclusive(EX_PUSH_LOCK& lock) {
  // ex.h: subtract Locked; if waiters are queued and nobody wakes them, try to wake.
  const std::uint64_t old = exp_exchange_add(lock.Value, ~std::uint64_t{0});
  if ((old & EX_PUSH_LOCK_WAITING) && !(old & EX_PUSH_LOCK_WAKING)) try_to_wake(lock);
}

void ExpReleasePushLockShared(EX_PUSH_LOCK& lock) {
  const std::uint64_t one = EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_SHARE_INC;
  if (exp_compare_exchange(lock.Value, 0, one) == one) return;
  std::uint64_t old = lock.Value;
  while (!(old & EX_PUSH_LOCK_WAITING)) {
    const std::uint64_t next = shared_count(old) > 1 ? old - EX_PUSH_LOCK_SHARE_INC : 0;
    const std::uint64_t seen = exp_compare_exchange(lock.Value, next, old);
    if (seen == old) return;
    old = seen;
  }
  // Waiters queued behind several sharers: the count lives in the oldest block.
  if (old & EX_PUSH_LOCK_MULTIPLE_SHARED) {
    EX_PUSH_LOCK_WAIT_BLOCK& oldest = ExpOldestWaitBlock(old);
    if (exp_add_fetch(oldest.ShareCount, -1) > 0) return;
  }
  release_last_owner(lock, old);
}

void ExpReleasePushLock(EX_PUSH_LOCK& lock) {
  // ex.h: with no waiters, one compare-exchange (drop a share, or clear).
  std::uint64_t old = lock.Value;
  if (!(old & EX_PUSH_LOCK_WAITING)) {
    const std::uint64_t next = shared_count(old) > 1 ? old - EX_PUSH_LOCK_SHARE_INC : 0;
    if (exp_compare_exchange(lock.Value, next, old) == old) return;
  }
  old = lock.Value;
  for (;;) {
    if (!(old & EX_PUSH_LOCK_WAITING)) {
      const std::uint64_t next = shared_count(old) > 1 ? old - EX_PUSH_LOCK_SHARE_INC : 0;
      const std::uint64_t seen = exp_compare_exchange(lock.Value, next, old);
      if (seen == old) return;
      old = seen;
      continue;
    }
    // An exclusive owner finds ShareCount 0 (or no MultipleShared) and skips this step.
    if (old & EX_PUSH_LOCK_MULTIPLE_SHARED) {
      EX_PUSH_LOCK_WAIT_BLOCK& oldest = ExpOldestWaitBlock(old);
      if (oldest.ShareCount > 0 && exp_add_fetch(oldest.ShareCount, -1) > 0) return;
    }
    release_last_owner(lock, old);
    return;
  }
}

// ---- the public routines ---------------------------------------------------------------------

namespace {
// AutoBoost's release check precedes the word update (S2's dump shows the word still locked
// with waiters after the 0x162), and the release is noted before a waiter can acquire.
const KTHREAD* before_release(ExpCaller c, EX_PUSH_LOCK& lock) {
  if (c.tr) c.tr->post_release(c.t, lock);
  return KiNoteReleaseBegin(c.t, lock);
}
}  // namespace

void ExInitializePushLock(EX_PUSH_LOCK& lock) {
  KiNoteObject(lock, true);
  lock.Value = 0;
}

EX_PUSH_LOCK& create_push_lock(Kernel& k, std::string name) {
  EX_PUSH_LOCK& l = k.create<EX_PUSH_LOCK>(std::move(name), KOBJECTS::PushLockObject);
  l.lock_kind = &kPushLockKind;
  return l;
}

void ExAcquirePushLockExclusive(EX_PUSH_LOCK& lock) {
  const KiAccessScope scope(lock);
  ExpCaller c = exp_caller();
  // Driver Verifier: 0xC4/0xEA with normal kernel APCs enabled (seed 001's rule).
  VfCheckPushLockApcs(c.t, lock, false);
  if (c.tr) c.tr->pre_acquire(c.t, lock);  // 0x192 at DISPATCH_LEVEL or above
  ExpAcquirePushLockExclusive(lock, lock);
  KiNoteAcquire(c.t, lock, true);
  if (c.tr) c.tr->post_acquire(c.t, lock);
}

void ExAcquirePushLockShared(EX_PUSH_LOCK& lock) {
  const KiAccessScope scope(lock);
  ExpCaller c = exp_caller();
  VfCheckPushLockApcs(c.t, lock, false);
  if (c.tr) c.tr->pre_acquire(c.t, lock);
  ExpAcquirePushLockShared(lock, lock);
  KiNoteAcquire(c.t, lock, false);
  if (c.tr) c.tr->post_acquire(c.t, lock);
}

bool ExTryToAcquirePushLockExclusive(EX_PUSH_LOCK& lock) {
  const KiAccessScope scope(lock);
  ExpCaller c = exp_caller();
  VfCheckPushLockApcs(c.t, lock, false);
  if (c.tr) c.tr->pre_acquire(c.t, lock);
  if (exp_bit_test_and_set(lock.Value, 0)) {
    current_kernel().record(engine::TraceKind::LockTry, &c.t, &lock, 0);
    return false;
  }
  KiNoteAcquire(c.t, lock, true);
  if (c.tr) c.tr->post_acquire(c.t, lock);
  return true;
}

void ExReleasePushLockExclusive(EX_PUSH_LOCK& lock) {
  const KiAccessScope scope(lock);
  ExpCaller c = exp_caller();
  // Driver Verifier: 0xC4/0xEB with normal kernel APCs enabled.
  VfCheckPushLockApcs(c.t, lock, true);
  const KTHREAD* ends = before_release(c, lock);
  ExpReleasePushLockExclusive(lock);
  KiDropHold(lock, ends);
  KiReleaseDone(c.t, lock);
}

void ExReleasePushLockShared(EX_PUSH_LOCK& lock) {
  const KiAccessScope scope(lock);
  ExpCaller c = exp_caller();
  VfCheckPushLockApcs(c.t, lock, true);
  const KTHREAD* ends = before_release(c, lock);
  ExpReleasePushLockShared(lock);
  KiDropHold(lock, ends);
  KiReleaseDone(c.t, lock);
}

void ExReleasePushLock(EX_PUSH_LOCK& lock) {
  const KiAccessScope scope(lock);
  ExpCaller c = exp_caller();
  VfCheckPushLockApcs(c.t, lock, true);
  const KTHREAD* ends = before_release(c, lock);
  ExpReleasePushLock(lock);
  KiDropHold(lock, ends);
  KiReleaseDone(c.t, lock);
}

bool ExTryConvertPushLockSharedToExclusive(EX_PUSH_LOCK& lock) {
  const KiAccessScope scope(lock);
  // One compare-exchange: only the sole sharer with nobody queued converts. The holder and its
  // AutoBoost entry stay as they are; the trace records the attempt (a = result, b = 1).
  ExpCaller c = exp_caller();
  const std::uint64_t one = EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_SHARE_INC;
  const bool ok = exp_compare_exchange(lock.Value, EX_PUSH_LOCK_LOCK, one) == one;
  current_kernel().record(engine::TraceKind::LockTry, &c.t, &lock, ok ? 1 : 0, 1);
  return ok;
}

// ---- debugger views --------------------------------------------------------------------------

PushLockFields decode_push_lock(std::uint64_t v) {
  PushLockFields f{};
  f.Locked = static_cast<unsigned>(v & EX_PUSH_LOCK_LOCK);
  f.Waiting = static_cast<unsigned>((v & EX_PUSH_LOCK_WAITING) >> 1);
  f.Waking = static_cast<unsigned>((v & EX_PUSH_LOCK_WAKING) >> 2);
  f.MultipleShared = static_cast<unsigned>((v & EX_PUSH_LOCK_MULTIPLE_SHARED) >> 3);
  f.Shared = shared_count(v);
  f.Value = v;
  f.Ptr = f.Waiting ? (v & ~EX_PUSH_LOCK_PTR_BITS) : 0;
  return f;
}

std::vector<WaitBlockView> wait_block_chain(const Kernel& k, const EX_PUSH_LOCK& lock) {
  std::vector<WaitBlockView> out;
  const std::uint64_t v = lock.Value;
  if (!(v & EX_PUSH_LOCK_WAITING)) return out;
  constexpr int kLimit = 256;  // a corrupted chain must not loop the viewer
  const std::uint64_t first = v & ~EX_PUSH_LOCK_PTR_BITS;
  // The oldest block: the Last of the first block (from the newest) that has one.
  std::uint64_t oldest = 0;
  std::uint64_t at = first;
  for (int i = 0; i < kLimit && at != 0; ++i) {
    const EX_PUSH_LOCK_WAIT_BLOCK* b = exp_find_wait_block(k, at);
    if (!b) break;
    if (b->Last != 0) {
      oldest = b->Last;
      break;
    }
    at = b->Next;
  }
  at = first;
  for (int i = 0; i < kLimit && at != 0; ++i) {
    const EX_PUSH_LOCK_WAIT_BLOCK* b = exp_find_wait_block(k, at);
    if (!b) break;
    out.push_back({b->address, b->Next, b->Last, b->Previous, b->ShareCount, b->Flags,
                   b->thread->index});
    if (at == oldest) break;
    at = b->Next;
  }
  return out;
}

}  // namespace kesim::ex
