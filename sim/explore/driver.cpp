// sim/explore/driver.cpp — tokens → strategies, and the exploration loop.
#include "sim/explore/driver.hpp"

#include <fmt/format.h>

#include "sim/explore/pct.hpp"

namespace kesim::explore {

std::optional<Schedule> make_schedule(const std::string& token) {
  Schedule s;
  if (token.empty()) return s;
  if (auto prefix = parse_dfs_token(token)) {
    auto strategy = std::make_unique<PrefixStrategy>(std::move(*prefix));
    s.prefix = strategy.get();
    s.strategy = std::move(strategy);
    return s;
  }
  const auto t = parse_token(token);
  if (!t) return std::nullopt;
  if (t->strategy == "seed") s.seed = t->seed;
  else s.strategy = std::make_unique<PctStrategy>(t->seed, t->depth, t->steps);
  return s;
}

namespace {

Exploration explore_dfs(int runs, int bound, const RunSchedule& run) {
  Exploration out;
  std::vector<std::uint32_t> prefix;  // the empty prefix: kesim's default schedule
  for (int i = 1; i <= runs; ++i) {
    const std::string token = dfs_token(prefix);
    const ScheduleRun r = run(token);
    out.runs = i;
    if (r.failed || r.error) {
      out.found = r.failed;
      out.error = r.error;
      out.token = token;
      return out;
    }
    auto next = next_dfs_prefix(r.choices, bound);
    if (!next) {
      out.exhausted = true;
      return out;
    }
    prefix = std::move(*next);
  }
  return out;
}

}  // namespace

Exploration explore_schedules(const std::string& strategy, int runs, int bound, const RunSchedule& run) {
  if (strategy == "dfs") return explore_dfs(runs, bound, run);
  Exploration out;
  std::uint64_t steps = 1000;
  if (strategy == "pct") {
    const ScheduleRun probe = run("");
    if (probe.error) {
      out.error = true;
      return out;
    }
    steps = probe.steps ? probe.steps : 1;
  }
  for (int i = 1; i <= runs; ++i) {
    const std::string token = strategy == "pct" ? fmt::format("pct:{}:{}:{}", i, bound + 1, steps)
                                                : fmt::format("seed:{}", i);
    const ScheduleRun r = run(token);
    out.runs = i;
    if (!r.failed && !r.error) continue;
    out.found = r.failed;
    out.error = r.error;
    out.token = token;
    return out;
  }
  return out;
}

}  // namespace kesim::explore
