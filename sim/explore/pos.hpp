// sim/explore/pos.hpp — partial-order sampling (Yuan, Yang, Gu: "Partial Order Aware
// Concurrency Sampling", CAV 2018), a simple version. POS gives every pending event a random
// priority, runs the highest, and draws new priorities for the events that race with the one
// that ran. Here a candidate's pending event is its next step; kesim does not know, at a
// scheduling point, which object a candidate's next step touches, so it assumes conservatively
// that every other candidate races and draws theirs again; the thread that ran keeps its
// priority. Without real race information this is not POS's uniform distribution over partial
// orders: a thread that keeps winning holds an ever higher priority, so switches grow rarer
// as a run goes on (long stretches of one thread, preempted at random points — a distribution
// unlike `random`'s, which switches about every other point). Token "pos:SEED".
#pragma once

#include <cstdint>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/engine/prng.hpp"

namespace kesim::explore {

class PosStrategy final : public engine::Strategy {
 public:
  explicit PosStrategy(std::uint64_t seed) : prng_(seed ^ 0x504f530000000000ull) { priority_.reserve(16); }
  // The priority a task holds now (0: none drawn yet); test hook.
  std::uint64_t priority(std::int32_t task) const {
    const auto t = static_cast<std::size_t>(task);
    return t < priority_.size() ? priority_[t] : 0;
  }
  std::size_t choose(std::span<engine::Task* const> candidates, int current) override;
  bool quantum_ends() const override { return true; }
  void on_yield(const engine::Task& t) override { priority_of(t.index) = 1; }  // others first
  // Jitter: a varied duration drawn uniformly (only asked with jitter on).
  std::size_t choose_duration(std::size_t options) override { return prng_.below(options); }

 private:
  std::uint64_t& priority_of(std::int32_t task);
  engine::Prng prng_;
  std::vector<std::uint64_t> priority_;  // by task index; 0: not drawn yet
};

}  // namespace kesim::explore
