#include "sim/explore/pos.hpp"

namespace kesim::explore {

std::uint64_t& PosStrategy::priority_of(std::int32_t task) {
  const auto t = static_cast<std::size_t>(task);
  if (priority_.size() <= t) priority_.resize(t + 1, 0);
  if (priority_[t] == 0) priority_[t] = prng_.next() | 1;  // never 0, the "not drawn" mark
  return priority_[t];
}

std::size_t PosStrategy::choose(std::span<engine::Task* const> c, int) {
  for (engine::Task* t : c) priority_of(t->index);  // draws first, then compares (no resize below)
  std::size_t best = 0;
  for (std::size_t i = 1; i < c.size(); ++i)
    if (priority_of(c[i]->index) > priority_of(c[best]->index)) best = i;
  // Every other candidate's next step may race with the chosen one: draw theirs again.
  for (std::size_t i = 0; i < c.size(); ++i)
    if (c[i]->index != c[best]->index) priority_of(c[i]->index) = prng_.next() | 1;
  return best;
}

}  // namespace kesim::explore
