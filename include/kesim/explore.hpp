// include/kesim/explore.hpp — schedule exploration from C++, in the style of loom::model: run a
// test body under many schedules and stop at the first one that fails; get its token; replay it
// exactly. The body sets up a machine that is new each time (objects, threads, invariants; the
// machine is built once and reset in place in between, Simulator::reset); a schedule
// fails when the run does not complete (deadlock, hang, bugcheck, a KESIM_ASSERT or invariant,
// the time limit) or, with fail_on_findings, when a checker reports a finding (data race, lock
// order).
//
//   auto r = kesim::explore_model({.strategy = "random", .runs = 500}, [](kesim::Simulator& sim) {
//     auto& word = ...;  sim.spawn("A", ...);  sim.spawn("B", ...);
//   });
//   if (r.found) std::cout << r.report << "replay: " << r.token;
#pragma once

#include <functional>
#include <string>

#include "kesim/simulator.hpp"

namespace kesim {

struct ExploreOptions {
  std::string strategy = "random";  // random | pct | pos | dfs | dpor | portfolio
  int runs = 1000;                  // schedules to try at most
  int bound = 2;                    // dfs: preemption bound; pct: depth - 1; unused by the others
  bool fail_on_findings = true;     // a data_race or lock_order finding fails the schedule
  SimulatorOptions machine;         // processors, version, ... (schedule is set per run)
  long long budget_ms = 0;          // wall-clock budget; 0: none (with runs, whichever first)
};
// Tokens from explore_model carry no scenario hash (there is no scenario file): "seed:5",
// "pct:1:3:40", "pos:2", "dfs:0.1". A found dfs schedule is shrunk (preemptions dropped while
// it still fails) before it is returned. An unknown strategy throws std::invalid_argument.

struct ExploreResult {
  bool found = false;        // a failing schedule
  std::string token;         // its token, for replay_model()
  int schedules = 0;         // schedules run
  bool exhausted = false;    // dfs: the bounded space was covered
  Outcome outcome = Outcome::completed;  // of the failing schedule
  std::string report;        // its text report
  std::string strategy;      // the strategy that found it (portfolio: random, pct or dfs)
  std::string verdict;       // when nothing was found: what was covered
};

using TestBody = std::function<void(Simulator&)>;

ExploreResult explore_model(const ExploreOptions& options, const TestBody& body);

// Reruns one schedule exactly; `sim` afterwards holds the machine for reports and views.
struct Replay {
  std::unique_ptr<Simulator> sim;
  RunResult result;
};
Replay replay_model(const std::string& token, const SimulatorOptions& machine, const TestBody& body);

}  // namespace kesim
