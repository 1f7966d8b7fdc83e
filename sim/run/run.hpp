// sim/run/run.hpp — one scenario end to end: load and validate, run on a fresh kernel with the
// checkers attached, compare with `expect`, render. What the CLI commands call; a test can
// call it too.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/explore/dfs.hpp"
#include "sim/explore/driver.hpp"
#include "sim/report/report.hpp"
#include "sim/report/schedule.hpp"

namespace kesim::run {

enum ExitCode : int { kMet = 0, kNotMet = 1, kBadInput = 2, kInternal = 3 };

struct Options {
  std::optional<std::uint64_t> seed;
  std::optional<int> processors;
  std::string trace_out;  // write the Chrome/Perfetto timeline here
  std::string html_out;   // write the self-contained HTML report here
  std::string schedule;   // a schedule token from `kesim explore` ("HASH/seed:N", "pct:S:D:K", ...);
                          // a HASH/ part must match the file's scenario_hash (else exit 2)
  std::optional<std::int64_t> time_limit;  // virtual ns; overrides machine.time_limit
  std::optional<bool> verifier;            // --verifier: Driver Verifier's checks on
  // A dfs schedule token: add the "Schedule" section (report::ScheduleSection) to the report —
  // the choices that differ from kesim's default, and with `analyze_schedule` which of them
  // matter and the critical step (more schedules are run: sim/run/schedule_analysis.hpp).
  bool schedule_section = false;
  bool analyze_schedule = true;
  std::optional<int> jitter;               // --jitter PCT: overrides machine.jitter (0 turns it off)
};

struct Result {
  std::string file;
  int exit_code = kMet;
  std::string diagnostics;  // load/setup errors (exit 2), already formatted
  std::string text;         // the text report
  nlohmann::json json;      // the JSON report (null for bad input)
  report::ExpectResult expect;
  std::string outcome;      // outcome name ("" for bad input)
  std::string summary;      // one line for `kesim test`
  std::vector<explore::ChoicePoint> choices;  // the choice points met (dfs schedules only)
  std::uint32_t choice_threads = 0;           // dfs schedules: tasks that took part in a choice
  std::uint64_t steps = 0;                    // scheduling points of the run
  std::string signature;                      // how it ended: the outcome, plus " 0xCODE" for a bugcheck
  std::optional<report::ScheduleSection> schedule;  // Options::schedule_section with a dfs token
};

Result run_file(const std::string& path, const Options& opt);

// Where one scenario's --trace-out/--html goes when several scenarios run: the scenario file's
// stem before the output's extension ("t.json", "dir/deadlock.yaml" -> "t.deadlock.json").
std::string per_scenario_path(const std::string& out, const std::string& scenario);
// The per-scenario outputs of `files`, or "" with `error` set when two scenarios share a stem
// (their outputs would overwrite each other). One file: `out` itself.
std::vector<std::string> per_scenario_paths(const std::string& out, const std::vector<std::string>& files,
                                            std::string* error);

// `kesim explore`: runs the scenario under many schedules until one breaks its expectation
// (sim/explore/driver.hpp: the strategies, budget and shrinking). The token printed starts
// with the scenario's hash ("a1b2c3d4/dfs:0.1").
struct ExploreResult {
  int exit_code = kMet;        // kMet nothing found, kNotMet found, 2/3 errors
  std::string token;           // the breaking schedule, for `kesim replay --schedule`
  std::string summary;         // what broke
  std::string outcome;         // the breaking schedule's outcome
  int runs = 0;                // schedules tried
  bool exhausted = false;      // dfs: every schedule within the bound (or all) was tried
  std::string diagnostics;
  explore::Exploration exploration;  // strategy, verdict, shrinking, wall time
  std::string scenario_hash;         // of the file's bytes (the token's prefix)
  // The printed token's Schedule section (Options::schedule_section of `base`; never in a
  // shard of several, whose token the merge may not keep).
  std::optional<report::ScheduleSection> schedule;
};
ExploreResult explore(const std::string& path, const explore::ExploreConfig& config, const Options& base);
ExploreResult explore(const std::string& path, const std::string& strategy, int runs, int bound,
                      const Options& base);
// Validates only (`kesim check`).
Result check_file(const std::string& path);

}  // namespace kesim::run
