// sim/check/analysis.cpp — the wait-for graph and the outcome. A blocked thread waits for the
// holders of the lock behind its wait (mutex owner, guarded/fast mutex owner, push lock or spin
// lock holders as kesim tracked them), or for a thread object's thread. A cycle is a deadlock
// (abseil graphcycles in spirit); a stall without one is a hang, explained per thread.
#include "sim/check/analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "sim/ke/ki.hpp"
#include "sim/ke/lock_kind.hpp"

namespace kesim {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::completed: return "completed";
    case Outcome::deadlock: return "deadlock";
    case Outcome::hang: return "hang";
    case Outcome::bugcheck: return "bugcheck";
    case Outcome::assertion_failed: return "assertion_failed";
    case Outcome::time_limit: return "time_limit";
  }
  return "?";
}

}  // namespace kesim

namespace kesim::check {

using namespace kesim::ke;

namespace {

bool is_blocked(const KTHREAD& t) {
  const KTHREAD_STATE s = KiThreadState(t);
  if (s == KTHREAD_STATE::Waiting || s == KTHREAD_STATE::GateWait) return true;
  return t.state == engine::TaskState::Running && t.activity == engine::Activity::Stalled;
}

// The lock behind a thread's wait, or -1.
std::int32_t lock_of(const KTHREAD& t) { return t.waiting_on_lock; }

std::string names_of_wait(const Kernel& k, const KTHREAD& t) {
  if (t.waiting_on_lock >= 0) return k.objects()[t.waiting_on_lock]->name;
  std::string s;
  for (std::uint32_t i = 0; i < t.wait_count; ++i) {
    if (!s.empty()) s += ", ";
    s += t.wait_blocks[i].Object->name;
  }
  return s;
}

std::string since(engine::Time t) {
  if (t < 1000) return fmt::format("{} ns", t);
  if (t < 1'000'000) return fmt::format("{:g} us", static_cast<double>(t) / 1e3);
  return fmt::format("{:g} ms", static_cast<double>(t) / 1e6);
}

std::string why_blocked(const Kernel& k, const KTHREAD& t) {
  const auto& kernel_apcs = t.ApcState.ApcListHead[0];
  if (!kernel_apcs.empty()) {
    const KAPC& apc = *const_cast<ApcList&>(kernel_apcs).front();
    const char* kind = apc.NormalRoutine ? "normal kernel APC" : "special kernel APC";
    const std::string what = apc.label.empty() ? kind : std::string(kind) + " " + apc.label;
    if (t.SpecialApcDisable != 0)
      return fmt::format("{} pending, SpecialApcDisable {} since {}: the APC that would complete "
                         "the wait can never be delivered",
                         what, t.SpecialApcDisable, since(t.regions_changed_at[1]));
    if (t.WaitIrql >= APC_LEVEL)
      return fmt::format("{} pending, but the wait began at {}: APCs are not delivered to it",
                         what, irql_name(t.WaitIrql));
    if (apc.NormalRoutine && t.KernelApcDisable != 0)
      return fmt::format("{} pending, KernelApcDisable {} since {}", what, t.KernelApcDisable,
                         since(t.regions_changed_at[0]));
  }
  if (std::int32_t l = lock_of(t); l >= 0) {
    const KOBJECT_BASE& lock = *k.objects()[l];
    if (lock.lock_kind) {  // a kind that knows better than its holders (a keyed event)
      if (std::string why = lock.lock_kind->why_blocked(k, lock, t); !why.empty()) return why;
    }
    if (lock.holders.empty())
      return fmt::format("{} is held by no thread kesim knows of (released by a non-owner?), and "
                         "no release will come",
                         lock.name);
    std::string owners;
    for (const KTHREAD* h : lock.holders) {
      if (!owners.empty()) owners += ", ";
      owners += h->name + (h->terminated() ? " (terminated)" : "");
    }
    return fmt::format("{} is held by {}", lock.name, owners);
  }
  if (t.wait_count > 0) {
    const DISPATCHER_HEADER& o = *t.wait_blocks[0].Object;
    if (o.type == KOBJECTS::MutantObject) {
      const auto& m = static_cast<const KMUTANT&>(o);
      if (m.OwnerThread) return fmt::format("{} is owned by {}", m.name, m.OwnerThread->name);
    }
    if (o.type == KOBJECTS::ThreadObject) return fmt::format("thread {} never terminates", o.name);
    return fmt::format("{} is not signaled and no thread that could signal it can run", o.name);
  }
  if (t.WaitReason == DelayExecution) return "delaying";
  return "nothing will wake it";
}

}  // namespace

std::vector<std::int32_t> waits_for_threads(const Kernel& k, const KTHREAD& t) {
  std::vector<std::int32_t> out;
  if (std::int32_t l = lock_of(t); l >= 0) {
    for (const KTHREAD* h : k.objects()[l]->holders) out.push_back(h->index);
  } else {
    for (std::uint32_t i = 0; i < t.wait_count; ++i) {
      const DISPATCHER_HEADER& o = *t.wait_blocks[i].Object;
      if (o.lock_kind) {  // a KMUTEX: whoever owns it
        std::vector<const KTHREAD*> hs;
        o.lock_kind->holders(o, hs);
        for (const KTHREAD* h : hs) out.push_back(h->index);
      } else if (o.type == KOBJECTS::ThreadObject) {
        for (const KTHREAD* th : k.threads())
          if (&th->Header == &o) out.push_back(th->index);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

RunResult analyse(const Kernel& k, engine::StopReason stop) {
  RunResult r;
  const engine::Engine& e = k.engine();
  r.virtual_time = e.now();
  r.events = const_cast<engine::Engine&>(e).trace().count();
  r.context_switches = e.context_switches();
  r.steps = e.steps();
  r.trace_hash = const_cast<engine::Engine&>(e).trace().hash();

  for (const KTHREAD* t : k.threads()) {
    if (!is_blocked(*t)) continue;
    BlockedThread b;
    b.thread = t->index;
    b.state = KiThreadState(*t);
    b.reason = t->state == engine::TaskState::Running ? WrExecutive : t->WaitReason;
    b.waiting_on = names_of_wait(k, *t);
    b.lock = lock_of(*t);
    b.since = t->state_since;
    b.why = why_blocked(k, *t);
    if (t->state == engine::TaskState::Running) b.why = "spinning: " + b.why;
    r.blocked.push_back(std::move(b));
  }

  if (k.bugcheck_record()) {
    r.outcome = Outcome::bugcheck;
    r.bugcheck = k.bugcheck_record();
    return r;
  }
  if (k.assertion_failure()) {
    r.outcome = Outcome::assertion_failed;
    r.assertion = k.assertion_failure()->first;
    r.assertion_step = k.assertion_failure()->second;
    return r;
  }
  if (stop == engine::StopReason::TimeLimit || stop == engine::StopReason::StepLimit ||
      stop == engine::StopReason::ResourceLimit) {
    r.outcome = Outcome::time_limit;
    // "time", "steps", or the resource limit reached (threads, apcs, output, stack).
    r.limit = stop == engine::StopReason::TimeLimit   ? "time"
              : stop == engine::StopReason::StepLimit ? "steps"
                                                      : e.limit_name();
    return r;
  }
  if (stop == engine::StopReason::AllFinished) {
    r.outcome = Outcome::completed;
    return r;
  }

  // Stalled: look for a cycle among blocked threads, lowest thread index first.
  const std::size_t n = k.threads().size();
  std::vector<int> color(n, 0);  // 0 unvisited, 1 on stack, 2 done
  std::vector<std::int32_t> stack;
  std::vector<std::int32_t> found;
  std::function<bool(std::int32_t)> dfs = [&](std::int32_t v) {
    color[v] = 1;
    stack.push_back(v);
    const KTHREAD& t = *k.threads()[v];
    if (is_blocked(t)) {
      for (std::int32_t w : waits_for_threads(k, t)) {
        if (color[w] == 1) {
          auto it = std::find(stack.begin(), stack.end(), w);
          found.assign(it, stack.end());
          return true;
        }
        if (color[w] == 0 && dfs(w)) return true;
      }
    }
    stack.pop_back();
    color[v] = 2;
    return false;
  };
  for (std::size_t v = 0; v < n && found.empty(); ++v)
    if (color[v] == 0) dfs(static_cast<std::int32_t>(v));

  if (found.empty()) {
    r.outcome = Outcome::hang;
    return r;
  }
  r.outcome = Outcome::deadlock;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const KTHREAD& t = *k.threads()[found[i]];
    CycleEdge edge;
    edge.thread = t.index;
    edge.held_by = found[(i + 1) % found.size()];
    edge.object = lock_of(t);
    edge.waits_for = names_of_wait(k, t);
    r.cycle.push_back(std::move(edge));
  }
  return r;
}

}  // namespace kesim::check
