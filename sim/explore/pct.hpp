// sim/explore/pct.hpp — PCT, Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi,
// Nagarakatte: "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS
// 2010), as published, over the engine's choice points:
//  - initial priorities: a random permutation of d .. d+n-1 over the n threads; a thread gets
//    its place in the permutation when it first appears (inserted at a uniformly random rank
//    among the threads seen so far, which yields a uniform permutation without knowing n);
//  - d-1 change points k_1..k_{d-1}, distinct, uniform among the first k steps *with a real
//    choice* (the engine asks the strategy only when at least two candidates exist, so a
//    choose() call is such a step; k is the choice-point count of a probe run);
//  - at every choice the highest-priority candidate runs; at the choice k_i the thread about to
//    run gets priority i (below every initial priority) and the choice is made again. The
//    lowered priorities follow the change points' index i, not their order in time.
// A bug of depth d is found with probability >= 1/(n * k^(d-1)) per run. Everything is drawn
// from the project's PRNG, so a run is replayed exactly from its token "pct:SEED:DEPTH:K".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/engine/prng.hpp"

namespace kesim::explore {

class PctStrategy final : public engine::Strategy {
 public:
  PctStrategy(std::uint64_t seed, int depth, std::uint64_t steps);
  std::size_t choose(std::span<engine::Task* const> candidates, int current) override;
  bool quantum_ends() const override { return true; }
  void on_yield(const engine::Task& t) override;
  // Jitter: a varied duration drawn uniformly (only asked with jitter on: without it PCT draws
  // exactly what it drew before).
  std::size_t choose_duration(std::size_t options) override { return prng_.below(options); }
  // The change points, indexed by i - 1 (test hook).
  const std::vector<std::uint64_t>& change_points() const { return change_points_; }

 private:
  std::uint64_t priority_of(std::int32_t task);
  std::size_t highest(std::span<engine::Task* const> c);
  engine::Prng prng_;
  int depth_;
  std::uint64_t choices_ = 0;
  std::vector<std::uint64_t> change_points_;  // k_i at [i - 1], not sorted
  std::vector<std::int32_t> order_;            // tasks by initial priority, lowest first
  std::vector<std::uint64_t> lowered_;         // by task index: i after change point i, else 0
};

struct ScheduleToken {
  std::string strategy;  // "seed", "pct" or "pos"
  std::uint64_t seed = 0;
  int depth = 0;
  std::uint64_t steps = 0;
  std::string text() const;
};
std::optional<ScheduleToken> parse_token(const std::string& s);

}  // namespace kesim::explore
