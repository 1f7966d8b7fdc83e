// Counterexamples a person can read (issue #9 item 4): which choices of a failing schedule
// matter, and the critical step after which the failure was unavoidable. First on fake models
// whose answers are known, then on scenarios: the ABBA classroom deadlock and a lost wake-up.
#include <gtest/gtest.h>

#include <filesystem>

#include "sim/explore/counterexample.hpp"
#include "sim/explore/narrate.hpp"
#include "sim/run/run.hpp"

namespace kesim::explore {
namespace {

// A model of `n` binary choice points (2 candidates on 2 CPUs, a current task that could go on,
// default 0): the picks follow the dfs prefix, then the default. `fails` decides on the picks.
RunProbe model(std::size_t n, std::function<bool(const std::vector<std::uint32_t>&)> fails, int* runs = nullptr) {
  return [=](const std::string& token) {
    if (runs) ++*runs;
    std::vector<std::uint32_t> picks(n, 0);
    if (auto p = parse_dfs_token(token))
      for (std::size_t i = 0; i < p->size() && i < n; ++i) picks[i] = (*p)[i] < 2 ? (*p)[i] : 0;
    Probe r;
    for (std::uint32_t x : picks) r.choices.push_back(ChoicePoint{2, 0, x, 0, 2});
    r.failed = fails(picks);
    r.signature = r.failed ? "deadlock" : "completed";
    return r;
  };
}

Probe failing_run(const RunProbe& probe, const std::string& token) {
  Probe p = probe(token);
  EXPECT_TRUE(p.failed) << token;
  return p;
}

TEST(Counterexample, OnlyTheChoiceThatCausesTheFailureMatters) {
  // Fails whenever point 1 picks 1; point 3's pick is along for the ride.
  const RunProbe probe = model(5, [](const auto& p) { return p[1] == 1; });
  const auto a = analyze_counterexample("dfs:0.1.0.1", failing_run(probe, "dfs:0.1.0.1"), probe);
  ASSERT_TRUE(a.failed);
  ASSERT_EQ(a.choices.size(), 2u);
  EXPECT_EQ(a.choices[0].point, 1u);
  EXPECT_TRUE(a.choices[0].checked);
  EXPECT_TRUE(a.choices[0].matters);
  EXPECT_EQ(a.choices[0].reverted_token, "dfs:0.0.0.1");
  EXPECT_EQ(a.choices[0].reverted_signature, "completed");
  EXPECT_EQ(a.choices[1].point, 3u);
  EXPECT_FALSE(a.choices[1].matters);
  EXPECT_TRUE(a.choices[1].reverted_failed);
}

TEST(Counterexample, TheCriticalStepIsTheFirstPickAfterWhichEveryContinuationFails) {
  // Fails when point 1 picks 1: once that pick is made (prefix 2) the failure is unavoidable;
  // with only point 0 fixed the default continuation still escapes.
  const RunProbe probe = model(5, [](const auto& p) { return p[1] == 1; });
  const auto a = analyze_counterexample("dfs:0.1", failing_run(probe, "dfs:0.1"), probe);
  ASSERT_TRUE(a.critical);
  EXPECT_EQ(a.critical->prefix, 2u);
  EXPECT_TRUE(a.critical->exhaustive);
  EXPECT_EQ(a.critical->continuations, 8);  // points 2, 3, 4 free: 2^3 schedules
  ASSERT_TRUE(a.critical->escape);
  EXPECT_EQ(*a.critical->escape, "dfs:0");  // prefix 1, then the default: completes
}

TEST(Counterexample, AFailureThatNeedsTwoChoicesIsCriticalAfterTheSecond) {
  // Fails when points 1 and 3 both pick 1: after point 1 alone it is still avoidable.
  const RunProbe probe = model(5, [](const auto& p) { return p[1] == 1 && p[3] == 1; });
  const auto a = analyze_counterexample("dfs:0.1.0.1", failing_run(probe, "dfs:0.1.0.1"), probe);
  ASSERT_TRUE(a.critical);
  EXPECT_EQ(a.critical->prefix, 4u);
  EXPECT_EQ(a.critical->continuations, 2);
  ASSERT_EQ(a.choices.size(), 2u);
  EXPECT_TRUE(a.choices[0].matters);
  EXPECT_TRUE(a.choices[1].matters);
}

TEST(Counterexample, AFailureOfEveryScheduleIsCriticalFromTheStart) {
  const RunProbe probe = model(3, [](const auto&) { return true; });
  const auto a = analyze_counterexample("dfs:1", failing_run(probe, "dfs:1"), probe);
  ASSERT_TRUE(a.critical);
  EXPECT_EQ(a.critical->prefix, 0u);
  EXPECT_TRUE(a.critical->exhaustive);
  EXPECT_EQ(a.critical->continuations, 8);
  EXPECT_FALSE(a.choices[0].matters);
}

TEST(Counterexample, ADifferentFailureIsNotTheSameFailure) {
  // Reverting point 0 still fails, but with another outcome: the choice matters.
  RunProbe probe = [](const std::string& token) {
    Probe r;
    const auto p = parse_dfs_token(token).value();
    const std::uint32_t first = p.empty() ? 0 : p[0];
    r.choices.push_back(ChoicePoint{2, 0, first, 0, 2});
    r.failed = true;
    r.signature = first == 1 ? "deadlock" : "hang";
    return r;
  };
  const auto a = analyze_counterexample("dfs:1", failing_run(probe, "dfs:1"), probe);
  ASSERT_EQ(a.choices.size(), 1u);
  EXPECT_TRUE(a.choices[0].matters);
  EXPECT_TRUE(a.choices[0].reverted_failed);
  EXPECT_EQ(a.critical->prefix, 1u);
}

TEST(Counterexample, TheCapsMakeASampledClaimNotAnExhaustiveOne) {
  // Every schedule fails: with 12 binary points the tree has 4096; a cap of 100 per prefix
  // checks 100 and says so.
  const RunProbe probe = model(12, [](const auto&) { return true; });
  AnalysisLimits limits;
  limits.continuation_cap = 100;
  const auto a = analyze_counterexample("dfs:1", failing_run(probe, "dfs:1"), probe, limits);
  ASSERT_TRUE(a.critical);
  EXPECT_EQ(a.critical->prefix, 0u);
  EXPECT_FALSE(a.critical->exhaustive);
  EXPECT_EQ(a.critical->continuations, 100);
  EXPECT_GE(a.critical->max_preemptions, 1);  // every single-preemption continuation was among them
}

TEST(Counterexample, TheTotalCapBoundsTheRunsAndClaimsNothingItDidNotCheck) {
  const RunProbe probe = model(12, [](const auto&) { return true; });
  AnalysisLimits limits;
  limits.total_cap = 20;
  int runs = 0;
  const RunProbe counted = [&](const std::string& t) {
    ++runs;
    return probe(t);
  };
  const auto a = analyze_counterexample("dfs:1", failing_run(probe, "dfs:1"), counted, limits);
  EXPECT_LE(runs, 20);
  EXPECT_TRUE(a.capped);
  ASSERT_TRUE(a.critical);
  EXPECT_GT(a.critical->prefix, 0u);  // "every schedule fails" would need all 4096
}

TEST(Counterexample, APassingScheduleIsNotAnalysed) {
  int runs = 0;
  const RunProbe probe = model(3, [](const auto&) { return false; }, &runs);
  const Probe passing = probe("dfs:1");
  const auto a = analyze_counterexample("dfs:1", passing, probe);
  EXPECT_FALSE(a.failed);
  EXPECT_FALSE(a.critical);
  EXPECT_EQ(runs, 1);
}

// The sentences of the choice set, on notes made by hand.
PointNote note(ChoicePoint p, Actor chosen, Actor fallback) {
  PointNote n;
  n.point = p;
  n.chosen = std::move(chosen);
  n.fallback = std::move(fallback);
  return n;
}

TEST(Narrate, EachKindOfChoiceInTheWordsOfTheChoiceSet) {
  const Actor alice{"Alice", "t.yaml:9: ExAcquirePushLockExclusive: A", 0, ""};
  const Actor bob{"Bob", "t.yaml:18: ExAcquirePushLockExclusive: B", 1, ""};
  // Alice could go on (current 0); CPU 1's Bob steps first: a preemption.
  const PointNote before = note(ChoicePoint{2, 0, 1, 0, 2}, bob, alice);
  EXPECT_EQ(describe_choice(before), "CPU 1 steps Bob before CPU 0's Alice goes on");
  EXPECT_EQ(choice_kind(before), ChoiceKind::preemption);
  EXPECT_EQ(describe_pick(before), "Bob's `t.yaml:18: ExAcquirePushLockExclusive: B`");
  // Nobody could go on: the default is the thread executing longest; another is an order.
  const PointNote order = note(ChoicePoint{2, -1, 1, 0, 2}, bob, alice);
  EXPECT_EQ(describe_choice(order), "CPU 1 steps Bob before CPU 0's Alice (executing longer)");
  EXPECT_EQ(choice_kind(order), ChoiceKind::cpu_order);
  // A quantum end: the ready Hog takes Alice's CPU.
  const PointNote quantum = note(ChoicePoint{2, 0, 1, 0, 1}, Actor{"Hog", "", 0, "Alice"}, alice);
  EXPECT_EQ(describe_choice(quantum), "preempt Alice (quantum end) on CPU 0 for Hog");
  EXPECT_EQ(choice_kind(quantum), ChoiceKind::preemption);
  EXPECT_EQ(describe_pick(quantum), "the quantum end that preempts Alice on CPU 0 for Hog");
  // Time as a choice: 3 events due, the tasks could run first.
  ChoicePoint instant{4, -1, 1, 0, 1};
  instant.instant = true;
  PointNote events = note(instant, {}, {});
  events.events = 3;
  events.tasks = true;
  EXPECT_EQ(describe_choice(events), "the 2nd of the 3 events due now fires first (kesim fires them in posting order)");
  EXPECT_EQ(choice_kind(events), ChoiceKind::event_order);
  events.point.pick = 3;
  EXPECT_EQ(describe_choice(events), "the threads run before the 3 events due now");
}

}  // namespace
}  // namespace kesim::explore

namespace kesim::run {
namespace {

namespace fs = std::filesystem;
const fs::path kRoot = KESIM_SOURCE_DIR;

// Explores `file`, then replays the token found with the Schedule section.
Result explore_and_replay(const std::string& file, const char* strategy) {
  const std::string p = (kRoot / file).string();
  const ExploreResult found = explore(p, strategy, 500, 2, {});
  EXPECT_EQ(found.exit_code, 1) << file << " " << strategy;
  Options o;
  o.schedule = found.token;
  o.schedule_section = true;
  return run_file(p, o);
}

// The step of `line` in the critical-step text ("file.yaml:22: ExAcquirePushLockExclusive").
std::string at_line(const std::string& file, int line) { return fs::path(file).filename().string() + ":" + std::to_string(line) + ":"; }

TEST(CounterexampleScenario, AbbaTheSecondThreadsFirstAcquireIsCritical) {
  const std::string file = "scenarios/classroom/abba_found_by_exploration.yaml";
  for (const char* strategy : {"dfs", "random", "pct", "portfolio"}) {
    const Result r = explore_and_replay(file, strategy);
    ASSERT_EQ(r.outcome, "deadlock") << strategy;
    ASSERT_TRUE(r.schedule) << strategy;
    const report::ScheduleSection& s = *r.schedule;
    EXPECT_TRUE(s.failed);
    EXPECT_TRUE(s.analyzed);
    ASSERT_TRUE(s.critical) << strategy;
    // Both threads hold their first lock in a deadlock; the critical step is the first acquire
    // of whichever thread took its first lock second: Alice's A (line 16) or Bob's B (line 24).
    const report::ScheduleCritical& c = *s.critical;
    EXPECT_TRUE(c.exhaustive) << strategy;
    const std::string first_acquire = c.thread == "Bob" ? at_line(file, 24) + " ExAcquirePushLockExclusive: B"
                                                        : at_line(file, 16) + " ExAcquirePushLockExclusive: A";
    EXPECT_NE(c.step.find(first_acquire), std::string::npos) << c.step;
    EXPECT_FALSE(c.escape.empty()) << "one pick earlier the deadlock was avoidable";
    // The choice that lets the second thread take its lock before the first thread takes its
    // second one matters; the shrunk token has no choice that does not.
    int matter = 0;
    for (const report::ScheduleChoice& ch : s.choices) {
      EXPECT_TRUE(ch.checked);
      if (!ch.matters) continue;
      ++matter;
      EXPECT_LE(ch.point, c.prefix) << "a choice that matters comes before the failure is unavoidable";
      EXPECT_NE(ch.what.find(c.thread), std::string::npos) << ch.what;
    }
    EXPECT_GE(matter, 1) << strategy;
    EXPECT_NE(r.text.find("Critical step: after " + c.thread + "'s `"), std::string::npos) << r.text;
    EXPECT_NE(r.text.find("every schedule deadlocks"), std::string::npos) << r.text;
    EXPECT_EQ(r.json["schedule"]["critical_step"]["thread"], c.thread);
  }
}

TEST(CounterexampleScenario, LostWakeupThePulseBeforeTheWaitIsCritical) {
  // The consumer saw Ready == 0; the producer sets it and pulses before the consumer waits:
  // the pulse wakes nobody, and from then on every schedule hangs.
  const std::string file = "bench/explore/lost_wakeup_bug.yaml";
  const Result r = explore_and_replay(file, "dfs");
  ASSERT_EQ(r.outcome, "hang");
  ASSERT_TRUE(r.schedule && r.schedule->critical);
  const report::ScheduleCritical& c = *r.schedule->critical;
  EXPECT_EQ(c.thread, "Producer");
  EXPECT_NE(c.step.find("KePulseEvent"), std::string::npos) << c.step;
  EXPECT_TRUE(c.exhaustive);
  EXPECT_NE(r.text.find("every schedule hangs"), std::string::npos) << r.text;
  bool matters = false;
  for (const report::ScheduleChoice& ch : r.schedule->choices) matters = matters || ch.matters;
  EXPECT_TRUE(matters);
}

TEST(CounterexampleScenario, TheNarrationChangesNothingInTheRun) {
  const std::string p = (kRoot / "scenarios/classroom/abba_found_by_exploration.yaml").string();
  const ExploreResult found = explore(p, "dfs", 200, 2, {});
  Options plain;
  plain.schedule = found.token;
  Options narrated = plain;
  narrated.schedule_section = true;
  const Result a = run_file(p, plain);
  const Result b = run_file(p, narrated);
  EXPECT_EQ(a.json["trace_hash"], b.json["trace_hash"]);
  EXPECT_FALSE(a.json.contains("schedule"));
  EXPECT_FALSE(a.schedule);
  // Without analysis the choices are listed, nothing more is run or claimed.
  narrated.analyze_schedule = false;
  const Result c = run_file(p, narrated);
  ASSERT_TRUE(c.schedule);
  EXPECT_FALSE(c.schedule->analyzed);
  EXPECT_FALSE(c.schedule->critical);
  EXPECT_EQ(c.schedule->runs, 0);
  EXPECT_EQ(c.schedule->choices.size(), b.schedule->choices.size());
}

TEST(CounterexampleScenario, ExploreReportsTheCriticalStepOfTheTokenItPrints) {
  const std::string p = (kRoot / "scenarios/classroom/abba_found_by_exploration.yaml").string();
  Options base;
  base.schedule_section = true;
  explore::ExploreConfig c;
  c.strategy = "dfs";
  const ExploreResult r = explore(p, c, base);
  ASSERT_EQ(r.exit_code, 1);
  ASSERT_TRUE(r.schedule && r.schedule->critical);
  EXPECT_EQ(r.schedule->token, r.token);
  // Exploration's own schedules were not narrated: the analysis ran only after the find.
  EXPECT_GT(r.schedule->runs, 0);
}

}  // namespace
}  // namespace kesim::run
