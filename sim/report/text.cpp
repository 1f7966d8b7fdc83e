// sim/report/text.cpp — the text report of `kesim run`: header, the run's output, the outcome
// explained in a kernel developer's terms (SCENARIO-FORMAT §4: deadlock cycle, hang per thread
// with its causes as steps and its step stack (causes.cpp), bugcheck as `!analyze -v`, failed
// assertion, time limit with where each runaway thread was), findings, the expectation, the
// files at the end, the debugger views of a run that did not complete, and the summary line
// with the trace hash.
// The `!analyze -v` layout follows the S2 session (banner, NAME (code), Arguments, Debugging
// Details); the parameter meanings come from the bugcheck catalogue.
#include <fmt/format.h>

#include "sim/check/catalog.hpp"
#include "sim/ke/ki.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

namespace {

const SourceMap& program_or_empty(const SourceMap* p) { return p ? *p : no_source(); }

// Word-wraps a paragraph at `width` columns (the catalogue's summaries are one line each).
std::string wrap(const std::string& text, std::size_t width) {
  std::string out, line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t sp = text.find(' ', pos);
    const std::string word = text.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
    pos = sp == std::string::npos ? text.size() : sp + 1;
    if (word.empty()) continue;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += line + "\n";
  return out;
}

std::string indent_lines(const std::string& text, const char* prefix) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out += nl > pos ? prefix + text.substr(pos, nl - pos) + "\n" : std::string("\n");
    pos = nl + 1;
  }
  return out;
}

std::string step_block(const SourceMap& p, const void* step, const char* label) {
  if (!step) return "";
  std::string out = fmt::format("{}{}\n", label, describe_step(p, step));
  if (const std::string src = step_source(p, step); !src.empty())
    out += fmt::format("{:{}}{}\n", "", std::string(label).size(), src);
  return out;
}

// The causes of a blocked thread and its step stack, indented under its line.
std::string cause_block(const ke::Kernel& k, const SourceMap& p, const ke::KTHREAD& t,
                        const std::vector<std::int32_t>& order) {
  std::string out;
  for (const std::string& c : thread_causes(k, p, t, order)) out += "        cause: " + c + "\n";
  if (const std::string stack = render_step_stack(p, t, k); !stack.empty())
    out += "        stack:\n" + indent_lines(stack, "          ");
  return out;
}

std::string header(const RunInfo& info, const SourceMap& p) {
  const ke::Kernel& k = *info.kernel;
  const std::string name = p.name(), file = p.file(), description = p.description();
  std::string out = fmt::format("kesim report: {}", name.empty() ? "(unnamed)" : name);
  if (!file.empty()) out += fmt::format(" ({})", file);
  out += "\n";
  std::size_t pos = 0;  // each line of the description, wrapped to the report's width
  while (pos < description.size()) {
    std::size_t nl = description.find('\n', pos);
    if (nl == std::string::npos) nl = description.size();
    out += indent_lines(wrap(description.substr(pos, nl - pos), 77), "  ");
    pos = nl + 1;
  }
  // Jitter is named only when on: a run without it reads as it always did.
  out += fmt::format("  version {}, {} processor{}, seed {}, AutoBoost {}, quantum {}{}{}\n",
                     version_name(k.version()),
                     k.engine().processors(), k.engine().processors() == 1 ? "" : "s", info.seed,
                     k.config().autoboost ? "on" : "off", format_time(k.engine().quantum()),
                     k.verifier() ? ", Driver Verifier on" : "",
                     k.config().jitter_percent > 0 ? fmt::format(", jitter {}%", k.config().jitter_percent) : "");
  return out;
}

std::string deadlock_section(const ke::Kernel& k, const SourceMap& p,
                             const check::RunResult& r) {
  std::string chain;
  for (const check::CycleEdge& e : r.cycle) {
    if (!chain.empty()) chain += " → ";
    chain += fmt::format("{} waits for {} (held by {})", thread_label(k, e.thread), e.waits_for,
                         thread_label(k, e.held_by));
  }
  std::string out = "Outcome: DEADLOCK — a cycle in the wait-for graph\n    " + chain + "\n\n";
  std::vector<std::int32_t> order;
  for (const check::CycleEdge& e : r.cycle) order.push_back(e.thread);
  for (const check::CycleEdge& e : r.cycle) {
    const ke::KTHREAD& t = *k.threads()[static_cast<std::size_t>(e.thread)];
    out += fmt::format("    {}: {} ({}) on {}, held by {}\n", t.name,
                       ke::thread_state_name(ke::KiThreadState(t)), ke::wait_reason_name(t.WaitReason),
                       e.waits_for, thread_label(k, e.held_by));
    out += cause_block(k, p, t, order);
  }
  return out;
}

std::string hang_section(const ke::Kernel& k, const SourceMap& p, const check::RunResult& r) {
  std::string out = "Outcome: HANG — nothing can run again, and there is no cycle\n";
  std::vector<std::int32_t> order;
  for (const check::BlockedThread& b : r.blocked) order.push_back(b.thread);
  for (const check::BlockedThread& b : r.blocked) {
    const ke::KTHREAD& t = *k.threads()[static_cast<std::size_t>(b.thread)];
    out += fmt::format("    {}: {} ({}){} for {}\n", t.name, ke::thread_state_name(b.state),
                       ke::wait_reason_name(b.reason),
                       b.waiting_on.empty() ? "" : " on " + b.waiting_on,
                       format_time(k.engine().now() - b.since));
    out += fmt::format("        why: {}\n", b.why);
    out += cause_block(k, p, t, order);
  }
  return out;
}

// The resource limits of sim/engine/limits.hpp, as the report names them.
std::string limit_description(const std::string& limit) {
  if (limit == "threads") return "threads created in one run (200,000)";
  if (limit == "apcs") return "APCs queued at once (1,000,000)";
  if (limit == "output") return "log and dump output (16 MiB)";
  if (limit == "stack") return "fiber stack depth (raise machine.stack_size)";
  return limit;
}

std::string limit_headline(const ke::Kernel& k, const check::RunResult& r) {
  if (r.limit == "steps")
    return fmt::format("Outcome: TIME LIMIT — the run reached machine.max_steps ({} steps, "
                       "scheduling points and events counted together) at {}\n",
                       k.config().engine.max_steps, format_time(r.virtual_time));
  if (r.limit != "time")
    return fmt::format("Outcome: TIME LIMIT — the run reached kesim's limit on {} (README, "
                       "\"Limits\") at {}\n", limit_description(r.limit), format_time(r.virtual_time));
  return fmt::format("Outcome: TIME LIMIT — virtual time reached machine.time_limit ({})\n",
                     format_time(r.virtual_time));
}

// Where each thread that had not finished was when the limit hit: a runaway loop shows here.
std::string runaway_threads(const ke::Kernel& k, const SourceMap& p) {
  // The first kShown in full: a run stopped at the thread limit has 200,000 of them.
  constexpr std::size_t kShown = 20;
  std::string out;
  std::size_t shown = 0, live = 0;
  for (const ke::KTHREAD* t : k.threads()) {
    if (t->terminated() || t->State == ke::KTHREAD_STATE::Initialized) continue;
    if (++live > kShown) continue;
    ++shown;
    out += fmt::format("    {}: {}\n", t->name, thread_state_text(*t));
    if (const std::string stack = render_step_stack(p, *t, k); !stack.empty())
      out += "        stack:\n" + indent_lines(stack, "          ");
  }
  if (live > shown) out += fmt::format("    ... and {} more threads\n", live - shown);
  return out;
}

std::string limit_section(const ke::Kernel& k, const SourceMap& p, const check::RunResult& r) {
  return limit_headline(k, r) + runaway_threads(k, p);
}

std::string outcome_section(const RunInfo& info, const SourceMap& p) {
  const ke::Kernel& k = *info.kernel;
  const check::RunResult& r = *info.result;
  switch (r.outcome) {
    case check::Outcome::completed:
      return "Outcome: completed — every thread returned or terminated\n";
    case check::Outcome::deadlock: return deadlock_section(k, p, r);
    case check::Outcome::hang: return hang_section(k, p, r);
    case check::Outcome::bugcheck: {
      std::string out = fmt::format("Outcome: BUGCHECK 0x{:x}\n\n", r.bugcheck ? r.bugcheck->code : 0);
      if (r.bugcheck) out += render_bugcheck(k, p, *r.bugcheck);
      return out;
    }
    case check::Outcome::assertion_failed:
      return "Outcome: ASSERTION FAILED\n" +
             indent_lines(step_block(p, r.assertion_step, "at "), "    ") +
             indent_lines(r.assertion, "    ");
    case check::Outcome::time_limit: return limit_section(k, p, r);
  }
  return "";
}

std::string findings_section(const check::Findings* f) {
  if (!f || f->empty()) return "Findings: none\n";
  // The first kShown in full; a 1000-file race would otherwise bury the report (the JSON report
  // has them all).
  constexpr std::size_t kShown = 20;
  std::string out = fmt::format("Findings ({}):\n", f->size());
  for (std::size_t i = 0; i < f->size() && i < kShown; ++i)
    out += fmt::format("    [{}] {}\n", (*f)[i].kind, (*f)[i].message);
  if (f->size() > kShown)
    out += fmt::format("    ... and {} more (all of them in --format json)\n", f->size() - kShown);
  return out;
}

std::string expect_section(const ExpectResult& e) {
  std::string out;
  if (!e.present) out = "Expect: none\n";
  else if (e.met) out = "Expect: met\n";
  else {
    out = "Expect: NOT met\n";
    for (const std::string& m : e.mismatches) out += "    - " + m + "\n";
  }
  if (e.goal.present) {
    out += e.goal.met ? "Goal: reached\n" : "Goal: not reached\n";
    for (const std::string& m : e.goal.mismatches) out += "    - " + m + "\n";
  }
  return out;
}

std::string views_section(const ke::Kernel& k, const SourceMap& p) {
  std::string out;
  View v;
  v.kind = ViewKind::waiters;
  out += "\n" + render_view(k, p, v, nullptr);
  v.kind = ViewKind::locks;
  out += "\n" + render_view(k, p, v, nullptr);
  // A queued APC that can never be delivered is a hang of its own: show the queues then.
  for (const ke::KTHREAD* t : k.threads())
    if (!t->ApcState.ApcListHead[0].empty() || !t->ApcState.ApcListHead[1].empty()) {
      v.kind = ViewKind::apc;
      out += "\n" + render_view(k, p, v, nullptr);
      break;
    }
  for (const ke::KTHREAD* t : k.threads()) {
    if (!is_blocked(*t)) continue;
    out += fmt::format("\n0: kd> !thread {}\n", debugger_address(t->address));
    out += render_thread(k, p, *t);
  }
  return out;
}

}  // namespace

std::string render_bugcheck(const ke::Kernel& k, const SourceMap& p,
                            const ke::BugcheckRecord& b) {
  const std::string stars(79, '*');
  std::string out = stars + "\n";
  out += fmt::format("*{:77}*\n", "");
  out += fmt::format("*{:77}*\n", "                        Bugcheck Analysis");
  out += fmt::format("*{:77}*\n", "");
  out += stars + "\n\n";
  const check::BugcheckInfo* info = check::find_bugcheck(b.code);
  out += fmt::format("{} ({:x})\n", info ? info->name : "UNKNOWN_BUGCHECK", b.code);
  if (info) out += wrap(info->summary, 79);
  out += "Arguments:\n";
  for (int i = 0; i < 4; ++i) {
    const char* meaning = check::bugcheck_param_meaning(b.code, i, b.params[0]);
    out += fmt::format("Arg{}: {:016x}, {}\n", i + 1, b.params[static_cast<std::size_t>(i)],
                       meaning ? meaning : "Reserved");
  }
  out += "\nDebugging Details:\n------------------\n\n";
  out += fmt::format("BUGCHECK_CODE:  {:x}\n\n", b.code);
  for (int i = 0; i < 4; ++i)
    out += fmt::format("BUGCHECK_P{}: {:x}\n\n", i + 1, b.params[static_cast<std::size_t>(i)]);
  out += "PROCESS_NAME:  System\n\n";
  if (b.thread >= 0 && static_cast<std::size_t>(b.thread) < k.threads().size()) {
    const ke::KTHREAD& t = *k.threads()[static_cast<std::size_t>(b.thread)];
    out += fmt::format("THREAD:  {} ({})\n\n", debugger_address(t.address), t.name);
  }
  if (b.step) out += step_block(p, b.step, "STEP:  ") + "\n";
  if (b.thread >= 0 && static_cast<std::size_t>(b.thread) < k.threads().size())
    if (const std::string stack =
            render_step_stack(p, *k.threads()[static_cast<std::size_t>(b.thread)], k);
        !stack.empty())
      out += "STACK_TEXT (scenario frames, innermost first):\n" + stack + "\n";
  out += fmt::format("IRQL:  {} ({})\n\n", ke::irql_name(b.irql), b.irql);
  out += fmt::format("TIME:  {}\n\n", format_time(b.time));
  if (!b.note.empty()) out += "NOTE:  " + b.note + "\n\n";
  std::vector<engine::TraceRecord> recent = const_cast<ke::Kernel&>(k).engine().trace().recent();
  constexpr std::size_t kShown = 32;
  if (recent.size() > kShown) recent.erase(recent.begin(), recent.end() - kShown);
  out += "RECENT_HISTORY (oldest first):\n" + render_history(k, recent) + "\n";
  out += "Followup:     MachineOwner\n---------\n";
  if (b.thread >= 0 && static_cast<std::size_t>(b.thread) < k.threads().size()) {
    const ke::KTHREAD& t = *k.threads()[static_cast<std::size_t>(b.thread)];
    out += fmt::format("\n0: kd> !thread {}\n", debugger_address(t.address));
    out += render_thread(k, p, t);
  }
  return out;
}

std::string render_text(const RunInfo& info) {
  const SourceMap& p = program_or_empty(info.source);
  const ke::Kernel& k = *info.kernel;
  const check::RunResult& r = *info.result;
  std::string out = header(info, p);
  if (!info.output.empty()) {
    out += "\nOutput:\n";
    for (const std::string& line : info.output) out += indent_lines(line, "  ");
  }
  out += "\n" + outcome_section(info, p);
  out += "\n" + findings_section(info.findings);
  out += expect_section(info.expect);
  if (!info.files.empty()) {
    out += fmt::format("\nFiles ({}):\n", info.files.size());
    for (const RunInfo::File& f : info.files)
      out += fmt::format("    {}  {} byte{}\n", f.path, f.size, f.size == 1 ? "" : "s");
  }
  if (r.outcome != check::Outcome::completed) out += views_section(k, p);
  out += fmt::format("\nvirtual time {}, {} events, {} context switches, {} steps, trace hash {:016x}\n",
                     format_time(r.virtual_time), r.events, r.context_switches, r.steps, r.trace_hash);
  return out;
}

}  // namespace kesim::report
