// sim/ex/pushlock_wake.cpp — the waiting half of EX_PUSH_LOCK (SEMANTICS.md §7): wait blocks
// and their simulated addresses, list optimization (ExpOptimizePushLockList), waking
// (ExfWakePushLock) and the sleep itself. Source followed: ReactOS ntoskrnl/ex/pushlock.c (the
// order of the word updates and of the WAIT-flag handshake); wake objects per S0 (2003 KGATE,
// GateWait) and S2 (Win11 event, Waiting/WrPushLock).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "sim/ex/exp.hpp"
#include "sim/ke/ki.hpp"

namespace kesim::ex {

using engine::TraceKind;
using namespace kesim::ke;

namespace {

// A broken invariant of kesim itself: thrown on the thread's fiber, it stops the run and the
// machine rethrows it from run() (the CLI reports it as an internal error, exit 3).
[[noreturn]] void exp_fatal(const char* what) {
  throw std::logic_error(std::string("kesim internal error: ") + what);
}

// xp: how XP's push locks sleep is unconfirmed (SEMANTICS.md §15); kesim uses the 2003 gate.
bool uses_gate(const Kernel& k) { return k.version() != Version::win10; }

}  // namespace

// ---- wait blocks ---------------------------------------------------------------------------------

WaitBlockFrame::WaitBlockFrame(KTHREAD& t, const KOBJECT_BASE& lock) : depth_(t.ex_wait_depth) {
  if (depth_ >= t.ex_wait_blocks.size())
    exp_fatal("push-lock wait blocks nested deeper than KTHREAD::ex_wait_blocks holds");
  if (t.stack_base != kStackBase + static_cast<std::uint64_t>(t.index) * kStackStride)
    exp_fatal("KTHREAD::stack_base does not follow the layout sim/ex decodes");
  block.address = (t.stack_base + kWaitBlockTop - depth_ * kWaitBlockStride) & ~0xfull;
  block.thread = &t;
  // The wake objects are not scenario objects: they carry the lock's name and index so that a
  // report attributes the wait to the lock.
  DISPATCHER_HEADER& wake = uses_gate(current_kernel())
                                ? static_cast<DISPATCHER_HEADER&>(block.WakeGate)
                                : static_cast<DISPATCHER_HEADER&>(block.WakeEvent);
  block.WakeGate.type = KOBJECTS::GateObject;
  block.WakeEvent.type = KOBJECTS::EventSynchronizationObject;
  wake.name = lock.name;
  wake.index = lock.index;
  wake.address = block.address + kWakeObjectOffset;
  t.ex_wait_blocks[depth_] = &block;
  t.ex_wait_depth = static_cast<std::uint8_t>(depth_ + 1);
}

WaitBlockFrame::~WaitBlockFrame() {
  KTHREAD& t = *block.thread;
  t.ex_wait_blocks[depth_] = nullptr;
  t.ex_wait_depth = depth_;
}

EX_PUSH_LOCK_WAIT_BLOCK* exp_find_wait_block(const Kernel& k, std::uint64_t address) {
  if (address < kStackBase || (address & 0xf) != 0) return nullptr;
  const std::uint64_t n = (address - kStackBase) / kStackStride;
  if (n >= k.threads().size()) return nullptr;
  KTHREAD& t = *k.threads()[n];
  const std::uint64_t offset = address - t.stack_base;
  if (offset > kWaitBlockTop || (kWaitBlockTop - offset) % kWaitBlockStride != 0) return nullptr;
  const std::uint64_t depth = (kWaitBlockTop - offset) / kWaitBlockStride;
  if (depth >= t.ex_wait_depth) return nullptr;
  return static_cast<EX_PUSH_LOCK_WAIT_BLOCK*>(t.ex_wait_blocks[depth]);
}

EX_PUSH_LOCK_WAIT_BLOCK& exp_decode_wait_block(std::uint64_t address) {
  if (EX_PUSH_LOCK_WAIT_BLOCK* b = exp_find_wait_block(current_kernel(), address)) return *b;
  // The kernel would read whatever the corrupted pointer designates; kesim stops as a page
  // fault on a non-present address would (PAGE_FAULT_IN_NONPAGED_AREA, P2 0 = read).
  char note[160];
  std::snprintf(note, sizeof note,
                "a push-lock word points to 0x%016llx, which is not a live wait block (the word "
                "was corrupted, e.g. by a release without an acquire)",
                static_cast<unsigned long long>(address));
  KeBugCheckEx(0x50, address, 0, 0, 0, note);
}

void ExpInitializeWakeObject(EX_PUSH_LOCK_WAIT_BLOCK& block) {
  block.WakeGate.SignalState = 0;   // KeInitializeGate
  block.WakeEvent.SignalState = 0;  // KeInitializeEvent(SynchronizationEvent, FALSE)
}

// ---- the chain -----------------------------------------------------------------------------------

EX_PUSH_LOCK_WAIT_BLOCK& ExpOldestWaitBlock(std::uint64_t value) {
  // Follow Next from the newest block to the first one with Last set; its Last is the oldest.
  EX_PUSH_LOCK_WAIT_BLOCK* b = &exp_decode_wait_block(value & ~EX_PUSH_LOCK_PTR_BITS);
  while (b->Last == 0) b = &exp_decode_wait_block(b->Next);
  return exp_decode_wait_block(b->Last);
}

void ExpOptimizePushLockList(EX_PUSH_LOCK& lock, std::uint64_t value) {
  std::uint64_t old = value;
  for (;;) {
    // The lock was released while this thread was linking in: it is the one to wake.
    if (!(old & EX_PUSH_LOCK_LOCK)) {
      ExpWakePushLock(lock, old);
      return;
    }
    const std::uint64_t first_address = old & ~EX_PUSH_LOCK_PTR_BITS;
    EX_PUSH_LOCK_WAIT_BLOCK& first = exp_decode_wait_block(first_address);
    std::uint64_t at = first_address;
    for (;;) {
      EX_PUSH_LOCK_WAIT_BLOCK& b = exp_decode_wait_block(at);
      if (b.Last != 0) {
        first.Last = b.Last;  // the newest block now caches the oldest
        break;
      }
      exp_decode_wait_block(b.Next).Previous = at;
      at = b.Next;
    }
    const std::uint64_t seen = exp_compare_exchange(lock.Value, old & ~EX_PUSH_LOCK_WAKING, old);
    if (seen == old) return;
    old = seen;
  }
}

namespace {

// Releases the waiters from `oldest` along the Previous links (oldest → newest). Several waiters
// are readied at DISPATCH_LEVEL so that none runs before all are released (ReactOS raises only
// when there is more than one).
void signal_waiters(std::uint64_t oldest) {
  Kernel& k = current_kernel();
  KTHREAD& self = *k.current_thread();
  const KIRQL irql = self.Irql;
  const bool raise = exp_decode_wait_block(oldest).Previous != 0 && irql < DISPATCH_LEVEL;
  if (raise) KiSetIrql(self, DISPATCH_LEVEL);
  for (std::uint64_t at = oldest; at != 0;) {
    EX_PUSH_LOCK_WAIT_BLOCK& b = exp_decode_wait_block(at);
    // Read before the handshake: once released, the waiter may run and reuse its block.
    at = b.Previous;
    if (!exp_bit_test_and_reset(b.Flags, EX_PUSH_LOCK_FLAGS_WAIT_V)) {
      // The waiter cleared WAIT first: it sleeps (or is about to) on its wake object.
      if (uses_gate(k))
        KeSignalGateBoostPriority(b.WakeGate);
      else
        exp_set_event_boost_priority(b.WakeEvent);
    }
  }
  if (raise) KiSetIrql(self, irql);
}

}  // namespace

void ExpWakePushLock(EX_PUSH_LOCK& lock, std::uint64_t value) {
  std::uint64_t old = value;
  for (;;) {
    // Re-locked by a barger: it will wake the waiters on its release.
    while (old & EX_PUSH_LOCK_LOCK) {
      const std::uint64_t seen = exp_compare_exchange(lock.Value, old & ~EX_PUSH_LOCK_WAKING, old);
      if (seen == old) return;
      old = seen;
    }
    // Find the oldest block, filling Previous links on the way.
    const std::uint64_t first_address = old & ~EX_PUSH_LOCK_PTR_BITS;
    EX_PUSH_LOCK_WAIT_BLOCK& first = exp_decode_wait_block(first_address);
    std::uint64_t at = first_address;
    for (;;) {
      EX_PUSH_LOCK_WAIT_BLOCK& b = exp_decode_wait_block(at);
      if (b.Last != 0) {
        at = b.Last;
        break;
      }
      exp_decode_wait_block(b.Next).Previous = at;
      at = b.Next;
    }
    EX_PUSH_LOCK_WAIT_BLOCK& oldest = exp_decode_wait_block(at);
    if ((oldest.Flags & EX_PUSH_LOCK_FLAGS_EXCLUSIVE) && oldest.Previous != 0) {
      // An exclusive waiter with newer waiters behind it: detach only it.
      first.Last = oldest.Previous;
      oldest.Previous = 0;
      exp_and(lock.Value, ~EX_PUSH_LOCK_WAKING);
      signal_waiters(at);
      return;
    }
    // Shared, or the only waiter: empty the word and wake everyone, oldest to newest.
    const std::uint64_t seen = exp_compare_exchange(lock.Value, 0, old);
    if (seen == old) {
      signal_waiters(at);
      return;
    }
    old = seen;
  }
}

// ---- sleeping ------------------------------------------------------------------------------------

void ExpWaitForWake(EX_PUSH_LOCK_WAIT_BLOCK& block, KOBJECT_BASE& as) {
  // ExPushLockSpinCount is 1024 on MP kernels (0 on UP): spinning on Flags.WAIT only shortens a
  // wait that a waker ends anyway, and would cost simulated steps, so kesim spins 0 times.
  if (!exp_bit_test_and_reset(block.Flags, EX_PUSH_LOCK_FLAGS_WAIT_V))
    return;  // a waker cleared WAIT first: released without sleeping
  Kernel& k = current_kernel();
  KTHREAD& t = *block.thread;
  // An APC delivered during this wait may block on another lock; the outer mark comes back.
  const std::int32_t outer = t.waiting_on_lock;
  KiSetWaitingOnLock(t, as.index);
  if (LockTracker* tr = k.lock_tracker()) tr->on_wait(t, as);
  k.record(TraceKind::LockWait, &t, &as, static_cast<std::int64_t>(block.address),
           block.Flags & EX_PUSH_LOCK_FLAGS_EXCLUSIVE);
  if (uses_gate(k))
    KeWaitForGate(block.WakeGate, WrPushLock, KPROCESSOR_MODE::KernelMode);
  else
    KeWaitForSingleObject(block.WakeEvent, WrPushLock, KPROCESSOR_MODE::KernelMode, false, nullptr);
  KiSetWaitingOnLock(t, outer);
}

void exp_set_event_boost_priority(KEVENT& event) {
  Kernel& k = current_kernel();
  KTHREAD* self = k.current_thread();
  if (KWAIT_BLOCK* oldest = event.WaitListHead.front()) {
    KTHREAD& w = *oldest->Thread;
    if (self && self->priority > w.priority && w.priority < 16)
      KiSetPriority(w, std::min<int>(self->priority, 15));
  }
  KeSetEvent(event, 0, false);
}

// ---- holders without trace ---------------------------------------------------------------------

void exp_add_holder(KOBJECT_BASE& lock, KTHREAD& t) {
  lock.holders.push_back(&t);
  lock.holder_steps.push_back(t.current_step);
}

void exp_remove_holder(KOBJECT_BASE& lock, KTHREAD& t) {
  // As KiNoteRelease: this thread's hold, else the oldest (a foreign release).
  auto it = std::find(lock.holders.begin(), lock.holders.end(), &t);
  if (it == lock.holders.end()) it = lock.holders.begin();
  if (it != lock.holders.end()) {
    lock.holder_steps.erase(lock.holder_steps.begin() + (it - lock.holders.begin()));
    lock.holders.erase(it);
  }
}

}  // namespace kesim::ex
