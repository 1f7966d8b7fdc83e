// sim/explore/search.hpp — one search per strategy, each a source of schedule tokens that
// learns from the runs it asked for; the driver (driver.cpp) runs one, or several in rounds
// (portfolio), under a common schedule and wall-clock budget.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/explore/dfs.hpp"
#include "sim/explore/driver.hpp"

namespace kesim::explore {

class Search {
 public:
  virtual ~Search() = default;
  // The next schedule to run, or nullopt when this search has nothing left.
  virtual std::optional<std::string> next() = 0;
  // The result of the schedule next() returned last.
  virtual void record(const ScheduleRun& r) = 0;
  virtual std::string name() const = 0;     // "random", "pct", "pos", "dfs"
  virtual std::string verdict() const = 0;  // what the runs so far covered
  // dfs: every schedule of the configured bound, or of the whole tree, was run.
  virtual bool exhausted() const { return false; }
  // dfs: the whole tree (not only a bounded part) was run: nothing is left anywhere.
  virtual bool complete() const { return false; }
  // True when the schedule next() returned last is a probe: run for what it tells this shard
  // (the default schedule, whose choice points every shard needs), but owned and counted by
  // another shard.
  virtual bool probing() const { return false; }
  virtual SearchTally tally() const = 0;
  // The token to report for a failing run of `token` (dpor: the dfs: token of its picks).
  virtual std::string report_token(const std::string& token, const ScheduleRun&) const { return token; }
  int runs() const { return runs_; }

 protected:
  int runs_ = 0;
};

// random ("seed:N") or pos ("pos:N"): seeds first_seed, first_seed + 1, ... (a shard: every
// shard.count-th of them).
std::unique_ptr<Search> make_seed_search(const std::string& kind, std::uint64_t first_seed, Shard shard = {});
// PCT of depth d; k and n from a probe run (its choice points and the threads in them).
std::unique_ptr<Search> make_pct_search(int depth, std::uint64_t k, std::uint64_t threads,
                                        std::uint64_t first_seed, Shard shard = {});
// DFS with a fixed bound, or iterative (bound 0, 1, ... up to cap) when `bound` is empty. A
// shard runs the default schedule (counted by shard 0 only) and its own subtrees.
std::unique_ptr<Search> make_dfs_search(std::optional<int> bound, BoundKind kind, int cap, Shard shard = {});

}  // namespace kesim::explore
