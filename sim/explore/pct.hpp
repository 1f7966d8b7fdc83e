// sim/explore/pct.hpp — schedule-exploration strategies for the engine's scheduling-point hook.
//
// PCT (Probabilistic Concurrency Testing, Burckhardt et al., ASPLOS 2010): every thread gets a
// distinct random priority above `depth`; at each scheduling point the runnable thread with the
// highest PCT priority runs; at depth-1 randomly chosen points the running thread's priority
// drops below all others. A bug of depth d is found with probability >= 1/(n * k^(d-1)) per run
// (n threads, k steps). Everything is drawn from the engine's own PRNG, so a run is replayed
// exactly from its token "pct:SEED:DEPTH:STEPS".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine/engine.hpp"

namespace kesim::explore {

class PctStrategy final : public engine::Strategy {
 public:
  PctStrategy(std::uint64_t seed, int depth, std::uint64_t steps);
  std::size_t choose(std::span<engine::Task* const> candidates, int current) override;
  bool quantum_ends() const override { return true; }

 private:
  std::uint64_t priority_of(const engine::Task& t);
  engine::Prng prng_;
  int depth_;
  std::uint64_t choices_ = 0;
  std::vector<std::uint64_t> change_points_;  // sorted choice numbers
  std::size_t next_change_ = 0;
  std::map<std::int32_t, std::uint64_t> priority_;  // by task index
  std::uint64_t lowered_ = 0;
};

struct ScheduleToken {
  std::string strategy;  // "seed" or "pct"
  std::uint64_t seed = 0;
  int depth = 0;
  std::uint64_t steps = 0;
  std::string text() const;
};
std::optional<ScheduleToken> parse_token(const std::string& s);

}  // namespace kesim::explore
