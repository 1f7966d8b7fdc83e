// sim/run/schedule_analysis.cpp — see schedule_analysis.hpp.
#include "sim/run/schedule_analysis.hpp"

#include "sim/ke/objects.hpp"

namespace kesim::run {

std::string KernelTaskDescriber::name(const engine::Task& t) const {
  return static_cast<const ke::KTHREAD&>(t).name;  // every task of a Machine is a KTHREAD
}

std::string KernelTaskDescriber::step(const engine::Task& t) const {
  const void* step = static_cast<const ke::KTHREAD&>(t).current_step;
  if (!step) return {};
  // "file:line: Op" names the operation only; the source line adds its operands
  // ("- ExAcquirePushLockExclusive: B"), which tell the two acquires of an ABBA apart.
  const std::string where = source_.describe_step(step);
  std::string text = source_.step_source(step);
  if (text.rfind("- ", 0) == 0) text.erase(0, 2);
  const std::size_t colon = where.rfind(": ");
  if (colon == std::string::npos) return where;
  const std::string op = where.substr(colon + 2);
  if (text.size() > op.size() && text.rfind(op, 0) == 0 && text[op.size()] == ':')
    return where.substr(0, colon + 2) + text;
  return where;
}

report::ScheduleSection schedule_section(const NarratedRun& run, const explore::RunProbe& probe, bool analyze,
                                         const explore::AnalysisLimits& limits) {
  report::ScheduleSection s;
  s.token = run.token;
  s.points = run.notes.size();
  s.failed = run.failed;
  s.failure = run.signature;
  s.continuation_cap = limits.continuation_cap;
  explore::CounterexampleAnalysis a;
  if (analyze && run.failed) {
    explore::Probe failing;
    failing.failed = true;
    failing.signature = run.signature;
    failing.choices = run.choices;
    a = explore::analyze_counterexample(run.schedule, failing, probe, limits);
    s.analyzed = a.failed;
    s.runs = a.runs;
    s.capped = a.capped;
  }
  std::size_t next_check = 0;
  for (std::size_t i = 0; i < run.notes.size(); ++i) {
    const explore::PointNote& n = run.notes[i];
    if (n.is_default()) continue;
    report::ScheduleChoice c;
    c.point = i;
    c.time = n.time;
    c.kind = explore::choice_kind_name(explore::choice_kind(n));
    c.what = explore::describe_choice(n);
    c.chosen = n.chosen.thread;
    c.chosen_step = n.chosen.step;
    c.instead = n.fallback.thread;
    c.instead_step = n.fallback.step;
    c.pick = n.point.pick;
    c.dflt = n.point.dflt;
    // The analysis lists the same non-default points, in the same order.
    while (next_check < a.choices.size() && a.choices[next_check].point < i) ++next_check;
    if (next_check < a.choices.size() && a.choices[next_check].point == i) {
      const explore::ChoiceCheck& k = a.choices[next_check];
      c.checked = k.checked;
      c.matters = k.matters;
      c.reverted = k.reverted_signature;
      c.reverted_failed = k.reverted_failed;
      c.reverted_token = k.checked ? run.hash + k.reverted_token : std::string();
    }
    s.choices.push_back(std::move(c));
  }
  if (a.critical && s.analyzed) {
    const explore::CriticalStep& k = *a.critical;
    report::ScheduleCritical c;
    c.prefix = k.prefix;
    c.continuations = k.continuations;
    c.exhaustive = k.exhaustive;
    c.max_preemptions = k.max_preemptions;
    if (k.escape) c.escape = run.hash + *k.escape;
    if (k.prefix > 0 && k.prefix <= run.notes.size()) {
      const explore::PointNote& n = run.notes[k.prefix - 1];
      c.time = n.time;
      c.after = explore::describe_pick(n);
      c.thread = n.chosen.thread;
      c.step = n.chosen.step;
    }
    s.critical = c;
  }
  return s;
}

}  // namespace kesim::run

namespace kesim::run {

void add_schedule_fields(nlohmann::json& j, const report::ScheduleSection& s) {
  j["schedule"] = report::schedule_json(s);
  const std::string critical = report::critical_sentence(s);
  j["critical_step"] = critical.empty() ? nlohmann::json(nullptr) : nlohmann::json(critical);
  j["choices_that_matter"] = report::mattering_lines(s);
}

}  // namespace kesim::run
