// sim/report/schedule.hpp — the "Schedule" section of a report of a replayed dfs token (`kesim
// replay` / `run --schedule`): each choice the schedule made that kesim's default would not
// have, in the words of the exploration choice set, whether it matters, and the critical step
// after which the failure was unavoidable. The run layer fills it (sim/run/schedule_analysis.hpp);
// this file only renders it, as text and as the report's "schedule" JSON object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kesim::report {

struct ScheduleChoice {
  std::size_t point = 0;    // index among the run's choice points (0-based, as the token's picks)
  std::int64_t time = 0;    // virtual ns
  std::string kind;         // "preemption", "cpu_order", "event_order" or "duration"
  std::string what;         // "preempt Alice (quantum end) on CPU 0 for Bob"
  std::string chosen, chosen_step;    // the thread that ran and the step it was at ("" for an event)
  std::string instead, instead_step;  // kesim's default there
  std::uint32_t pick = 0, dflt = 0;
  bool checked = false;     // was it reverted and run (false: --no-analysis or a cap)
  bool matters = false;
  std::string reverted;     // checked: what the run did with the default here ("completed", "deadlock")
  bool reverted_failed = false;       // ... and whether it still broke the expectation
  std::string reverted_token;
};

struct ScheduleCritical {
  std::size_t prefix = 0;   // choice points fixed; 0: every schedule fails from the start
  std::int64_t time = 0;
  std::string after;        // "Bob's `t.yaml:21: ExAcquirePushLockExclusive: B`" (prefix > 0)
  std::string thread, step; // the thread and step of that pick ("" for an event)
  int continuations = 0;
  bool exhaustive = false;
  int max_preemptions = 0;  // every continuation with at most this many preemptions was checked
  std::string escape;       // a schedule one pick earlier that does not fail this way, if found
};

struct ScheduleSection {
  std::string token;         // the token as given
  std::size_t points = 0;    // choice points of the run
  bool failed = false;       // the run broke its expectation (else nothing is analysed)
  std::string failure;       // its outcome ("deadlock", "bugcheck 0x162")
  bool analyzed = false;     // false: --no-analysis
  std::vector<ScheduleChoice> choices;
  std::optional<ScheduleCritical> critical;
  int runs = 0;              // schedules the analysis ran
  bool capped = false;       // its run cap was reached
  int continuation_cap = 0;  // the per-prefix cap (for "not all were checked")
};

// "deadlocks", "hangs", "bugchecks (0x162)", ... for "every schedule …".
std::string failure_verb(const std::string& failure);
std::string render_schedule_text(const ScheduleSection& s);
nlohmann::json schedule_json(const ScheduleSection& s);
// The text section as an HTML block (`<h2>Schedule</h2><pre id="schedule">…`) for --html.
std::string render_schedule_html(const ScheduleSection& s);
// The critical-step sentence alone ("critical step: after … every schedule deadlocks (all 12
// continuations checked)"), for `kesim explore`'s summary; "" without one.
std::string critical_sentence(const ScheduleSection& s);
// One line per choice that matters ("choice point 3 at 0 ns: CPU 1 steps Bob before …").
std::vector<std::string> mattering_lines(const ScheduleSection& s);

}  // namespace kesim::report
