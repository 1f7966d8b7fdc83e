// tests/explore/shards_test.cpp — `--shard I/N`, `--merge` and `--jobs N` (SCENARIO-FORMAT §8):
// the parts of an exploration are disjoint and together cover what one exploration covers —
// the merged verdict and schedule count equal the unsharded ones for sampling strategies with
// --runs and dfs with a fixed bound; iterative dfs over a whole tree has the same verdict
// (distinct schedules) with fewer reruns; the parts never repeat a schedule.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "sim/explore/search.hpp"
#include "sim/run/shards.hpp"

namespace kesim::run {
namespace {

const std::string kRoot = KESIM_SOURCE_DIR;

nlohmann::json explore_json(const std::string& file, explore::ExploreConfig c) {
  const ExploreResult r = explore(kRoot + "/" + file, c, Options{});
  EXPECT_LT(r.exit_code, kBadInput) << r.diagnostics;
  return exploration_json(r, c, r.scenario_hash);
}

nlohmann::json merged_shards(const std::string& file, explore::ExploreConfig c, int n) {
  std::vector<nlohmann::json> parts;
  for (int i = n; i-- > 0;) {  // any order
    c.shard = {i, n};
    parts.push_back(explore_json(file, c));
  }
  std::string error;
  auto m = merge_shards(parts, &error);
  EXPECT_TRUE(m) << error;
  return m ? *m : nlohmann::json();
}

struct Case {
  const char* file;
  const char* strategy;
  std::optional<int> bound;
  int runs;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.file << " " << c.strategy << (c.bound ? " bound " + std::to_string(*c.bound) : "") << " runs " << c.runs;
}

class ShardsCoverOneExploration : public ::testing::TestWithParam<Case> {};

TEST_P(ShardsCoverOneExploration, SameVerdictAndScheduleCount) {
  const Case& k = GetParam();
  explore::ExploreConfig c;
  c.strategy = k.strategy;
  c.preemption_bound = k.bound;
  c.runs = k.runs;
  const nlohmann::json one = explore_json(k.file, c);
  for (int n : {2, 3}) {
    const nlohmann::json m = merged_shards(k.file, c, n);
    EXPECT_EQ(m["found"], one["found"]) << n;
    // Iterative dfs reruns the smaller bounds' trees; a shard whose part is whole at a smaller
    // bound stops rerunning it, so the parts run fewer reruns — never a different tree (the
    // verdict's distinct count is the same).
    if (k.bound || std::string(k.strategy) != "dfs") EXPECT_EQ(m["schedules"], one["schedules"]) << n;
    else EXPECT_LE(m["schedules"].get<int>(), one["schedules"].get<int>()) << n;
    EXPECT_EQ(m["verdict"], one["verdict"]) << n;
    EXPECT_EQ(m["exhausted"], one["exhausted"]) << n;
  }
  std::string error;
  auto jobs = explore_jobs(kRoot + "/" + k.file, c, Options{}, 3, &error);
  ASSERT_TRUE(jobs) << error;
  EXPECT_EQ((*jobs)["verdict"], one["verdict"]);
  if (k.bound || std::string(k.strategy) != "dfs") EXPECT_EQ((*jobs)["schedules"], one["schedules"]);
}

INSTANTIATE_TEST_SUITE_P(
    Explore, ShardsCoverOneExploration,
    ::testing::Values(Case{"scenarios/basics/semaphore.yaml", "dfs", std::nullopt, 100000},
                      Case{"scenarios/designs/plain_word_locked.yaml", "dfs", 2, 100000},
                      Case{"scenarios/designs/plain_word_locked.yaml", "random", std::nullopt, 50},
                      Case{"scenarios/designs/plain_word_locked.yaml", "pct", std::nullopt, 40},
                      Case{"scenarios/basics/semaphore.yaml", "pos", std::nullopt, 31}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string stem = info.param.file;
      stem = stem.substr(stem.rfind('/') + 1);
      stem = stem.substr(0, stem.find('.'));
      return stem + "_" + info.param.strategy + (info.param.bound ? "_bound" + std::to_string(*info.param.bound) : "");
    });

// The dfs parts are disjoint: no schedule runs in two shards (the default one is shard 0's).
TEST(Shards, DfsSubtreesAreDisjointAndComplete) {
  std::multiset<std::string> seen;
  std::set<std::string> whole;
  explore::ExploreConfig c;
  c.strategy = "dfs";
  c.preemption_bound = 2;
  c.runs = 100000;
  const auto collect = [](std::set<std::string>* into, std::multiset<std::string>* all, explore::Shard shard) {
    auto search = explore::make_dfs_search(2, explore::BoundKind::preemptions, 10, shard);
    // A synthetic tree: 3 choice points of 3 candidates, the default 0 and no current thread
    // (no pick is a preemption but a quantum end, none here): every prefix is one schedule.
    while (auto token = search->next()) {
      const bool probe = search->probing();
      auto prefix = *explore::parse_dfs_token(*token);
      explore::ScheduleRun r;
      for (std::uint32_t i = 0; i < 3; ++i) {
        explore::ChoicePoint p;
        p.n = 3;
        p.executing = 3;
        p.current = -1;
        p.dflt = 0;
        p.pick = i < prefix.size() ? prefix[i] : 0;
        r.choices.push_back(p);
      }
      std::string key;
      for (const auto& p : r.choices) key += std::to_string(p.pick);
      if (!probe) {
        if (into) into->insert(key);
        if (all) all->insert(key);
      }
      search->record(r);
    }
  };
  collect(&whole, nullptr, {});
  EXPECT_EQ(whole.size(), 27u);  // 3 x 3 x 3, nothing bounded away
  for (int i = 0; i < 4; ++i) collect(nullptr, &seen, {i, 4});
  EXPECT_EQ(seen.size(), whole.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), whole);
}

TEST(Shards, ParseAndMergeRefuseWhatDoesNotFit) {
  EXPECT_TRUE(parse_shard("1/1"));
  EXPECT_EQ(parse_shard("3/4")->index, 2);
  for (const char* bad : {"0/3", "4/3", "1/0", "a/b", "1/", "/2", "1/2/3", "-1/2", "1 /2"})
    EXPECT_FALSE(parse_shard(bad)) << bad;
  explore::ExploreConfig c;
  c.strategy = "random";
  c.runs = 6;
  c.shard = {0, 2};
  const nlohmann::json a = explore_json("scenarios/basics/semaphore.yaml", c);
  std::string error;
  EXPECT_FALSE(merge_shards({a}, &error));
  EXPECT_NE(error.find("shard 2/2 is missing"), std::string::npos) << error;
  EXPECT_FALSE(merge_shards({a, a}, &error));
  EXPECT_NE(error.find("given twice"), std::string::npos) << error;
  c.shard = {1, 2};
  nlohmann::json b = explore_json("scenarios/basics/semaphore.yaml", c);
  b["scenario_hash"] = "00000000";
  EXPECT_FALSE(merge_shards({a, b}, &error));
  EXPECT_NE(error.find("different scenarios"), std::string::npos) << error;
  EXPECT_FALSE(merge_shards({nlohmann::json{{"shard", "1/1"}}}, &error));
}

}  // namespace
}  // namespace kesim::run
