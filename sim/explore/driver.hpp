// sim/explore/driver.hpp — schedules as tokens, and the exploration loop shared by every front
// end (`kesim explore` over a YAML scenario, kesim::explore over a C++ test body). A token names
// one schedule exactly: "seed:N" (a random choice at every scheduling point, PRNG seeded N),
// "pct:SEED:DEPTH:STEPS" or "dfs:P0.P1..." (a prefix of choices, then kesim's default); the
// same token replays under any front end.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/explore/dfs.hpp"

namespace kesim::explore {

// What a token asks of a machine: a seed for the engine's random strategy, or a strategy.
struct Schedule {
  std::optional<std::uint64_t> seed;
  std::unique_ptr<engine::Strategy> strategy;
  PrefixStrategy* prefix = nullptr;  // dfs: the strategy, to read the choice points after the run
};
// nullopt for a token that is not one of the forms above.
std::optional<Schedule> make_schedule(const std::string& token);
inline constexpr const char* kTokenForms = "seed:N, pct:SEED:DEPTH:STEPS or dfs:P0.P1...";

// One schedule run by the front end.
struct ScheduleRun {
  bool failed = false;      // broke the expectation (a finding, an outcome other than expected)
  bool error = false;       // could not run at all (bad input): stop exploring
  std::uint64_t steps = 0;  // scheduling points of the run (PCT spreads its change points there)
  std::vector<ChoicePoint> choices;  // dfs: the choice points met
};
using RunSchedule = std::function<ScheduleRun(const std::string& token)>;

struct Exploration {
  bool found = false;
  bool error = false;
  std::string token;   // the failing (or erroneous) schedule
  int runs = 0;        // schedules tried
  bool exhausted = false;  // dfs: every schedule within the bound was tried
};

// random: seeds 1..runs; pct: PCT with depth bound + 1, change points over the step count of a
// first default run; dfs: every schedule with at most `bound` preemptions, depth first.
// Stops at the first failing schedule.
Exploration explore_schedules(const std::string& strategy, int runs, int bound, const RunSchedule& run);

}  // namespace kesim::explore
