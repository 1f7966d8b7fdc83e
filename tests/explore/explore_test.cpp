// Exploration strategies: bounded DFS order and bound, tokens, PCT determinism.
#include <gtest/gtest.h>

#include "sim/explore/dfs.hpp"
#include "sim/explore/pct.hpp"

namespace kesim::explore {
namespace {

// A point where every candidate runs on a CPU (no quantum-end alternative) unless `executing`
// says how many do.
ChoicePoint point(std::uint32_t n, std::int32_t current, std::uint32_t pick, std::uint32_t dflt,
                  std::uint32_t executing = ~0u) {
  return ChoicePoint{n, current, pick, dflt, executing == ~0u ? n : executing};
}

TEST(Dfs, NextPrefixTriesTheDeepestPointsAlternativesFirst) {
  // Two points, two candidates each, current 0 both times; the default run picked 0, 0.
  const std::vector<ChoicePoint> run = {point(2, 0, 0, 0), point(2, 0, 0, 0)};
  EXPECT_EQ(next_dfs_prefix(run, 2), (std::vector<std::uint32_t>{0, 1}));
}

TEST(Dfs, TheBoundPrunesSchedulesWithTooManyPreemptions) {
  // The first point already preempted (picked 1 while 0 could continue).
  const std::vector<ChoicePoint> run = {point(2, 0, 1, 0), point(2, 0, 0, 0)};
  EXPECT_EQ(next_dfs_prefix(run, 1), std::nullopt);
  EXPECT_EQ(next_dfs_prefix(run, 2), (std::vector<std::uint32_t>{1, 1}));
}

TEST(Dfs, ChoosingWhenTheCurrentTaskCannotContinueIsNoPreemption) {
  // current -1: the running task blocked; any pick is free of the bound.
  const std::vector<ChoicePoint> run = {point(3, -1, 2, 2)};
  EXPECT_EQ(next_dfs_prefix(run, 0), (std::vector<std::uint32_t>{0}));
  const std::vector<ChoicePoint> second = {point(3, -1, 0, 2)};
  EXPECT_EQ(next_dfs_prefix(second, 0), (std::vector<std::uint32_t>{1}));
  const std::vector<ChoicePoint> last = {point(3, -1, 1, 2)};
  EXPECT_EQ(next_dfs_prefix(last, 0), std::nullopt);
}

TEST(Dfs, AQuantumEndCountsAsAPreemption) {
  // One CPU: the running task (0) may go on, or its quantum may end in favour of a ready task
  // of the same priority (1, a quantum-end alternative): that switch is a preemption.
  const std::vector<ChoicePoint> run = {point(2, 0, 0, 0, 1)};
  EXPECT_EQ(next_dfs_prefix(run, 0), std::nullopt);
  EXPECT_EQ(next_dfs_prefix(run, 1), (std::vector<std::uint32_t>{1}));
  // Even when the current task cannot continue, ending another CPU's quantum is a preemption.
  const std::vector<ChoicePoint> blocked = {point(3, -1, 0, 0, 2)};
  EXPECT_EQ(next_dfs_prefix(blocked, 0), (std::vector<std::uint32_t>{1}));
  const std::vector<ChoicePoint> second = {point(3, -1, 1, 0, 2)};
  EXPECT_EQ(next_dfs_prefix(second, 0), std::nullopt);
  EXPECT_EQ(next_dfs_prefix(second, 1), (std::vector<std::uint32_t>{2}));
}

TEST(Dfs, TokensRoundTrip) {
  EXPECT_EQ(dfs_token({}), "dfs:");
  EXPECT_EQ(dfs_token({0, 1, 3}), "dfs:0.1.3");
  EXPECT_EQ(parse_dfs_token("dfs:0.1.3"), (std::vector<std::uint32_t>{0, 1, 3}));
  EXPECT_EQ(parse_dfs_token("dfs:"), std::vector<std::uint32_t>{});
  EXPECT_EQ(parse_dfs_token("dfs:1."), std::nullopt);
  EXPECT_EQ(parse_dfs_token("dfs:x"), std::nullopt);
  EXPECT_EQ(parse_dfs_token("seed:1"), std::nullopt);
}

TEST(Pct, TokensRoundTripAndRejectBadDepth) {
  const auto t = parse_token("pct:5:3:120");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->text(), "pct:5:3:120");
  EXPECT_EQ(parse_token("pct:5:0:120"), std::nullopt);
  EXPECT_EQ(parse_token("seed:7")->seed, 7u);
}

}  // namespace
}  // namespace kesim::explore
