// Loader limits (issue #7 items 3, 4, 10): hostile inputs end as file:line:column errors,
// quickly and in bounded memory.
#include <gtest/gtest.h>

#include <string>

#include "sim/engine/limits.hpp"
#include "sim/scenario/program.hpp"
#include "sim/scenario/yaml_reader.hpp"

namespace kesim::scenario {
namespace {

std::vector<std::string> errors_of(const LoadResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.errors)
    out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": " + d.message);
  return out;
}

TEST(LoaderLimits, AFileLargerThanTheLimitIsRefusedUnparsed) {
  std::string text = "name: big\ndescription: >\n  " + std::string(limits::kMaxFileBytes, 'x') + "\n";
  LoadResult r = load_text(text, "big.yaml");
  EXPECT_EQ(r.program, nullptr);
  EXPECT_EQ(errors_of(r), (std::vector<std::string>{
                              "1:1: the file is larger than kesim reads (1 MiB); a scenario is a "
                              "hand-written file of a few KB"}));
}

// "Billion laughs" under routines: nine levels of ten aliases each would be 10^9 steps.
std::string alias_bomb() {
  std::string y = "name: bomb\nroutines:\n  R0: &a0 [{log: lol}, {log: lol}, {log: lol}, {log: lol}, {log: lol}, "
                  "{log: lol}, {log: lol}, {log: lol}, {log: lol}, {log: lol}]\n";
  for (int i = 1; i < 10; ++i) {
    y += "  R" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k)
      y += std::string(k ? ", " : "") + "{repeat: {count: 1, steps: *a" + std::to_string(i - 1) + "}}";
    y += "]\n";
  }
  return y + "threads:\n  - name: T\n    steps: [{call: R9}]\n";
}

TEST(LoaderLimits, AnAliasBombUnderRoutinesStopsAtTheStepLimit) {
  const std::string y = alias_bomb();
  ASSERT_LT(y.size(), 4000u);
  LoadResult r = load_text(y, "bomb.yaml");
  EXPECT_EQ(r.program, nullptr);
  ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(errors_of(r));
  EXPECT_NE(r.errors[0].message.find("more than 250000 steps once YAML aliases are expanded"),
            std::string::npos);
}

// Aliases of a long list inside one step, repeated by aliasing the step: the node budget.
TEST(LoaderLimits, AliasesOfLongListsStopAtTheNodeLimit) {
  std::string y = "name: wide\nobjects:\n  E: {type: event}\nroutines:\n  R: [{KeWaitForMultipleObjects: {objects: &l [";
  for (int i = 0; i < 20000; ++i) y += i ? ",E" : "E";
  y += "], wait_type: WaitAny}}";
  for (int i = 0; i < 60; ++i) y += ", {KeWaitForMultipleObjects: {objects: *l, wait_type: WaitAny}}";
  y += "]\nthreads:\n  - name: T\n    steps: [{call: R}]\n";
  LoadResult r = load_text(y, "wide.yaml");
  EXPECT_EQ(r.program, nullptr);
  EXPECT_EQ(errors_of(r), (std::vector<std::string>{
                              "5:44: more than 1000000 YAML nodes once aliases are expanded (kesim's limit)"}));
}

TEST(LoaderLimits, ErrorsAreCapped) {
  std::string y = "name: errs\nthreads:\n  - name: T\n    steps:\n";
  for (int i = 0; i < 3000; ++i) y += "      - work: bad" + std::to_string(i) + "\n";
  LoadResult r = load_text(y, "e.yaml");
  EXPECT_EQ(r.errors.size(), limits::kMaxErrors);
}

TEST(LoaderLimits, DurationsAbove2To62NsAreRefused) {
  auto load_work = [](const std::string& d) {
    return load_text("name: t\nthreads:\n  - name: T\n    steps: [{work: " + d + "}]\n", "t.yaml");
  };
  EXPECT_NE(load_work("4611686018427387904").program, nullptr);  // 2^62 ns
  LoadResult r = load_work("4611686018427387905");
  EXPECT_EQ(errors_of(r), (std::vector<std::string>{
                              "4:20: duration '4611686018427387905' for 'work' is too long: kesim "
                              "accepts at most 2^62 ns (about 146 years)"}));
  EXPECT_EQ(load_work("9223372036854775807").errors.size(), 1u);
  EXPECT_EQ(load_work("9223372036s").errors.size(), 1u);
  LoadResult m = load_text("name: t\nmachine: {time_limit: 200000000000s}\n", "t.yaml");
  EXPECT_EQ(m.errors.size(), 1u);
  LoadResult p = load_text("name: t\nobjects: {Tm: {type: timer}}\nthreads:\n  - name: T\n    steps:\n"
                           "      - KeSetTimer: {timer: Tm, due: 1ms, period: 9223372036854775807}\n", "t.yaml");
  EXPECT_EQ(p.errors.size(), 1u);
}

TEST(LoaderLimits, ThreadsStartedByTheScenarioAreBounded) {
  LoadResult r = load_text("name: t\nthreads:\n  - name: A\n    count: 150000\n  - name: B\n    count: 60000\n"
                           "  - name: C\n    start: manual\n    count: 200000\n", "t.yaml");
  EXPECT_EQ(errors_of(r), (std::vector<std::string>{
                              "5:5: the threads started by the scenario reach 210000 instances here, "
                              "more than kesim's limit of 200000 threads in a run"}));
  EXPECT_NE(load_text("name: t\nthreads:\n  - name: A\n    count: 200000\n", "t.yaml").program, nullptr);
}

TEST(LoaderLimits, DidYouMeanSkipsVeryLongWords) {
  using detail::closest;
  const std::string name(60, 'a');
  EXPECT_EQ(closest(name + "b", {name}), name);  // a long name with a typo still gets a hint
  const std::string longer(detail::kMaxSuggestLength, 'a');
  EXPECT_EQ(closest(longer + "b", {longer}), std::nullopt);
  // A 2 MB name used to take 12 s of edit distance against every candidate.
  const std::string huge(2'000'000, 'x');
  EXPECT_EQ(closest(huge, {"KeSetEvent", huge.substr(1)}), std::nullopt);
  EXPECT_EQ(closest("KeSetEvnt", {"KeSetEvent", huge}), "KeSetEvent");
}

}  // namespace
}  // namespace kesim::scenario
