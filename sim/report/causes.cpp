// sim/report/causes.cpp — why a thread is stuck, as steps: the end state (SpecialApcDisable -1,
// IRQL APC_LEVEL, a non-signaled event) is explained by the step that produced it, which the
// kernel remembered cheaply while the run went on (KTHREAD::regions_entered_step,
// irql_raised_step, frames; KEVENT::unheard_signal_step; KAPC::queued_step). Also the `k`-style
// step stack of a thread: routine calls, APC frames and the steps they interrupted.
#include <fmt/format.h>

#include <algorithm>

#include "sim/ke/lock_kind.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

namespace {

using ke::KTHREAD;

std::string step_or_unknown(const SourceMap& p, const void* step) {
  const std::string s = describe_step(p, step);
  return s.empty() ? "an unknown step" : "`" + s + "`";
}

std::string apc_kind(const ke::KAPC& apc) {
  if (apc.kind == ke::ApcKind::User) return "user APC";
  return apc.NormalRoutine ? "normal kernel APC" : "special kernel APC";
}

// "normal kernel APC TouchLock, queued by Requester at `file:line: KeInsertQueueApc`".
std::string apc_words(const ke::Kernel& k, const SourceMap& p, const ke::KAPC& apc) {
  std::string out = apc_kind(apc);
  if (!apc.label.empty()) out += " " + apc.label;
  if (apc.queued_by >= 0) {
    out += ", queued by " + thread_label(k, apc.queued_by);
    if (apc.queued_step) out += " at " + step_or_unknown(p, apc.queued_step);
  }
  return out;
}

const ke::KAPC* pending_kernel_apc(const KTHREAD& t) {
  auto& list = const_cast<ke::ApcList&>(t.ApcState.ApcListHead[0]);
  return list.empty() ? nullptr : list.front();
}

// "which is itself hung (above)" when a holder is blocked too.
// `acquired`: " (acquired at `step`)" or "".
std::string holder_words(const KTHREAD& waiter, const KTHREAD& h, const std::string& acquired,
                         const std::vector<std::int32_t>& order) {
  if (&h == &waiter)
    return h.name + " itself" + acquired + ": the thread waits for a lock it already holds";
  if (h.terminated()) return h.name + acquired + ", which has terminated without releasing it";
  const auto self = std::find(order.begin(), order.end(), waiter.index);
  const auto other = std::find(order.begin(), order.end(), h.index);
  if (other == order.end()) return h.name + acquired;
  return fmt::format("{}{}, which is itself hung ({})", h.name, acquired,
                     other < self ? "above" : "below");
}

}  // namespace

std::vector<std::string> thread_causes(const ke::Kernel& k, const SourceMap& p, const KTHREAD& t,
                                       const std::vector<std::int32_t>& blocked) {
  std::vector<std::string> out;
  // Inside an APC: the APC's routine runs on this thread's stack, on top of the interrupted step.
  const std::uint32_t kept = std::min<std::uint32_t>(t.frame_count, ke::kStepFrames);
  for (std::uint32_t i = kept; i-- > 0;) {
    const ke::StepFrame& f = t.frames[i];
    if (!f.apc) continue;
    out.push_back(fmt::format("{} is inside a {}, which interrupted it at {}", t.name,
                              apc_words(k, p, *f.apc), step_or_unknown(p, f.step)));
    break;  // the innermost APC is the one that matters
  }
  if (const ke::KAPC* apc = pending_kernel_apc(t)) {
    if (t.SpecialApcDisable != 0)
      out.push_back(fmt::format(
          "APCs were disabled (SpecialApcDisable {}) by {}; only {} can re-enable them, and only "
          "after this wait ends, so the pending {} is never delivered",
          t.SpecialApcDisable, step_or_unknown(p, t.regions_entered_step[1]), t.name,
          apc_words(k, p, *apc)));
    else if (t.WaitIrql >= ke::APC_LEVEL)
      out.push_back(fmt::format(
          "IRQL was raised to {} by {}; it drops only when {} releases, after this wait, so the "
          "pending {} is never delivered",
          ke::irql_name(t.WaitIrql), step_or_unknown(p, t.irql_raised_step), t.name,
          apc_words(k, p, *apc)));
    else if (apc->NormalRoutine && t.KernelApcDisable != 0)
      out.push_back(fmt::format(
          "normal kernel APCs were disabled (KernelApcDisable {}) by {}; only {} can re-enable "
          "them, after this wait",
          t.KernelApcDisable, step_or_unknown(p, t.regions_entered_step[0]), t.name));
  }
  // A pending APC that cannot be delivered already explains a wait (the I/O completion event
  // of a hung synchronous request was set and reset by earlier requests: no lost wake-up).
  const bool explained_by_apc = !out.empty() && pending_kernel_apc(t);
  if (t.waiting_on_lock >= 0) {
    const ke::KOBJECT_BASE& lock = *k.objects()[static_cast<std::size_t>(t.waiting_on_lock)];
    if (lock.lock_kind) {  // a kind that knows better than its holders (a keyed event)
      if (std::string why = lock.lock_kind->why_blocked(k, lock, t); !why.empty()) out.push_back(std::move(why));
    }
    for (std::size_t i = 0; i < lock.holders.size(); ++i) {
      const void* at = i < lock.holder_steps.size() ? lock.holder_steps[i] : nullptr;
      const std::string acquired = at ? " (acquired at " + step_or_unknown(p, at) + ")" : "";
      out.push_back(fmt::format("{} is held by {}", lock.name,
                                holder_words(t, *lock.holders[i], acquired, blocked)));
    }

  } else if (t.wait_count > 0) {
    for (std::uint32_t i = 0; i < t.wait_count; ++i) {
      const ke::DISPATCHER_HEADER& o = *t.wait_blocks[i].Object;
      if (o.type == ke::KOBJECTS::MutantObject) {
        if (const KTHREAD* owner = static_cast<const ke::KMUTANT&>(o).OwnerThread)
          out.push_back(fmt::format("{} is owned by {}", o.name, holder_words(t, *owner, "", blocked)));
      } else if (o.type == ke::KOBJECTS::EventNotificationObject ||
                 o.type == ke::KOBJECTS::EventSynchronizationObject) {
        const auto& e = static_cast<const ke::KEVENT&>(o);
        if (e.unheard_signal_step && e.SignalState == 0 && !explained_by_apc)
          out.push_back(fmt::format(
              "the wake-up was lost: {} found no thread waiting on {}{}, before {} began to wait",
              step_or_unknown(p, e.unheard_signal_step), e.name,
              e.unheard_signal_pulse ? " (a pulse signals only the threads waiting at that "
                                       "instant, then resets the event)"
                                     : " and the event was reset since",
              t.name));
      }
    }
  }
  return out;
}

std::string render_step_stack(const SourceMap& p, const KTHREAD& t, const ke::Kernel& k) {
  std::vector<std::string> lines;
  auto add_step = [&](const void* step, const char* note) {
    std::string s = describe_step(p, step);
    if (s.empty()) s = "(unknown step)";
    if (const std::string src = step_source(p, step); !src.empty()) s += "    " + src;
    lines.push_back(s + note);
  };
  if (!t.current_step && t.frame_count == 0) return "";
  add_step(t.current_step, "");
  const std::uint32_t kept = std::min<std::uint32_t>(t.frame_count, ke::kStepFrames);
  if (t.frame_count > kept)
    lines.push_back(fmt::format("... {} deeper frames not kept", t.frame_count - kept));
  for (std::uint32_t i = kept; i-- > 0;) {
    const ke::StepFrame& f = t.frames[i];
    if (f.apc) {
      lines.push_back("[" + apc_words(k, p, *f.apc) + "]");
      add_step(f.step, "    <- interrupted by the APC");
    } else {
      add_step(f.step, "");
    }
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) out += fmt::format("#{:02} {}\n", i, lines[i]);
  return out;
}

}  // namespace kesim::report
