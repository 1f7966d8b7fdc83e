// sim/explore/driver.hpp — schedules as tokens, and the exploration loop shared by every front
// end (`kesim explore` over a YAML scenario, kesim::explore_model over a C++ test body). A token
// names one schedule exactly: "seed:N" (a random choice at every scheduling point, PRNG seeded
// N), "pct:SEED:DEPTH:K", "pos:SEED" or "dfs:P0.P1..." (a prefix of choices, then kesim's
// default); the same token replays under any front end.
#pragma once

#include <chrono>
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
inline constexpr const char* kTokenForms = "seed:N, pct:SEED:DEPTH:K, pos:SEED or dfs:P0.P1...";

// One schedule run by the front end.
struct ScheduleRun {
  bool failed = false;      // broke the expectation (a finding, an outcome other than expected)
  bool error = false;       // could not run at all (bad input): stop exploring
  std::uint64_t steps = 0;  // scheduling points of the run (the size reported as shrunk steps)
  std::vector<ChoicePoint> choices;  // dfs: the choice points met
  std::uint32_t threads = 0;         // dfs: tasks that took part in a choice
};
using RunSchedule = std::function<ScheduleRun(const std::string& token)>;

inline constexpr const char* kStrategies = "random, pct, pos, dfs, dpor, portfolio";

struct ExploreConfig {
  std::string strategy = "portfolio";  // random | pct | pos | dfs | dpor | portfolio
  int runs = 1000;                      // schedules at most
  std::optional<std::chrono::milliseconds> budget;  // wall clock; whichever of the two first
  std::optional<int> preemption_bound;  // dfs: a fixed bound (else iterative 0, 1, ...)
  std::optional<int> delay_bound;       // dfs: a fixed delay bound instead
  int depth = 3;                        // pct: bug depth d (d - 1 change points)
  int iterative_cap = 10;               // dfs without a bound: the last bound tried
  std::optional<std::uint64_t> seed;    // random / pct / pos / portfolio: first seed is seed + 1 (default 0)
  bool shrink = true;                   // shrink a dfs schedule that fails
  std::chrono::milliseconds shrink_budget{2000};
};

struct Exploration {
  bool found = false;
  bool error = false;
  std::string token;       // the failing (or erroneous) schedule, shrunk when possible
  std::string strategy;    // the strategy that found it (or the one configured)
  int runs = 0;            // schedules tried (including shrinking attempts? no: see shrink_runs)
  int shrink_runs = 0;     // schedules run while shrinking
  bool exhausted = false;  // dfs: the bounded space (fixed bound) or the whole tree was covered
  std::uint64_t from_steps = 0, to_steps = 0;  // shrinking: steps before and after
  bool shrunk = false;     // true if shrinking changed the token
  std::string verdict;     // what was covered when nothing was found
  std::int64_t wall_ms = 0;
};

// Checks the configuration (options that do not apply to the strategy are errors); returns
// the message, or "" when it is valid.
std::string validate(const ExploreConfig& config);

// Runs schedules until one fails, the space is exhausted, `runs` or `budget` is reached.
Exploration explore_schedules(const ExploreConfig& config, const RunSchedule& run);

// The former entry point: random / pct (depth bound + 1) / dfs (preemption bound `bound`).
Exploration explore_schedules(const std::string& strategy, int runs, int bound, const RunSchedule& run);

// Shrinks a failing dfs schedule: each non-default pick becomes the default one in turn, kept
// when the schedule still fails; then trailing default picks are dropped. Time-capped; a token
// that is not dfs comes back unchanged. `runs` counts the schedules it ran.
struct Shrunk {
  std::string token;
  std::uint64_t steps = 0;  // of the shrunk schedule
};
Shrunk shrink_dfs(const std::string& token, const ScheduleRun& failing, const RunSchedule& run,
                  std::chrono::milliseconds budget, int* runs);

// PCT's guarantee: the probability that `runs` runs of depth d all miss a bug of depth <= d,
// with n threads and k choice points: (1 - 1/(n k^(d-1)))^runs.
double pct_miss_probability(int runs, int depth, std::uint64_t threads, std::uint64_t k);

}  // namespace kesim::explore
