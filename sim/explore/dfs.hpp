// sim/explore/dfs.hpp — bounded depth-first schedule exploration (CHESS-style preemption
// bounding). A schedule is the sequence of picks at the scheduling points where more than one
// task could run. PrefixStrategy replays a prefix of picks, then follows kesim's default policy
// (keep the current task, else the one ready longest) and records every choice point it met;
// next_dfs_prefix() turns one run's record into the next schedule to try, in DFS order,
// skipping schedules with more than `bound` preemptions (switching away from a task that could
// have continued). Token: "dfs:P0.P1.P2…" (the prefix of picks).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine/engine.hpp"

namespace kesim::explore {

struct ChoicePoint {
  std::uint32_t n = 0;        // candidates
  std::int32_t current = -1;  // index of the task that was running, -1 if none could continue
  std::uint32_t pick = 0;     // what ran
  std::uint32_t dflt = 0;     // what the default policy would have picked
  std::uint32_t executing = 0;  // candidates [0, executing) run on a CPU; the rest are quantum ends
};

class PrefixStrategy final : public engine::Strategy {
 public:
  explicit PrefixStrategy(std::vector<std::uint32_t> prefix) : prefix_(std::move(prefix)) {}
  std::size_t choose(std::span<engine::Task* const> candidates, int current) override;
  bool quantum_ends() const override { return true; }
  const std::vector<ChoicePoint>& points() const { return points_; }

 private:
  std::vector<std::uint32_t> prefix_;
  std::vector<ChoicePoint> points_;
};

// The next prefix after a run that recorded `run`, or nullopt when the bounded tree is done.
std::optional<std::vector<std::uint32_t>> next_dfs_prefix(const std::vector<ChoicePoint>& run,
                                                          int bound);

std::string dfs_token(const std::vector<std::uint32_t>& prefix);
std::optional<std::vector<std::uint32_t>> parse_dfs_token(const std::string& token);

}  // namespace kesim::explore
