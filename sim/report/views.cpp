// sim/report/views.cpp — the thread-centred debugger views: `!thread` (WinDbg `!thread` header,
// wait blocks, then the KTHREAD fields a synchronization bug hinges on, `!mex.t` priorities and
// the KLOCK_ENTRY dump of S2), `!waiters` (`!mex.lt -bk`), `!ready` and `!apc`; and render_view,
// which dispatches every view kind. Layouts imitate the S0/S2 WinDbg sessions so a student can
// compare kesim output with a real dump. Lists are walked in index/FIFO order (deterministic).
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "sim/ex/pushlock.hpp"
#include "sim/ke/ki.hpp"
#include "sim/ke/lock_kind.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

using ke::KTHREAD;

// Defined in views_locks.cpp.
std::string render_locks_view(const ke::Kernel& k);
std::string render_pushlock_view(const ke::Kernel& k, const std::string& name);

namespace {

template <class List>
List& walk(const List& l) {  // IntrusiveList has no const iteration; walking does not mutate.
  return const_cast<List&>(l);
}

// A char-sized field as `dt` prints it: 0 ''  /  0x1 ''
std::string dt_byte(unsigned v) { return v ? fmt::format("0x{:x} ''", v) : std::string("0 ''"); }

std::string dt_pointer(std::uint64_t v) {
  if (v == 0) return "(null)";
  if (v <= 0xffffffffu) return fmt::format("0x{:x}", v);
  return "0x" + debugger_address(v);
}

constexpr std::uint64_t kLockEntriesOffset = 0x6a0;  // ETHREAD.LockEntries, Win11 22621 (S2)
constexpr std::uint64_t kLockEntrySize = 0x60;
constexpr std::uint64_t kSystemProcess = 0xffff91013dcec040ull;  // the S2 System EPROCESS

std::string wait_block_lines(const ke::Kernel& k, const KTHREAD& t) {
  const ke::KTHREAD_STATE s = ke::KiThreadState(t);
  if (s != ke::KTHREAD_STATE::Waiting && s != ke::KTHREAD_STATE::GateWait) return "";
  std::string out;
  for (std::uint32_t i = 0; i < t.wait_count && t.wait_blocks; ++i) {
    const ke::DISPATCHER_HEADER* o = t.wait_blocks[i].Object;
    if (!o) continue;
    std::string name = o->name.empty() ? object_label(k, o->index) : o->name;
    if (name == "-" && t.waiting_on_lock >= 0)
      name = "(wait block of " + object_label(k, t.waiting_on_lock) + ")";
    out += fmt::format("    {}  {:<22} {}\n", debugger_address(o->address),
                       ke::object_type_name(o->type), name);
  }
  return out;
}

std::string apc_summary(const KTHREAD& t) {
  int special = 0, normal = 0;
  for (const ke::KAPC& a : walk(t.ApcState.ApcListHead[0]))
    (a.kind == ke::ApcKind::Special ? special : normal)++;
  return fmt::format("Kernel {} ({} special, {} normal)  User {}", special + normal, special,
                     normal, t.ApcState.ApcListHead[1].size());
}

// The locks a thread holds (cache-aware slots are shown through their lock), and its KMUTEXes.
std::string holds(const ke::Kernel& k, const KTHREAD& t) {
  const std::vector<const ke::KOBJECT_BASE*> slots = ke::lock_parts(k);
  std::string s;
  for (const ke::KOBJECT_BASE* o : k.objects()) {
    const auto n = std::count(o->holders.begin(), o->holders.end(), &t);
    if (n == 0 || std::find(slots.begin(), slots.end(), o) != slots.end()) continue;
    if (!s.empty()) s += ", ";
    s += fmt::format("{} ({}{})", o->name, lock_hold_mode(*o), n > 1 ? fmt::format(" x{}", n) : "");
  }
  for (const ke::KMUTANT& m : walk(t.MutantListHead)) {
    if (std::find(m.holders.begin(), m.holders.end(), &t) != m.holders.end()) continue;
    if (!s.empty()) s += ", ";
    s += fmt::format("{} (owned, recursion {})", m.name, 1 - m.SignalState);
  }
  return s;
}

std::string lock_entries(const ke::Kernel& k, const KTHREAD& t) {
  std::string out;
  for (std::size_t i = 0; i < t.LockEntries.size(); ++i) {
    const ke::KLOCK_ENTRY& e = t.LockEntries[i];
    if (e.LockState == 0) continue;
    const std::string lock = e.lock ? " (" + e.lock->name + ")" : std::string();
    out += fmt::format("[{}] @ {}\n", i, debugger_address(t.address + kLockEntriesOffset +
                                                            i * kLockEntrySize));
    out += fmt::format("   +0x000 LockUnsafe           : {}{}\n", dt_pointer(e.LockState), lock);
    out += fmt::format("   +0x008 SessionId            : 0x{:x} (0n{})\n", e.SessionId, e.SessionId);
    out += fmt::format("   +0x010 EntryIndex           : {}\n", dt_byte(e.EntryIndex));
    out += fmt::format("   +0x011 WaitingByte          : {}\n", dt_byte(e.WaitingByte));
    out += fmt::format("   +0x012 AcquiredByte         : {}\n", dt_byte(e.AcquiredByte));
    if (e.acquire_count > 1)
      out += fmt::format("          (acquired {} times shared)\n", e.acquire_count);
  }
  if (out.empty()) return out;
  std::string head = "LockEntries (in use):\n";
  if (t.AutoBoostEntriesExhausted) head = "LockEntries (in use; AutoBoostEntriesExhausted):\n";
  return head + out;
}

std::string field(const char* label, const std::string& value) {
  return fmt::format("    {:<26}{}\n", label, value);
}

}  // namespace

std::string render_thread(const ke::Kernel& k, const SourceMap& p, const KTHREAD& t) {
  const engine::Time now = k.engine().now();
  std::string out = fmt::format(
      "THREAD {}  Cid 0004.{:04x}  Teb: 0000000000000000 Win32Thread: 0000000000000000 {}\n",
      debugger_address(t.address), thread_id(t), thread_state_text(t));
  out += wait_block_lines(k, t);
  out += field("Name", t.name);
  out += fmt::format("    {:<26}{}       Image:         System\n", "Owning Process",
                     debugger_address(kSystemProcess));
  if (t.created_by >= 0) out += field("Created by", thread_label(k, t.created_by));
  if (is_blocked(t)) {
    out += field("Wait Start", fmt::format("{} (waiting {})", format_time(t.state_since),
                                           format_time(now - t.state_since)));
    if (t.waiting_on_lock >= 0) {
      const ke::KOBJECT_BASE& l = *k.objects()[static_cast<std::size_t>(t.waiting_on_lock)];
      std::string held;
      for (const KTHREAD* h : l.holders) held += (held.empty() ? "" : ", ") + h->name;
      // A kind with no holders to name says itself why the thread waits (a keyed event: the key).
      std::string why = l.lock_kind && held.empty() ? l.lock_kind->why_blocked(k, l, t) : std::string();
      out += field("Waiting on lock", fmt::format("{} ({} {}), {}", l.name, ke::object_type_name(l.type),
                                                  debugger_address(l.address),
                                                  !why.empty()     ? why
                                                  : held.empty() ? "held by no known thread"
                                                                 : "held by " + held));
    }
  }
  out += field("Irql", fmt::format("{} (WaitIrql {})", ke::irql_name(t.Irql),
                                   ke::irql_name(t.WaitIrql)));
  out += field("KernelApcDisable", std::to_string(t.KernelApcDisable));
  out += field("SpecialApcDisable", std::to_string(t.SpecialApcDisable));
  out += field("ApcState", fmt::format("KernelApcPending {}  KernelApcInProgress {}  UserApcPending {}",
                                       int{t.ApcState.KernelApcPending},
                                       int{t.ApcState.KernelApcInProgress},
                                       int{t.ApcState.UserApcPending}));
  out += field("APC queues", apc_summary(t));
  out += field("Last status", t.last_boolean >= 0 ? (t.last_boolean ? "TRUE" : "FALSE")
                                                  : ke::status_name(t.last_status));
  if (const std::string h = holds(k, t); !h.empty()) out += field("Holds", h);
  if (t.current_step) {
    out += field("Step", describe_step(p, t.current_step));
    if (const std::string src = step_source(p, t.current_step); !src.empty())
      out += field("", src);
  }
  out += "Priority:\n    Current Base AutoBoost\n";
  out += fmt::format("    {:<7} {:<4} {}\n", t.priority, t.BasePriority, t.autoboost_priority);
  out += lock_entries(k, t);
  return out;
}

namespace {

std::vector<const KTHREAD*> view_threads(const ke::Kernel& k, const View& v,
                                         const KTHREAD* current) {
  std::vector<const KTHREAD*> out;
  if (!v.name.empty()) {
    // A thread's own name (Worker[3]) or a template's, for all its instances (Worker[0..],
    // and Worker#1 for a second PsCreateSystemThread of a manual thread).
    for (const KTHREAD* t : k.threads())
      if (t->name == v.name || t->name.starts_with(v.name + "[") || t->name.starts_with(v.name + "#"))
        out.push_back(t);
    return out;
  }
  if (current) return {current};
  return {k.threads().begin(), k.threads().end()};
}

std::string render_threads_view(const ke::Kernel& k, const SourceMap& p,
                                const View& v, const KTHREAD* current) {
  std::string out;
  for (const KTHREAD* t : view_threads(k, v, current)) {
    if (!out.empty()) out += "\n";
    out += render_thread(k, p, *t);
  }
  return out.empty() ? "No such thread.\n" : out;
}

std::string render_waiters_view(const ke::Kernel& k) {
  struct Row {
    int key;
    const KTHREAD* t;
    std::string state, time, reason, on;
  };
  std::vector<Row> rows;
  const engine::Time now = k.engine().now();
  for (const KTHREAD* t : k.threads()) {
    if (!is_blocked(*t)) continue;
    const bool spinning = t->state == engine::TaskState::Running;
    rows.push_back({spinning ? 1000 : t->WaitReason, t, spinning ? "Running" : "Waiting",
                    format_time(now - t->state_since),
                    spinning ? "Spinning" : ke::wait_reason_name(t->WaitReason), waiting_on(k, *t)});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
  std::size_t nw = 4, tw = 4, rw = 6;
  for (const Row& r : rows) {
    nw = std::max(nw, r.t->name.size());
    tw = std::max(tw, r.time.size());
    rw = std::max(rw, r.reason.size());
  }
  const std::string head = fmt::format("Process PID  TID Thread           {:<{}} State   {:>{}} {:<{}} Waiting On\n",
                                       "Name", nw, "Time", tw, "Reason", rw);
  const std::string rule = fmt::format("======= === ==== ================ {} ======= {} {} ==========\n",
                                       std::string(nw, '='), std::string(tw, '='), std::string(rw, '='));
  std::string out = head + rule;
  for (const Row& r : rows)
    out += fmt::format("System    4 {:>4x} {:016x} {:<{}} {:<7} {:>{}} {:<{}} {}\n", thread_id(*r.t),
                       r.t->address, r.t->name, nw, r.state, r.time, tw, r.reason, rw, r.on);
  out += rule + head;
  out += fmt::format("\nThread Count: {}\n", rows.size());
  return out;
}

std::string render_ready_view(const ke::Kernel& k) {
  std::string out;
  const engine::Engine& e = k.engine();
  for (int c = 0; c < e.processors(); ++c) {
    const engine::Cpu& cpu = e.cpu(c);
    if (cpu.running) {
      const KTHREAD& t = ke::as_thread(*cpu.running);
      out += fmt::format("Processor {}: Running THREAD {} ({}) at priority {}\n", c,
                         debugger_address(t.address), t.name, t.priority);
    } else {
      out += fmt::format("Processor {}: Idle\n", c);
    }
    bool any = false;
    for (int pr = engine::kPriorities - 1; pr >= 0; --pr) {
      auto& q = walk(cpu.queue[static_cast<std::size_t>(pr)]);
      if (q.empty()) continue;
      any = true;
      out += fmt::format("Processor {}: Ready Threads at priority {}\n", c, pr);
      for (engine::Task& task : q) {
        const KTHREAD& t = ke::as_thread(task);
        out += fmt::format("    THREAD {}  Cid 0004.{:04x}  Teb: 0000000000000000 Win32Thread: "
                           "0000000000000000 READY on processor {}  {}\n",
                           debugger_address(t.address), thread_id(t), c, t.name);
      }
    }
    if (!any) out += fmt::format("Processor {}: No threads in READY state\n", c);
  }
  return out;
}

const char* apc_kind(ke::ApcKind k) {
  switch (k) {
    case ke::ApcKind::Special: return "Special";
    case ke::ApcKind::Normal: return "Normal";
    case ke::ApcKind::User: return "User";
  }
  return "?";
}

std::string apc_list(const ke::Kernel& k, const ke::ApcList& list, const char* mode) {
  if (list.empty()) return fmt::format("    {} APC list: empty\n", mode);
  std::string out = fmt::format("    {} APC list:\n", mode);
  for (const ke::KAPC& a : walk(list))
    out += fmt::format("      KAPC @ {}  {:<7}  Routine {}  queued by {} at {}\n",
                       debugger_address(a.address), apc_kind(a.kind),
                       a.label.empty() ? "(anonymous)" : a.label, thread_label(k, a.queued_by),
                       format_time(a.queued_at));
  return out;
}

std::string render_apc_view(const ke::Kernel& k) {
  std::string out = "*** Enumerating APCs in all threads\n";
  bool any = false;
  for (const KTHREAD* t : k.threads()) {
    const ke::KAPC_STATE& s = t->ApcState;
    if (s.ApcListHead[0].empty() && s.ApcListHead[1].empty() && !s.KernelApcPending &&
        !s.KernelApcInProgress && !s.UserApcPending)
      continue;
    any = true;
    out += fmt::format("Thread {} {}  KernelApcPending {}  KernelApcInProgress {}  UserApcPending {}\n",
                       debugger_address(t->address), t->name, int{s.KernelApcPending},
                       int{s.KernelApcInProgress}, int{s.UserApcPending});
    out += fmt::format("    Irql {}  KernelApcDisable {}  SpecialApcDisable {}\n",
                       ke::irql_name(t->Irql), t->KernelApcDisable, t->SpecialApcDisable);
    out += apc_list(k, s.ApcListHead[0], "KernelMode");
    out += apc_list(k, s.ApcListHead[1], "UserMode");
  }
  if (!any) out += "No APCs queued.\n";
  return out;
}

std::string view_command(const View& v) {
  switch (v.kind) {
    case ViewKind::thread:
      return v.name.empty() ? "!thread" : "!thread " + v.name;
    case ViewKind::locks: return "!locks";
    case ViewKind::pushlock:
      return v.name.empty() ? "!pushlock" : "!pushlock " + v.name;
    case ViewKind::apc: return "!apc";
    case ViewKind::ready: return "!ready";
    case ViewKind::waiters: return "!waiters";
  }
  return "?";
}

}  // namespace

std::string render_view(const ke::Kernel& k, const SourceMap& p, const View& v,
                        const KTHREAD* current) {
  const int cpu = current && current->cpu >= 0 ? current->cpu : 0;
  std::string out;
  // A view taken by a `dump` step says when, by whom and where, so output read later (or
  // interleaved with other threads' dumps) is placed in the run.
  if (current) {
    const std::string step = describe_step(p, current->current_step);
    out = fmt::format("---- dump at {} by {}{} ----\n", format_time(k.engine().now()),
                      current->name, step.empty() ? "" : ", " + step);
  }
  out += fmt::format("{}: kd> {}\n", cpu, view_command(v));
  switch (v.kind) {
    case ViewKind::thread: return out + render_threads_view(k, p, v, current);
    case ViewKind::locks: return out + render_locks_view(k);
    case ViewKind::pushlock: return out + render_pushlock_view(k, v.name);
    case ViewKind::apc: return out + render_apc_view(k);
    case ViewKind::ready: return out + render_ready_view(k);
    case ViewKind::waiters: return out + render_waiters_view(k);
  }
  return out;
}

}  // namespace kesim::report

namespace kesim::report {

std::optional<View> parse_view(std::string_view text) {
  static constexpr std::array<std::string_view, 6> kNames = {"!thread", "!locks", "!pushlock",
                                                             "!apc",    "!ready", "!waiters"};
  const std::size_t sp = text.find(' ');
  const std::string_view head = text.substr(0, sp);
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (head != kNames[i]) continue;
    View v;
    v.kind = static_cast<ViewKind>(i);
    if (sp != std::string_view::npos) {
      std::string_view rest = text.substr(sp + 1);
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      v.name = std::string(rest);
    }
    return v;
  }
  return std::nullopt;
}

}  // namespace kesim::report
