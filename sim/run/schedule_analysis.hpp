// sim/run/schedule_analysis.hpp — the "Schedule" section of a replayed dfs token (issue #9
// item 4): the run is narrated as it happens (explore::NarratingStrategy around the token's
// PrefixStrategy, which changes no decision: same trace hash), then, if it failed, more
// schedules of the same loaded scenario are run to tell which non-default choices matter and
// where the critical step is (explore::analyze_counterexample). `kesim replay`, `run
// --schedule` and `explore` (for the token it prints) use it; `--no-analysis` keeps only the
// list of choices.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/explore/counterexample.hpp"
#include "sim/explore/narrate.hpp"
#include "sim/report/schedule.hpp"
#include "sim/report/source_map.hpp"

namespace kesim::run {

// Names a simulated thread and the step it is at, for the narration (a Machine's tasks are
// KTHREADs; the source map is the scenario's).
class KernelTaskDescriber final : public explore::TaskDescriber {
 public:
  explicit KernelTaskDescriber(const report::SourceMap& source) : source_(source) {}
  std::string name(const engine::Task& t) const override;
  std::string step(const engine::Task& t) const override;

 private:
  const report::SourceMap& source_;
};

// The failing run's facts, and how to run another schedule of the same scenario.
struct NarratedRun {
  std::string token;       // as given (with its scenario hash, if any)
  std::string schedule;    // the dfs part ("dfs:0.1")
  std::string hash;        // the "HHHHHHHH/" part, or ""
  bool failed = false;
  std::string signature;   // outcome, plus the bugcheck code ("bugcheck 0x162")
  std::vector<explore::ChoicePoint> choices;
  std::vector<explore::PointNote> notes;
};

// The section for `run`. `analyze` false: the list of choices only (no schedule is run).
report::ScheduleSection schedule_section(const NarratedRun& run, const explore::RunProbe& probe, bool analyze,
                                         const explore::AnalysisLimits& limits = {});

// `kesim explore --format json`'s extra fields for the token it prints: "schedule" (the
// report's Schedule object), "critical_step" (the sentence, or null) and "choices_that_matter"
// (one sentence per choice that matters).
void add_schedule_fields(nlohmann::json& exploration, const report::ScheduleSection& s);

}  // namespace kesim::run
