// sim/ex/keyed_event_kind.cpp — what reports show of a keyed event (sim/ke/lock_kind.hpp). A
// keyed event is not a lock: nobody holds it, so it has no owner and never closes a wait-for
// cycle; kesim gives it a LockKind so `!locks` lists its queue and a hang report can say, per
// key, why a blocked thread is not woken. WinDbg has no extension for keyed events (`!object`
// shows the object, not its queue); the lines are kesim's, with the WRK field names
// (WaitQueue, KeyedWaitValue).
#include <fmt/format.h>

#include "sim/ex/keyed_event.hpp"
#include "sim/ke/lock_kind.hpp"

namespace kesim::ex {

using ke::KOBJECT_BASE;
using ke::KTHREAD;

namespace {

KEYED_EVENT& keyed(const KOBJECT_BASE& o) {
  // IntrusiveList has no const iteration; reading it changes nothing.
  return const_cast<KEYED_EVENT&>(static_cast<const KEYED_EVENT&>(o));
}

std::string what_it_does(const KTHREAD& t) {
  return fmt::format("{} {} key 0x{:x}", t.name, keyed_is_release(t) ? "releases" : "waits on", keyed_key(t));
}

class KeyedEventKind final : public ke::LockKind {
 public:
  // No state word: the number of threads in its queue.
  std::uint64_t word(const KOBJECT_BASE& o) const override { return keyed(o).WaitQueue.size(); }
  bool records_owner() const override { return false; }
  std::string describe(const ke::Kernel&, const KOBJECT_BASE& o) const override {
    KEYED_EVENT& e = keyed(o);
    if (e.WaitQueue.empty()) return "     WaitQueue: empty\n";
    std::string s = fmt::format("     WaitQueue ({} threads, releasers first):\n", e.WaitQueue.size());
    for (const KTHREAD& t : e.WaitQueue)
      s += fmt::format("       {} (KeyedWaitValue 0x{:x})\n", what_it_does(t), t.KeyedWaitValue);
    return s;
  }
  std::string why_blocked(const ke::Kernel&, const KOBJECT_BASE& o, const KTHREAD& t) const override {
    KEYED_EVENT& e = keyed(o);
    if (!t.KeyedWaitChain.linked())
      return fmt::format("{} was matched on {}; the wake of its partner is on its way", t.name, e.name);
    const std::uint64_t key = keyed_key(t);
    std::string others;
    for (const KTHREAD& x : e.WaitQueue) {
      if (&x == &t) continue;
      others += (others.empty() ? "" : "; ") + what_it_does(x);
    }
    const std::string tail = others.empty() ? "" : " (also queued, with other keys: " + others + ")";
    if (keyed_is_release(t))
      return fmt::format("{} releases key 0x{:x} of keyed event {}: NtReleaseKeyedEvent "
                         "waits until a thread waits on that key, and no thread does{}",
                         t.name, key, e.name, tail);
    return fmt::format("{} waits on key 0x{:x} of keyed event {}: only NtReleaseKeyedEvent of "
                       "that key wakes it, and no thread has called it since{}",
                       t.name, key, e.name, tail);
  }
};

const KeyedEventKind kKeyed;

}  // namespace

const ke::LockKind& kKeyedEventLockKind = kKeyed;

}  // namespace kesim::ex
