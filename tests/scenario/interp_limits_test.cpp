// Limits that did not fire (issue #7 items 2 and 3), end to end through the interpreter:
// `repeat` over log, assert, dump, call, work or an empty body, and a 1 ns periodic timer, all
// stop at max_steps; a ~146-year `work` stops at the time limit instead of wrapping.
#include <gtest/gtest.h>

#include <string>

#include "sim/scenario/interpreter.hpp"

namespace kesim::scenario {
namespace {

check::RunResult run(const std::string& yaml) {
  LoadResult r = load_text(yaml, "t.yaml");
  EXPECT_TRUE(r.program) << format_diagnostics("t.yaml", r.source_lines, r.errors);
  if (!r.program) return {};
  machine::Machine m(machine_config(*r.program));
  Interpreter in(*r.program, m);
  return m.run();
}

std::string endless(const std::string& body) {
  return "name: loop\nmachine: {max_steps: 20000}\nobjects: {E: {type: event}}\nroutines:\n  R: []\n"
         "threads:\n  - name: T\n    steps:\n      - repeat: {count: 4000000000000000000, steps: " +
         body + "}\n";
}

TEST(InterpLimits, EveryLoopOfStepsStopsAtMaxSteps) {
  for (const char* body : {"[{log: x}]", "[{assert: {irql: PASSIVE_LEVEL}}]", "[{dump: '!thread'}]",
                           "[{call: R}]", "[]", "[{work: 1ns}]", "[{repeat: {count: 1, steps: []}}]"}) {
    const check::RunResult r = run(endless(body));
    EXPECT_EQ(r.outcome, check::Outcome::time_limit) << body;
    EXPECT_EQ(r.limit, "steps") << body;
  }
}

TEST(InterpLimits, APeriodicTimerOfOneNanosecondStopsAtMaxSteps) {
  const check::RunResult r = run(
      "name: tick\nmachine: {max_steps: 20000}\nobjects: {Tm: {type: timer}, E: {type: event}}\n"
      "threads:\n  - name: T\n    steps:\n      - KeSetTimer: {timer: Tm, due: 1ns, period: 1ns}\n"
      "      - KeWaitForSingleObject: E\n");
  EXPECT_EQ(r.outcome, check::Outcome::time_limit);
  EXPECT_EQ(r.limit, "steps");
  EXPECT_LT(r.virtual_time, 30'000);
}

TEST(InterpLimits, TheLongestWorkReachesTheTimeLimitWithoutWrapping) {
  // 1 s of work, then 2^62 ns: now + d must saturate, not wrap into the past and complete.
  const check::RunResult r = run(
      "name: long\nmachine: {time_limit: 2s}\nthreads:\n  - name: T\n    steps:\n      - work: 1s\n"
      "      - work: 4611686018427387904\n      - log: never\n");
  EXPECT_EQ(r.outcome, check::Outcome::time_limit);
  EXPECT_EQ(r.limit, "time");
  EXPECT_EQ(r.virtual_time, 2'000'000'000);
}

TEST(InterpLimits, AWaitTimeoutOfTheLongestDurationIsNotAHang) {
  const check::RunResult r = run(
      "name: wait\nmachine: {time_limit: 1s}\nobjects: {E: {type: event}}\nthreads:\n  - name: T\n"
      "    steps:\n      - work: 10ms\n      - KeWaitForSingleObject: {object: E, timeout: 4611686018427387904}\n");
  EXPECT_EQ(r.outcome, check::Outcome::time_limit);
  EXPECT_EQ(r.limit, "time");
}

}  // namespace
}  // namespace kesim::scenario
