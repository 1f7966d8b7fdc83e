#include "sim/explore/search.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kesim::explore {

namespace {

class SeedSearch final : public Search {
 public:
  SeedSearch(std::string kind, std::uint64_t first) : kind_(std::move(kind)), next_(first) {}
  std::optional<std::string> next() override { return fmt::format("{}:{}", kind_, next_); }
  void record(const ScheduleRun&) override {
    ++runs_;
    ++next_;
  }
  std::string name() const override { return kind_ == "seed" ? "random" : kind_; }
  std::string verdict() const override {
    return fmt::format("{}, {} runs", kind_ == "seed" ? "random" : "POS", runs_);
  }

 private:
  std::string kind_;
  std::uint64_t next_;
};

class PctSearch final : public Search {
 public:
  PctSearch(int depth, std::uint64_t k, std::uint64_t threads, std::uint64_t first)
      : depth_(depth), k_(std::max<std::uint64_t>(k, 1)), threads_(std::max<std::uint64_t>(threads, 1)),
        next_(first) {}
  std::optional<std::string> next() override { return fmt::format("pct:{}:{}:{}", next_, depth_, k_); }
  void record(const ScheduleRun&) override {
    ++runs_;
    ++next_;
  }
  std::string name() const override { return "pct"; }
  std::string verdict() const override {
    return fmt::format("PCT d={}, {} runs: a bug of depth <= {} would be missed with probability <= {:.3g} "
                       "(n={} threads, k={} choice points)",
                       depth_, runs_, depth_, pct_miss_probability(runs_, depth_, threads_, k_), threads_, k_);
  }

 private:
  int depth_;
  std::uint64_t k_, threads_, next_;
};

class DfsSearch final : public Search {
 public:
  DfsSearch(std::optional<int> bound, BoundKind kind, int cap)
      : fixed_(bound.has_value()), bound_(bound.value_or(0)), cap_(cap), kind_(kind) {}
  std::optional<std::string> next() override {
    if (!prefix_) return std::nullopt;
    return dfs_token(*prefix_);
  }
  void record(const ScheduleRun& r) override {
    ++runs_;
    ++tree_;
    if (schedule_cost(r.choices, kind_) == bound_) ++exact_;
    if (auto next = next_dfs_prefix(r.choices, bound_, kind_)) {
      prefix_ = std::move(*next);
      return;
    }
    // The tree of bound_ is done. If none of its schedules needed all of bound_, no schedule
    // needs more (dropping a schedule's last preemption gives one of cost - 1): the whole tree
    // has been run.
    if (bound_ > 0 && exact_ == 0) {
      complete_ = true;
      done_bound_ = bound_ - 1;
      done_count_ = tree_;
      prefix_.reset();
      return;
    }
    done_bound_ = bound_;
    done_count_ = tree_;
    if (fixed_ || bound_ >= cap_) {
      prefix_.reset();
      return;
    }
    ++bound_;
    tree_ = exact_ = 0;
    prefix_ = std::vector<std::uint32_t>{};
  }
  std::string name() const override { return "dfs"; }
  bool exhausted() const override { return complete_ || (fixed_ && done_bound_ >= 0); }
  bool complete() const override { return complete_; }
  std::string verdict() const override {
    const char* unit = kind_ == BoundKind::delays ? "delays" : "preemptions";
    if (complete_)
      return fmt::format("exhaustive: {} schedules (none has more than {} {})", done_count_,
                         done_bound_, unit);
    if (done_bound_ < 0)
      return fmt::format("dfs: {} schedules, not all schedules with {} {} covered", runs_, bound_, unit);
    std::string s = fmt::format("exhaustive up to {} {}: {} schedules", done_bound_, unit, done_count_);
    if (prefix_) s += fmt::format(" ({} of the bound-{} tree run)", tree_, bound_);
    return s;
  }

 private:
  bool fixed_;
  int bound_, cap_;
  BoundKind kind_;
  std::optional<std::vector<std::uint32_t>> prefix_ = std::vector<std::uint32_t>{};
  int tree_ = 0, exact_ = 0;   // schedules of the current bound's tree; those costing exactly bound_
  int done_bound_ = -1, done_count_ = 0;  // the last bound whose tree was run whole
  bool complete_ = false;
};

}  // namespace

std::unique_ptr<Search> make_seed_search(const std::string& kind, std::uint64_t first_seed) {
  return std::make_unique<SeedSearch>(kind, first_seed);
}
std::unique_ptr<Search> make_pct_search(int depth, std::uint64_t k, std::uint64_t threads,
                                        std::uint64_t first_seed) {
  return std::make_unique<PctSearch>(depth, k, threads, first_seed);
}
std::unique_ptr<Search> make_dfs_search(std::optional<int> bound, BoundKind kind, int cap) {
  return std::make_unique<DfsSearch>(bound, kind, cap);
}

}  // namespace kesim::explore
