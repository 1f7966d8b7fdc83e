// include/kesim/gtest.hpp — GoogleTest helpers for lock-design tests in a user's CI:
//
//   TEST(MyLock, NeverTwoOwners) {
//     EXPECT_TRUE(kesim::testing::NoFailingSchedule({.strategy = "dfs", .bound = 2}, body));
//   }
//
// A failure prints the failing schedule's token (replay it with kesim::replay_model) and its
// report (the outcome explained, `!analyze -v` for a bugcheck, the views).
#pragma once

#include <gtest/gtest.h>

#include "kesim/explore.hpp"

namespace kesim::testing {

// Success when no schedule the exploration tries fails.
inline ::testing::AssertionResult NoFailingSchedule(const ExploreOptions& options, const TestBody& body) {
  const ExploreResult r = explore_model(options, body);
  if (!r.found)
    return ::testing::AssertionSuccess() << r.schedules << " schedules"
                                         << (r.exhausted ? " (the bounded space, exhausted)" : "");
  return ::testing::AssertionFailure() << "schedule " << r.token << " fails ("
                                       << outcome_name(r.outcome) << ") after " << r.schedules
                                       << " schedules; replay it with kesim::replay_model(\""
                                       << r.token << "\", ...)\n"
                                       << r.report;
}

// Success when some schedule fails (a test that a seeded bug is found); `found` receives it.
inline ::testing::AssertionResult SomeScheduleFails(const ExploreOptions& options, const TestBody& body,
                                                    ExploreResult* found = nullptr) {
  const ExploreResult r = explore_model(options, body);
  if (found) *found = r;
  if (r.found) return ::testing::AssertionSuccess() << "schedule " << r.token << " fails";
  return ::testing::AssertionFailure() << "no failing schedule in " << r.schedules << " schedules";
}

}  // namespace kesim::testing
