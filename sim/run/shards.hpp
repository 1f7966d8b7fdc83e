// sim/run/shards.hpp — exploration in parts: the §8 result object of one exploration (with
// what merging needs: the shard, the verdict, each search's tally), merging shards' objects
// into one (`kesim explore --merge`), and `--jobs N`: N worker processes on this machine, each
// a shard, merged. A cluster's job array runs the same shards as plain processes
// (tools/cluster/), then merges their JSON files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/explore/driver.hpp"
#include "sim/run/run.hpp"

namespace kesim::run {

// "I/N" (1 <= I <= N <= 100000) → the shard (index I - 1), or nullopt.
std::optional<explore::Shard> parse_shard(const std::string& text);

// The §8 object {"found", "token", "outcome", "schedules", "exhausted", "strategy", "shrunk",
// "wall_ms"} plus "summary", "verdict", "scenario_hash", "shard" ("I/N") and "tallies".
nlohmann::json exploration_json(const ExploreResult& r, const explore::ExploreConfig& c,
                                const std::string& scenario_hash);

// The object as text: section 8's keys first (in their documented, alphabetical order), then
// kesim's additions.
std::string dump_exploration(const nlohmann::json& j);

// One object from the objects of shards 1/N..N/N of the same exploration (any order): found
// if a shard found (the lowest shard's token), schedules summed, the verdict and `exhausted`
// from the merged tallies. nullopt with `error` set when the parts do not fit together.
std::optional<nlohmann::json> merge_shards(const std::vector<nlohmann::json>& parts, std::string* error);

// `--jobs N`: runs shards 1/N..N/N of `config` (itself possibly a shard: its part is split
// again) in N child processes at once and merges them. nullopt with `error` set on failure.
std::optional<nlohmann::json> explore_jobs(const std::string& path, const explore::ExploreConfig& config,
                                           const Options& base, int jobs, std::string* error);

}  // namespace kesim::run
