#include "sim/explore/dfs.hpp"

#include <algorithm>
#include <charconv>

namespace kesim::explore {

namespace {
// Switching away from a task that could continue, or ending some CPU's quantum.
bool is_preemption(const ChoicePoint& p, std::uint32_t pick) {
  return (p.current >= 0 && pick != static_cast<std::uint32_t>(p.current)) || pick >= p.executing;
}

// Alternatives at a point in the order DFS tries them: the default first, then the others in
// candidate (CPU) order.
std::uint32_t alternative(const ChoicePoint& p, std::uint32_t rank) {
  if (rank == 0) return p.dflt;
  const std::uint32_t i = rank - 1;
  return i < p.dflt ? i : i + 1;
}

std::uint32_t rank_of(const ChoicePoint& p) {
  if (p.pick == p.dflt) return 0;
  return p.pick < p.dflt ? p.pick + 1 : p.pick;
}
int cost(const ChoicePoint& p, std::uint32_t pick, std::uint32_t rank, BoundKind kind) {
  if (kind == BoundKind::delays) return static_cast<int>(rank);
  return is_preemption(p, pick) ? 1 : 0;
}
}  // namespace

int schedule_cost(const std::vector<ChoicePoint>& run, BoundKind kind) {
  int c = 0;
  for (const ChoicePoint& p : run) c += cost(p, p.pick, rank_of(p), kind);
  return c;
}

std::size_t PrefixStrategy::choose(std::span<engine::Task* const> c, int current) {
  ChoicePoint p;
  p.n = static_cast<std::uint32_t>(c.size());
  p.current = current;
  for (engine::Task* t : c)
    tasks_seen_ = std::max(tasks_seen_, static_cast<std::uint32_t>(t->index + 1));
  while (p.executing < p.n && c[p.executing]->state == engine::TaskState::Running) ++p.executing;
  // The default policy (engine::StickyStrategy): keep the current task, else the oldest.
  if (current >= 0) {
    p.dflt = static_cast<std::uint32_t>(current);
  } else {
    for (std::uint32_t i = 1; i < p.executing; ++i)
      if (c[i]->exec_stamp < c[p.dflt]->exec_stamp) p.dflt = i;
  }
  const std::size_t k = choices_++;
  if (dpor_) {
    for (std::size_t i = 0; i < kDporCandidates; ++i)
      p.task[i] = i >= c.size() ? -1 : i < p.executing ? c[i]->index : ChoicePoint::kQuantumEndCandidate;
    wake_sleepers();
  }
  if (k < prefix_.size() && prefix_[k] < p.n) p.pick = prefix_[k];
  else if (dpor_) p.pick = dpor_pick(p);
  else p.pick = after_ ? static_cast<std::uint32_t>(after_->choose(c, current)) : p.dflt;
  if (dpor_) {
    p.picked_task = c[p.pick]->index;
    p.fp.add_task(p.picked_task);
    if (k + 1 >= prefix_.size()) tracking_ = true;  // from the prefix's last point on
    // At the prefix's last point the sleep set given applies; the pick's transition is next.
    // (Its task cannot be asleep there: the search never branches to a sleeping task.)
    if (k + 1 == prefix_.size())
      std::erase_if(sleep_, [&](const SleepEntry& e) { return e.task == c[p.pick]->index; });
  }
  points_.push_back(p);
  return p.pick;
}

// The transition that just ended wakes the sleepers it depends on (dpor, after the prefix).
void PrefixStrategy::wake_sleepers() {
  if (!tracking_ || points_.empty() || sleep_blocked_) return;
  const Footprint& last = points_.back().fp;
  std::erase_if(sleep_, [&](const SleepEntry& e) { return dependent(e.fp, last); });
}

template <class After>
std::size_t PrefixStrategy::timing_point(std::uint32_t n, After chosen) {
  ChoicePoint p;
  p.n = n;
  p.executing = 1;  // every pick but the default (0) is a preemption
  p.instant = true;
  p.task.fill(-1);
  const std::size_t k = choices_++;
  if (dpor_) wake_sleepers();
  if (k < prefix_.size() && prefix_[k] < p.n) p.pick = prefix_[k];
  else if (!after_) p.pick = p.dflt;
  else p.pick = std::min(static_cast<std::uint32_t>(chosen()), n - 1);
  if (k + 1 >= prefix_.size()) tracking_ = true;
  points_.push_back(p);
  return p.pick;
}

std::size_t PrefixStrategy::choose_instant(std::size_t events, bool tasks) {
  return timing_point(static_cast<std::uint32_t>(events + (tasks ? 1 : 0)), [&]() -> std::size_t {
    return after_->instants() ? after_->choose_instant(events, tasks) : 0;
  });
}

std::size_t PrefixStrategy::choose_duration(std::size_t options) {
  return timing_point(static_cast<std::uint32_t>(options), [&] { return after_->choose_duration(options); });
}

void PrefixStrategy::on_switch(std::int32_t index) {
  if (points_.empty() || points_.back().picked_task == index) return;
  wake_sleepers();
  ChoicePoint p;
  p.n = 1;
  p.forced = true;
  p.task.fill(-1);
  p.task[0] = index;
  p.picked_task = index;
  p.fp.add_task(index);
  points_.push_back(p);
}

// After the prefix: the default unless its task sleeps, else the first candidate in DFS order
// whose task does not; when all sleep, the default (this run repeats covered ground from here).
std::uint32_t PrefixStrategy::dpor_pick(const ChoicePoint& p) {
  if (sleep_blocked_) return p.dflt;
  auto asleep = [&](std::uint32_t i) {
    if (i >= kDporCandidates || p.task[i] < 0) return false;
    for (const SleepEntry& e : sleep_)
      if (e.task == p.task[i]) return true;
    return false;
  };
  if (!asleep(p.dflt)) return p.dflt;
  for (std::uint32_t i = 0; i < p.n; ++i)
    if (!asleep(i)) return i;
  sleep_blocked_ = true;
  return p.dflt;
}

int pick_cost(const ChoicePoint& p, std::uint32_t pick, BoundKind kind) {
  const std::uint32_t rank = pick == p.dflt ? 0 : (pick < p.dflt ? pick + 1 : pick);
  return cost(p, pick, rank, kind);
}

std::optional<std::vector<std::uint32_t>> next_dfs_prefix(const std::vector<ChoicePoint>& run,
                                                          int bound, BoundKind kind, std::size_t floor) {
  std::vector<int> preemptions_before(run.size() + 1, 0);
  for (std::size_t i = 0; i < run.size(); ++i)
    preemptions_before[i + 1] = preemptions_before[i] + cost(run[i], run[i].pick, rank_of(run[i]), kind);
  for (std::size_t i = run.size(); i-- > floor;) {
    const ChoicePoint& p = run[i];
    for (std::uint32_t r = rank_of(p) + 1; r < p.n; ++r) {
      const std::uint32_t alt = alternative(p, r);
      if (preemptions_before[i] + cost(p, alt, r, kind) > bound) {
        if (kind == BoundKind::delays) break;  // later ranks cost more still
        continue;
      }
      std::vector<std::uint32_t> prefix;
      prefix.reserve(i + 1);
      for (std::size_t j = 0; j < i; ++j) prefix.push_back(run[j].pick);
      prefix.push_back(alt);
      return prefix;
    }
  }
  return std::nullopt;
}

std::string dfs_token(const std::vector<std::uint32_t>& prefix) {
  std::string s = "dfs:";
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (i) s += '.';
    s += std::to_string(prefix[i]);
  }
  return s;
}

std::optional<std::vector<std::uint32_t>> parse_dfs_token(const std::string& token) {
  if (token.rfind("dfs:", 0) != 0) return std::nullopt;
  std::vector<std::uint32_t> prefix;
  std::size_t pos = 4;
  while (pos < token.size()) {
    const std::size_t end = std::min(token.find('.', pos), token.size());
    std::uint32_t v = 0;
    const auto r = std::from_chars(token.data() + pos, token.data() + end, v);
    if (r.ec != std::errc{} || r.ptr != token.data() + end) return std::nullopt;
    prefix.push_back(v);
    pos = end + 1;
    if (end + 1 == token.size()) return std::nullopt;  // trailing '.'
  }
  return prefix;
}

}  // namespace kesim::explore
