#include "sim/explore/search.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kesim::explore {

std::string tally_verdict(const SearchTally& t) {
  if (t.name == "random" || t.name == "pos")
    return fmt::format("{}, {} runs", t.name == "random" ? "random" : "POS", t.runs);
  if (t.name == "pct")
    return fmt::format("PCT d={}, {} runs: a bug of depth <= {} would be missed with probability <= {:.3g} "
                       "(n={} threads, k={} choice points)",
                       t.depth, t.runs, t.depth, pct_miss_probability(t.runs, t.depth, t.threads, t.k), t.threads,
                       t.k);
  if (t.name == "dpor")
    return t.complete ? fmt::format("exhaustive: {} schedules", t.runs)
                      : fmt::format("dpor: {} schedules, not exhaustive", t.runs);
  const char* unit = t.kind == BoundKind::delays ? "delays" : "preemptions";
  const int done_bound = t.first_bound + static_cast<int>(t.done_counts.size()) - 1;
  if (t.complete)
    return fmt::format("exhaustive: {} schedules (none has more than {} {})", t.done_counts.back(), done_bound - 1,
                       unit);
  if (t.done_counts.empty())
    return fmt::format("dfs: {} schedules, not all schedules with {} {} covered", t.runs, t.bound, unit);
  std::string s = fmt::format("exhaustive up to {} {}: {} schedules", done_bound, unit, t.done_counts.back());
  if (t.bound > done_bound) s += fmt::format(" ({} of the bound-{} tree run)", t.partial, t.bound);
  return s;
}

SearchTally merge_tallies(const std::vector<SearchTally>& shards) {
  SearchTally m;
  if (shards.empty()) return m;
  m = shards.front();
  m.runs = 0;
  m.partial = 0;
  for (const SearchTally& t : shards) {
    m.runs += t.runs;
    m.threads = std::max(m.threads, t.threads);
    m.k = std::max(m.k, t.k);
  }
  if (m.name != "dfs") return m;
  // A bound's tree is covered when every shard covered its part of it; a shard that ran its
  // whole subtree set at bound b covers every larger bound too (it has nothing more).
  m.complete = std::all_of(shards.begin(), shards.end(), [](const SearchTally& t) { return t.complete; });
  std::size_t bounds = 0;
  for (const SearchTally& t : shards) bounds = std::max(bounds, t.done_counts.size());
  if (!m.complete)
    for (const SearchTally& t : shards)
      if (!t.complete) bounds = std::min(bounds, t.done_counts.size());
  m.done_counts.assign(bounds, 0);
  for (std::size_t b = 0; b < bounds; ++b)
    for (const SearchTally& t : shards)
      m.done_counts[b] += b < t.done_counts.size() ? t.done_counts[b] : t.done_counts.back();
  const int next_bound = m.first_bound + static_cast<int>(bounds);
  m.bound = m.complete ? next_bound - 1 : next_bound;
  if (m.fixed) m.bound = m.first_bound;
  for (const SearchTally& t : shards)
    if (t.bound == next_bound && !t.complete) m.partial += t.partial;
  return m;
}

namespace {

class SeedSearch final : public Search {
 public:
  SeedSearch(std::string kind, std::uint64_t first, Shard shard)
      : kind_(std::move(kind)), next_(first + static_cast<std::uint64_t>(shard.index)),
        step_(static_cast<std::uint64_t>(std::max(shard.count, 1))) {}
  std::optional<std::string> next() override { return fmt::format("{}:{}", kind_, next_); }
  void record(const ScheduleRun&) override {
    ++runs_;
    next_ += step_;
  }
  std::string name() const override { return kind_ == "seed" ? "random" : kind_; }
  std::string verdict() const override { return tally_verdict(tally()); }
  SearchTally tally() const override {
    SearchTally t;
    t.name = name();
    t.runs = runs_;
    return t;
  }

 private:
  std::string kind_;
  std::uint64_t next_, step_;
};

class PctSearch final : public Search {
 public:
  PctSearch(int depth, std::uint64_t k, std::uint64_t threads, std::uint64_t first, Shard shard)
      : depth_(depth), k_(std::max<std::uint64_t>(k, 1)), threads_(std::max<std::uint64_t>(threads, 1)),
        next_(first + static_cast<std::uint64_t>(shard.index)),
        step_(static_cast<std::uint64_t>(std::max(shard.count, 1))) {}
  std::optional<std::string> next() override { return fmt::format("pct:{}:{}:{}", next_, depth_, k_); }
  void record(const ScheduleRun&) override {
    ++runs_;
    next_ += step_;
  }
  std::string name() const override { return "pct"; }
  std::string verdict() const override { return tally_verdict(tally()); }
  SearchTally tally() const override {
    SearchTally t;
    t.name = "pct";
    t.runs = runs_;
    t.depth = depth_;
    t.threads = threads_;
    t.k = k_;
    return t;
  }

 private:
  int depth_;
  std::uint64_t k_, threads_, next_, step_;
};

// Depth first over the choice points, bound by bound. Sharded, the schedules other than the
// default one are split by where they first leave it: the subtree (j, v) holds the schedules
// that follow the default up to choice point j and pick v there; shard s runs the subtrees
// whose rank in (j, v) order is s modulo the shard count. Subtrees never overlap and cover
// every schedule but the default one, which shard 0 owns (the others run it once, as a probe,
// to learn the choice points).
class DfsSearch final : public Search {
 public:
  DfsSearch(std::optional<int> bound, BoundKind kind, int cap, Shard shard)
      : fixed_(bound.has_value()), bound_(bound.value_or(0)), first_bound_(bound_), cap_(cap), kind_(kind),
        shard_(shard) {}
  std::optional<std::string> next() override {
    if (!prefix_) return std::nullopt;
    return dfs_token(*prefix_);
  }
  bool probing() const override { return in_default_ && shard_.index != 0; }
  void record(const ScheduleRun& r) override {
    if (!probing()) {
      ++runs_;
      ++tree_;
      if (schedule_cost(r.choices, kind_) == bound_) ++exact_;
    }
    if (in_default_) {
      default_ = r.choices;
      in_default_ = false;
      if (shard_.count > 1) {
        next_subtree_ = 0;
        advance_to_subtree();
        return;
      }
    }
    if (auto next = next_dfs_prefix(r.choices, bound_, kind_, floor_)) {
      prefix_ = std::move(*next);
      return;
    }
    if (shard_.count > 1) {
      advance_to_subtree();
      return;
    }
    end_of_tree();
  }
  std::string name() const override { return "dfs"; }
  bool exhausted() const override { return complete_ || (fixed_ && !done_counts_.empty()); }
  bool complete() const override { return complete_; }
  std::string verdict() const override { return tally_verdict(tally()); }
  SearchTally tally() const override {
    SearchTally t;
    t.name = "dfs";
    t.runs = runs_;
    t.kind = kind_;
    t.fixed = fixed_;
    t.bound = bound_;
    t.complete = complete_;
    t.first_bound = fixed_ ? first_bound_ : 0;
    t.done_counts = done_counts_;
    t.partial = prefix_ ? tree_ : 0;
    return t;
  }

 private:
  // The next subtree this shard owns whose root fits the bound, or the end of the tree.
  void advance_to_subtree() {
    for (;;) {
      // Subtree number n: the n-th (point, alternative) pair in point order, alternatives in
      // DFS rank order (the default excluded).
      std::uint64_t n = 0;
      bool found = false;
      for (std::size_t j = 0; j < default_.size() && !found; ++j) {
        const ChoicePoint& p = default_[j];
        for (std::uint32_t v = 0; v < p.n && !found; ++v) {
          if (v == p.dflt) continue;
          if (n++ != next_subtree_) continue;
          found = true;
          ++next_subtree_;
          if (!shard_.owns(n - 1) || pick_cost(p, v, kind_) > bound_) break;
          std::vector<std::uint32_t> root;
          for (std::size_t i = 0; i < j; ++i) root.push_back(default_[i].pick);
          root.push_back(v);
          prefix_ = std::move(root);
          floor_ = j + 1;
          return;
        }
      }
      if (!found) break;
    }
    end_of_tree();
  }
  void end_of_tree() {
    // The tree of bound_ is done. If none of its schedules needed all of bound_, no schedule
    // needs more (dropping a schedule's last preemption gives one of cost - 1, in the same
    // subtree when the cost is 2 or more): the whole tree has been run.
    done_counts_.push_back(tree_);
    if (bound_ > 0 && exact_ == 0) {
      complete_ = true;
      prefix_.reset();
      return;
    }
    if (fixed_ || bound_ >= cap_) {
      prefix_.reset();
      return;
    }
    ++bound_;
    tree_ = exact_ = 0;
    floor_ = 0;
    if (shard_.count > 1 && shard_.index != 0) {  // the default schedule is shard 0's
      next_subtree_ = 0;
      advance_to_subtree();
      return;
    }
    in_default_ = true;
    prefix_ = std::vector<std::uint32_t>{};
  }

  bool fixed_;
  int bound_, first_bound_, cap_;
  BoundKind kind_;
  Shard shard_;
  std::optional<std::vector<std::uint32_t>> prefix_ = std::vector<std::uint32_t>{};
  int tree_ = 0, exact_ = 0;      // schedules of the current bound's tree; those costing exactly bound_
  std::vector<int> done_counts_;  // per bound whose tree was run whole: its schedules
  bool complete_ = false;
  bool in_default_ = true;            // the schedule running is the default one
  std::vector<ChoicePoint> default_;  // its choice points (sharded: the subtrees' roots)
  std::uint64_t next_subtree_ = 0;
  std::size_t floor_ = 0;             // picks before it are the subtree's root
};

}  // namespace

std::unique_ptr<Search> make_seed_search(const std::string& kind, std::uint64_t first_seed, Shard shard) {
  return std::make_unique<SeedSearch>(kind, first_seed, shard);
}
std::unique_ptr<Search> make_pct_search(int depth, std::uint64_t k, std::uint64_t threads,
                                        std::uint64_t first_seed, Shard shard) {
  return std::make_unique<PctSearch>(depth, k, threads, first_seed, shard);
}
std::unique_ptr<Search> make_dfs_search(std::optional<int> bound, BoundKind kind, int cap, Shard shard) {
  return std::make_unique<DfsSearch>(bound, kind, cap, shard);
}

}  // namespace kesim::explore
