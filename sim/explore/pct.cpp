#include "sim/explore/pct.hpp"

#include <algorithm>
#include <charconv>

namespace kesim::explore {

PctStrategy::PctStrategy(std::uint64_t seed, int depth, std::uint64_t steps)
    : prng_(seed ^ 0x5043540000000000ull), depth_(std::max(depth, 1)) {
  const std::uint64_t k = std::max<std::uint64_t>(steps, 1);
  for (int i = 1; i < depth_; ++i) change_points_.push_back(1 + prng_.below(k));
  std::sort(change_points_.begin(), change_points_.end());
}

std::uint64_t PctStrategy::priority_of(const engine::Task& t) {
  auto [it, inserted] = priority_.try_emplace(t.index, 0);
  // Initial priorities are distinct and all above the depth-1 lowered ones.
  if (inserted) it->second = static_cast<std::uint64_t>(depth_) + 1 + prng_.below(1ull << 40);
  return it->second;
}

std::size_t PctStrategy::choose(std::span<engine::Task* const> c, int) {
  ++choices_;
  std::size_t best = 0;
  for (std::size_t i = 1; i < c.size(); ++i)
    if (priority_of(*c[i]) > priority_of(*c[best])) best = i;
  while (next_change_ < change_points_.size() && change_points_[next_change_] <= choices_) {
    // A priority change point: the thread about to run drops below every other thread.
    priority_[c[best]->index] = ++lowered_;
    ++next_change_;
    best = 0;
    for (std::size_t i = 1; i < c.size(); ++i)
      if (priority_of(*c[i]) > priority_of(*c[best])) best = i;
  }
  return best;
}

std::string ScheduleToken::text() const {
  if (strategy == "pct")
    return "pct:" + std::to_string(seed) + ":" + std::to_string(depth) + ":" + std::to_string(steps);
  return "seed:" + std::to_string(seed);
}

std::optional<ScheduleToken> parse_token(const std::string& s) {
  std::vector<std::uint64_t> nums;
  const auto colon = s.find(':');
  if (colon == std::string::npos) return std::nullopt;
  ScheduleToken t;
  t.strategy = s.substr(0, colon);
  std::size_t pos = colon + 1;
  while (pos <= s.size()) {
    const std::size_t end = std::min(s.find(':', pos), s.size());
    std::uint64_t v = 0;
    const auto r = std::from_chars(s.data() + pos, s.data() + end, v);
    if (r.ec != std::errc{} || r.ptr != s.data() + end) return std::nullopt;
    nums.push_back(v);
    pos = end + 1;
  }
  if (t.strategy == "seed" && nums.size() == 1) {
    t.seed = nums[0];
    return t;
  }
  if (t.strategy == "pct" && nums.size() == 3 && nums[1] >= 1 && nums[1] <= 64) {
    t.seed = nums[0];
    t.depth = static_cast<int>(nums[1]);
    t.steps = nums[2];
    return t;
  }
  return std::nullopt;
}

}  // namespace kesim::explore
