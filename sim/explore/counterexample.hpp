// sim/explore/counterexample.hpp — what in a failing dfs schedule matters (issue #9 item 4).
// Given the choice points of a failing run (its picks, and kesim's default at each), it asks
// two questions by running more schedules through a probe (any front end: a YAML scenario, a
// C++ model, a unit test's fake):
//
// 1. Does each non-default choice matter? The schedule is run again with that one pick
//    reverted to the default and every other pick kept by position: the picks before it, the
//    default there, then the same later picks (a later pick that no longer fits its point —
//    fewer candidates there now — falls back to the default, as a dfs token always does). The
//    choice matters when that run no longer fails the same way.
// 2. The critical step: the smallest k such that every schedule that makes the run's first k
//    picks fails the same way — after the step run by pick k-1 the failure was unavoidable.
//    Every schedule failing from prefix k implies the same from k+1 (a subset), so k is
//    found by binary search between 0 and the run's choice points. Each prefix's subtree is
//    explored with iterative preemption bounding (0, 1, 2, … preemptions after the prefix, so a
//    schedule that escapes with few preemptions is met early), until a schedule escapes, the
//    subtree is exhausted, or its run cap is reached — then the claim is "every one of the N
//    continuations checked fails", not "all".
//
// "Fails the same way": breaks the expectation with the same signature (the front end's
// choice: kesim uses the outcome and the bugcheck code). Deterministic: only run caps, never
// the wall clock, decide what is checked.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/explore/dfs.hpp"

namespace kesim::explore {

struct Probe {
  bool failed = false;    // broke the expectation
  bool error = false;     // could not run
  std::string signature;  // how it failed ("deadlock", "bugcheck 0x162"); compared for "the same way"
  std::vector<ChoicePoint> choices;
};
using RunProbe = std::function<Probe(const std::string& token)>;

struct AnalysisLimits {
  int continuation_cap = 2000;  // distinct continuations checked per prefix at most
  int total_cap = 10000;        // schedules run by the whole analysis at most
  std::size_t choice_cap = 64;  // non-default choices checked (the rest listed unchecked)
};

struct ChoiceCheck {
  std::size_t point = 0;     // index among the run's choice points
  bool checked = false;      // false when a cap was reached first
  bool matters = false;      // reverted, the run no longer fails the same way
  bool reverted_failed = false;       // reverted: did it still break the expectation?
  std::string reverted_signature;     // reverted: its signature
  std::string reverted_token;         // the dfs token that was run
};

struct CriticalStep {
  std::size_t prefix = 0;      // choice points fixed: the step is the one run by pick prefix-1 (0: the start)
  int continuations = 0;       // distinct schedules checked from that prefix (all fail the same way)
  bool exhaustive = false;     // they are all the schedules from that prefix
  int max_preemptions = 0;     // exhaustive or not: every continuation with at most this many
                               // preemptions after the prefix was checked (-1: not even the default one)
  std::optional<std::string> escape;  // from prefix-1: a dfs token of a schedule that does not fail the same way
};

struct CounterexampleAnalysis {
  bool failed = false;  // the schedule itself fails (else nothing is analysed)
  std::string signature;
  std::vector<ChoiceCheck> choices;  // the non-default choices, in point order
  std::optional<CriticalStep> critical;
  int runs = 0;            // schedules run by the analysis (cached reruns not counted)
  bool capped = false;     // total_cap was reached: some question was answered from fewer runs
};

// `token` is a dfs token ("dfs:P0.P1…"); `failing` its run (choices recorded). Runs nothing
// and returns failed = false when `failing` did not fail.
CounterexampleAnalysis analyze_counterexample(const std::string& token, const Probe& failing, const RunProbe& probe,
                                              const AnalysisLimits& limits = {});

}  // namespace kesim::explore
