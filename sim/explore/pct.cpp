#include "sim/explore/pct.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace kesim::explore {

PctStrategy::PctStrategy(std::uint64_t seed, int depth, std::uint64_t steps)
    : prng_(seed ^ 0x5043540000000000ull), depth_(std::max(depth, 1)) {
  const std::uint64_t k = std::max<std::uint64_t>(steps, 1);
  // d-1 distinct points in [1, k] (fewer when k < d-1: every step is then a change point).
  const std::uint64_t want = std::min<std::uint64_t>(static_cast<std::uint64_t>(depth_ - 1), k);
  while (change_points_.size() < want) {
    const std::uint64_t p = 1 + prng_.below(k);
    if (std::find(change_points_.begin(), change_points_.end(), p) == change_points_.end())
      change_points_.push_back(p);
  }
  // Room for the usual thread counts up front: a run's scheduling points then allocate nothing.
  order_.reserve(16);
  lowered_.reserve(16);
}

// A spinning thread drops to the lowest initial rank, so the thread it waits for can run; a
// priority lowered at a change point stays (it is lower still).
void PctStrategy::on_yield(const engine::Task& t) {
  priority_of(t.index);  // place it first if it is new
  auto it = std::find(order_.begin(), order_.end(), t.index);
  order_.erase(it);
  order_.insert(order_.begin(), t.index);
}

std::uint64_t PctStrategy::priority_of(std::int32_t task) {
  const auto t = static_cast<std::size_t>(task);
  if (t < lowered_.size() && lowered_[t]) return lowered_[t];
  auto it = std::find(order_.begin(), order_.end(), task);
  if (it == order_.end()) {
    // First appearance: a uniformly random rank among the threads seen so far.
    const auto at = static_cast<std::ptrdiff_t>(prng_.below(order_.size() + 1));
    it = order_.insert(order_.begin() + at, task);
  }
  return static_cast<std::uint64_t>(depth_) + static_cast<std::uint64_t>(it - order_.begin());
}

std::size_t PctStrategy::highest(std::span<engine::Task* const> c) {
  // Place every new thread first: an insertion shifts the ranks of those placed before it.
  for (engine::Task* t : c) priority_of(t->index);
  std::size_t best = 0;
  std::uint64_t best_p = priority_of(c[0]->index);
  for (std::size_t i = 1; i < c.size(); ++i) {
    const std::uint64_t p = priority_of(c[i]->index);
    if (p > best_p) best = i, best_p = p;
  }
  return best;
}

std::size_t PctStrategy::choose(std::span<engine::Task* const> c, int) {
  ++choices_;
  std::size_t best = highest(c);
  for (std::size_t i = 0; i < change_points_.size(); ++i) {
    if (change_points_[i] != choices_) continue;
    const auto t = static_cast<std::size_t>(c[best]->index);
    if (lowered_.size() <= t) lowered_.resize(t + 1, 0);
    lowered_[t] = i + 1;  // priority i (1-based), below every initial priority d..d+n-1
    best = highest(c);
  }
  return best;
}

std::string ScheduleToken::text() const {
  if (strategy == "pct")
    return "pct:" + std::to_string(seed) + ":" + std::to_string(depth) + ":" + std::to_string(steps);
  return strategy + ":" + std::to_string(seed);
}

std::optional<ScheduleToken> parse_token(const std::string& s) {
  // At most three numbers (pct's); a fixed array, so parsing a token allocates nothing (an
  // explored schedule's reset path, tests/explore/reset_alloc_test.cpp).
  std::array<std::uint64_t, 3> nums{};
  std::size_t count = 0;
  const auto colon = s.find(':');
  if (colon == std::string::npos) return std::nullopt;
  ScheduleToken t;
  t.strategy = s.substr(0, colon);
  std::size_t pos = colon + 1;
  while (pos <= s.size()) {
    const std::size_t end = std::min(s.find(':', pos), s.size());
    std::uint64_t v = 0;
    const auto r = std::from_chars(s.data() + pos, s.data() + end, v);
    if (r.ec != std::errc{} || r.ptr != s.data() + end || count == nums.size()) return std::nullopt;
    nums[count++] = v;
    pos = end + 1;
  }
  if ((t.strategy == "seed" || t.strategy == "pos") && count == 1) {
    t.seed = nums[0];
    return t;
  }
  if (t.strategy == "pct" && count == 3 && nums[1] >= 1 && nums[1] <= 64) {
    t.seed = nums[0];
    t.depth = static_cast<int>(nums[1]);
    t.steps = nums[2];
    return t;
  }
  return std::nullopt;
}

}  // namespace kesim::explore
