// sim/report/views_locks.cpp — the lock-centred debugger views: `!locks` (every lock with its
// holders and waiters, in the spirit of WinDbg `!locks`) and `!pushlock NAME` (the word decoded
// exactly like `dt nt!_EX_PUSH_LOCK` in S2, then the wait-block chain newest → oldest; for a
// cache-aware lock, every slot). Holders come from KOBJECT_BASE::holders (what kesim tracked,
// since a push lock has no owner field); exclusive/shared is read from the lock word.
#include <fmt/format.h>

#include <algorithm>

#include "sim/ex/pushlock.hpp"
#include "sim/ke/lock_kind.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

using ke::KOBJECT_BASE;
using ke::KOBJECTS;
using ke::KTHREAD;

std::string render_locks_view(const ke::Kernel& k);
std::string render_pushlock_view(const ke::Kernel& k, const std::string& name);

namespace {

std::string dt_pointer(std::uint64_t v) { return v ? "0x" + debugger_address(v) : "(null)"; }

std::string wait_block_flags(std::uint32_t f) {
  std::string s;
  if (f & 1) s = "EXCLUSIVE";
  if (f & 2) s += s.empty() ? "WAIT" : "|WAIT";
  return s.empty() ? "0" : s;
}

std::string render_chain(const ke::Kernel& k, const ex::EX_PUSH_LOCK& l, const char* indent) {
  const std::vector<ex::WaitBlockView> chain = ex::wait_block_chain(k, l);
  if (chain.empty()) return fmt::format("{}No wait blocks.\n", indent);
  std::string out = fmt::format("{}Wait blocks, newest -> oldest ({}):\n", indent, chain.size());
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const ex::WaitBlockView& b = chain[i];
    const std::string who = b.thread >= 0 && static_cast<std::size_t>(b.thread) < k.threads().size()
                                ? fmt::format("{} {}", debugger_address(k.threads()[b.thread]->address),
                                              k.threads()[b.thread]->name)
                                : std::string("-");
    out += fmt::format("{}  [{}] @ {}  Thread {}\n", indent, i, debugger_address(b.address), who);
    out += fmt::format("{}      Flags      : 0x{:x} ({})\n", indent, b.flags, wait_block_flags(b.flags));
    out += fmt::format("{}      ShareCount : {}\n", indent, b.share_count);
    out += fmt::format("{}      Next       : {}\n", indent, dt_pointer(b.next));
    out += fmt::format("{}      Last       : {}\n", indent, dt_pointer(b.last));
    out += fmt::format("{}      Previous   : {}\n", indent, dt_pointer(b.previous));
  }
  return out;
}

std::string dt_push_lock(const ke::Kernel& k, const ex::EX_PUSH_LOCK& l) {
  const ex::PushLockFields f = ex::decode_push_lock(l.Value);
  std::string out = fmt::format("dt nt!_EX_PUSH_LOCK {}   ({})\n", debugger_address(l.address), l.name);
  out += fmt::format("   +0x000 Locked               : 0y{}\n", f.Locked);
  out += fmt::format("   +0x000 Waiting              : 0y{}\n", f.Waiting);
  out += fmt::format("   +0x000 Waking               : 0y{}\n", f.Waking);
  out += fmt::format("   +0x000 MultipleShared       : 0y{}\n", f.MultipleShared);
  out += fmt::format("   +0x000 Shared               : 0y{:060b} ({})\n", f.Shared,
                     f.Shared ? fmt::format("0x{:x}", f.Shared) : std::string("0"));
  if (f.Value == 0) {
    out += "   +0x000 Value                : 0\n";
    out += "   +0x000 Ptr                  : (null)\n";
  } else {
    const std::string v = f.Value > 0xffffffffu ? "0x" + debugger_address(f.Value) : hex(f.Value);
    out += fmt::format("   +0x000 Value                : {} (0n{})\n", v,
                       static_cast<std::int64_t>(f.Value));
    out += fmt::format("   +0x000 Ptr                  : 0x{} Void\n", debugger_address(f.Value));
  }
  if (f.Waiting)
    out += fmt::format("   (Waiting: the upper bits point at the newest wait block {})\n",
                       debugger_address(f.Ptr));
  return out;
}

std::vector<const ke::KOBJECT_BASE*> slots_of(const KOBJECT_BASE& o) {
  std::vector<const KOBJECT_BASE*> out;
  if (o.lock_kind) o.lock_kind->parts(o, out);
  return out;
}

// Does thread t wait for lock o (directly, through a mutex's inner gate/event, or on a slot)?
bool waits_for(const KTHREAD& t, const KOBJECT_BASE& o) {
  if (!is_blocked(t)) return false;
  auto hits = [&](const KOBJECT_BASE& x) {
    if (t.waiting_on_lock == x.index) return true;
    for (std::uint32_t i = 0; i < t.wait_count && t.wait_blocks; ++i) {
      const ke::DISPATCHER_HEADER* w = t.wait_blocks[i].Object;
      if (w && (w == &x || (x.index >= 0 && w->index == x.index))) return true;
    }
    return false;
  };
  if (hits(o)) return true;
  for (const KOBJECT_BASE* s : slots_of(o))
    if (hits(*s)) return true;
  return false;
}

std::vector<const KTHREAD*> holders_of(const KOBJECT_BASE& o) {
  std::vector<const KTHREAD*> out;
  if (o.lock_kind) o.lock_kind->holders(o, out);
  return out;
}

std::string lock_status(const KOBJECT_BASE& o, std::size_t holders) {
  if (holders == 0) return "Not owned";
  const std::string mode = lock_hold_mode(o);
  if (mode == "exclusive") return "Exclusively owned";
  if (mode == "shared") return fmt::format("Shared, {} owning threads", holders);
  return "Owned";
}

}  // namespace

std::string lock_hold_mode(const KOBJECT_BASE& lock) {
  return lock.lock_kind ? ke::hold_mode_name(lock.lock_kind->hold_mode(lock)) : "owned";
}

std::string render_locks_view(const ke::Kernel& k) {
  const std::vector<const KOBJECT_BASE*> slot_objects = ke::lock_parts(k);
  const engine::Time now = k.engine().now();
  std::string out = "**** DUMP OF ALL LOCKS ****\n";
  int total = 0, held = 0;
  for (const KOBJECT_BASE* o : k.objects()) {
    if (!o->lock_kind) continue;
    if (std::find(slot_objects.begin(), slot_objects.end(), o) != slot_objects.end()) continue;
    ++total;
    const std::vector<const KTHREAD*> hs = holders_of(*o);
    if (!hs.empty()) ++held;
    out += fmt::format("\nLock {} ({}) @ {}    {}\n", o->name, ke::object_type_name(o->type),
                       debugger_address(o->address), lock_status(*o, hs.size()));
    out += o->lock_kind->describe(k, *o);
    if (!hs.empty()) {
      // A push lock's word holds no owner, so WinDbg cannot name one (seed S0, "Push Locks –
      // What are they?": there is no easy way to find the current owner); kesim tracked them.
      if (!o->lock_kind->records_owner()) out += "     Owners known to kesim only (a push lock records no owner):\n";
      out += "     Threads:";
      for (const KTHREAD* h : hs)
        out += fmt::format(" {}-01<*> {}{}", debugger_address(h->address), h->name,
                           h->terminated() ? " (terminated)" : "");
      out += "\n";
    }
    std::string waiters;
    for (const KTHREAD* t : k.threads())
      if (waits_for(*t, *o))
        waiters += fmt::format("              {} {}  {}  {}\n", debugger_address(t->address), t->name,
                               t->state == engine::TaskState::Running ? "Spinning"
                                                                      : ke::wait_reason_name(t->WaitReason),
                               format_time(now - t->state_since));
    if (!waiters.empty()) out += "     Threads Waiting:\n" + waiters;
  }
  out += fmt::format("\n{} total locks, {} locks currently held\n", total, held);
  return out;
}

std::string render_pushlock_view(const ke::Kernel& k, const std::string& name) {
  const KOBJECT_BASE* lock = nullptr;
  for (const KOBJECT_BASE* o : k.objects())
    if (o->name == name) lock = o;
  if (!lock) return fmt::format("No push lock named {}.\n", name.empty() ? "(none)" : name);
  if (lock->type == KOBJECTS::PushLockObject) {
    const auto& l = static_cast<const ex::EX_PUSH_LOCK&>(*lock);
    return dt_push_lock(k, l) + render_chain(k, l, "");
  }
  if (lock->type != KOBJECTS::CacheAwarePushLockObject)
    return fmt::format("{} is a {}, not a push lock.\n", name, ke::object_type_name(lock->type));
  const auto& ca = static_cast<const ex::EX_PUSH_LOCK_CACHE_AWARE&>(*lock);
  std::string out = fmt::format("dt nt!_EX_PUSH_LOCK_CACHE_AWARE {}   ({})\n",
                                debugger_address(ca.address), ca.name);
  out += fmt::format("   +0x000 Locks                : [{}] Ptr64 _EX_PUSH_LOCK\n", ca.Locks.size());
  for (std::size_t i = 0; i < ca.Locks.size(); ++i) {
    const ex::EX_PUSH_LOCK& slot = *ca.Locks[i];
    out += fmt::format("\nSlot [{}]\n", i);
    out += dt_push_lock(k, slot);
    out += render_chain(k, slot, "");
  }
  return out;
}

}  // namespace kesim::report
