// sim/report/schedule.cpp — see schedule.hpp.
#include "sim/report/schedule.hpp"

#include <fmt/format.h>

#include <cctype>

#include "sim/report/html.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

namespace {

using nlohmann::json;

// The outcome as a present-tense verb phrase: "deadlocks", "bugchecks (0x162)".
std::string outcome_verb(const std::string& outcome) {
  if (outcome == "completed") return "completes";
  if (outcome == "deadlock") return "deadlocks";
  if (outcome == "hang") return "hangs";
  if (outcome == "assertion_failed") return "fails an assertion";
  if (outcome == "time_limit") return "reaches its time limit";
  if (outcome.rfind("bugcheck", 0) == 0) {
    const std::string code = outcome.size() > 9 ? outcome.substr(9) : std::string();
    return code.empty() ? "bugchecks" : fmt::format("bugchecks ({})", code);
  }
  return outcome;
}

const char* noun(const std::string& kind) {
  if (kind == "preemption") return "this preemption";
  if (kind == "event_order") return "this event order";
  if (kind == "duration") return "this duration";
  return "this order";
}

std::string verdict_line(const ScheduleChoice& c, const ScheduleSection& s) {
  if (!s.analyzed) return "not checked (--no-analysis)";
  if (!c.checked) return "not checked (the analysis reached its run cap)";
  const std::string run = fmt::format("with kesim's default here the run {}", outcome_verb(c.reverted));
  if (!c.matters) return fmt::format("does not matter: {} too", run);
  if (!c.reverted_failed) return fmt::format("{} matters: {} and meets its expectation", noun(c.kind), run);
  return fmt::format("{} matters: {} instead", noun(c.kind), run);
}

}  // namespace

std::string failure_verb(const std::string& failure) {
  if (failure == "completed") return "breaks its expectation";
  return outcome_verb(failure);
}

std::string critical_sentence(const ScheduleSection& s) {
  if (!s.critical) return {};
  const ScheduleCritical& c = *s.critical;
  std::string checked;
  if (c.exhaustive)
    checked = c.continuations == 1 ? "no choice is left after it"
                                   : fmt::format("all {} continuations checked", c.continuations);
  else
    checked = fmt::format("every one of the {} continuations checked; not all were: the cap is {} a step{}",
                          c.continuations, s.continuation_cap,
                          c.max_preemptions >= 0
                              ? fmt::format(", all with up to {} preemptions included", c.max_preemptions)
                              : std::string());
  const std::string verb = failure_verb(s.failure);
  if (c.prefix == 0) return fmt::format("critical step: none, every schedule {} from the start ({})", verb, checked);
  return fmt::format("critical step: after {} at t = {} (choice point {}), every schedule {} ({})", c.after,
                     format_time(c.time), c.prefix, verb, checked);
}

std::vector<std::string> mattering_lines(const ScheduleSection& s) {
  std::vector<std::string> out;
  for (const ScheduleChoice& c : s.choices)
    if (c.checked && c.matters)
      out.push_back(fmt::format("{} matters: choice point {} at t = {}: {}", noun(c.kind), c.point + 1,
                                format_time(c.time), c.what));
  return out;
}

std::string render_schedule_text(const ScheduleSection& s) {
  std::string out = fmt::format("Schedule {}: {} choice points, {} not kesim's default\n", s.token, s.points,
                                s.choices.size());
  for (const ScheduleChoice& c : s.choices) {
    out += fmt::format("  choice point {} at t = {}: {}\n", c.point + 1, format_time(c.time), c.what);
    // A thread is at the step it runs next (a scheduling point precedes each operation).
    const auto at = [](const std::string& step) {
      return step.empty() ? std::string("had not started its steps") : fmt::format("was at {}", step);
    };
    if (!c.chosen.empty()) out += fmt::format("      {} {}\n", c.chosen, at(c.chosen_step));
    if (!c.instead.empty()) out += fmt::format("      {} {} (kesim's default)\n", c.instead, at(c.instead_step));
    out += fmt::format("      {}\n", verdict_line(c, s));
  }
  if (!s.failed) {
    out += "  The run meets its expectation: there is no failure to explain.\n";
    return out;
  }
  if (!s.analyzed) return out;
  if (const std::string line = critical_sentence(s); !line.empty()) {
    out += fmt::format("  {}{}.\n", char(std::toupper(line[0])), line.substr(1));
    if (!s.critical->escape.empty())
      out += fmt::format("      one pick earlier it was still avoidable: {} does not fail this way\n",
                         s.critical->escape);
  }
  out += fmt::format("  Analysis: {} schedules run{}.\n", s.runs, s.capped ? " (run cap reached)" : "");
  return out;
}

std::string render_schedule_html(const ScheduleSection& s) {
  return "\n<h2>Schedule</h2><pre id=\"schedule\">" + html_escape(render_schedule_text(s)) + "</pre>\n";
}

json schedule_json(const ScheduleSection& s) {
  json choices = json::array();
  for (const ScheduleChoice& c : s.choices) {
    json j = {{"index", c.point},   {"time_ns", c.time},   {"kind", c.kind},       {"what", c.what},
              {"pick", c.pick},     {"default", c.dflt},   {"thread", c.chosen},   {"step", c.chosen_step},
              {"instead", c.instead}, {"instead_step", c.instead_step}, {"checked", c.checked}};
    j["matters"] = c.checked ? json(c.matters) : json(nullptr);
    j["reverted"] = c.checked ? json({{"token", c.reverted_token}, {"outcome", c.reverted}, {"failed", c.reverted_failed}})
                              : json(nullptr);
    choices.push_back(std::move(j));
  }
  json critical = nullptr;
  if (s.critical) {
    const ScheduleCritical& c = *s.critical;
    critical = {{"prefix", c.prefix},
                {"time_ns", c.time},
                {"thread", c.thread},
                {"step", c.step},
                {"continuations", c.continuations},
                {"exhaustive", c.exhaustive},
                {"max_preemptions", c.max_preemptions},
                {"escape", c.escape.empty() ? json(nullptr) : json(c.escape)},
                {"text", critical_sentence(s)}};
  }
  return {{"token", s.token},       {"choice_points", s.points}, {"failed", s.failed},
          {"failure", s.failed ? json(s.failure) : json(nullptr)},
          {"analyzed", s.analyzed}, {"choices", choices},        {"critical_step", critical},
          {"analysis_runs", s.runs}, {"capped", s.capped}};
}

}  // namespace kesim::report
