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
#include <string_view>
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
// "rec:TOKEN" runs TOKEN's schedule recording its choice points (as a dfs run does), so a
// schedule of any strategy can be turned into a dfs prefix and shrunk. Never printed.
inline constexpr const char* kRecordPrefix = "rec:";

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

// One of `count` disjoint parts of an exploration (`--shard I/N`, index = I - 1): sampling
// strategies take every count-th run of their seed streams; dfs takes every count-th subtree
// below the default schedule (the schedules that first leave it at the same point with the
// same pick). The parts together cover exactly what one exploration covers.
struct Shard {
  int index = 0;  // 0-based
  int count = 1;
  bool owns(std::uint64_t i) const { return count <= 1 || i % static_cast<std::uint64_t>(count) == static_cast<std::uint64_t>(index); }
};
// What a progress display shows (`kesim explore` on a terminal), passed after every schedule;
// the display decides how often to draw. It only reads: nothing it does changes a result.
struct Progress {
  int runs = 0;                 // schedules so far, shrinking included
  std::string_view strategy;    // the search that ran the last one ("seed", "pct", "dfs", ...)
  bool found = false;           // a failing schedule was found (it is being shrunk)
  std::uint64_t best_steps = 0; // found: steps of the smallest failing schedule so far
};
using ProgressHook = std::function<void(const Progress&)>;

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
  Shard shard;
  ProgressHook progress;                // optional: called after every schedule
};

// What one search covered, in numbers: its verdict is made from them, and shards' tallies
// merge into the one an unsharded exploration would have (merge_tallies).
struct SearchTally {
  std::string name;  // "random", "pos", "pct", "dfs"
  int runs = 0;
  int depth = 0;                       // pct
  std::uint64_t threads = 0, k = 0;    // pct: n and k of the probe run
  BoundKind kind = BoundKind::preemptions;  // dfs
  bool fixed = false;                  // dfs: a fixed bound (else iterative)
  int bound = 0;                       // dfs: the bound being run (or fixed)
  bool complete = false;               // dfs: the whole tree was run
  int first_bound = 0;                 // dfs: the first bound run (the fixed one, else 0)
  std::vector<int> done_counts;        // dfs: schedules of the trees of bounds first_bound, +1, ... run whole
  int partial = 0;                     // dfs: schedules of the unfinished bound's tree
};
std::string tally_verdict(const SearchTally& t);
// The tallies of the same search in every shard → the tally of one exploration.
SearchTally merge_tallies(const std::vector<SearchTally>& shards);

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
  std::vector<SearchTally> tallies;  // per search, for merging shards
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
