// The loader's stack bound (issue #7 item 1): the deepest nesting of repeat/call/APC steps the
// loader accepts for a machine.stack_size really runs — in every build this test is compiled
// in (RelWithDebInfo, and Debug + ASan in tools/test.sh) — and one level more is refused with
// a file:line:column error. The bound uses fixed per-level costs (sim/engine/limits.hpp), so
// the verdict never depends on the build.
#include <gtest/gtest.h>

#include <string>

#include "sim/engine/limits.hpp"
#include "sim/scenario/interpreter.hpp"

namespace kesim::scenario {
namespace {

std::string indent(int n) { return std::string(static_cast<std::size_t>(n), ' '); }

// `levels` nested steps around `inner` (each line of `inner` at the innermost indentation);
// calls = true nests routine calls R0 -> R1 -> ... instead of repeats.
struct Nest {
  std::size_t stack_kib = 64;
  int levels = 0;
  int apc_levels = -1;  // -1: no APC; else a special APC to self whose routine nests this deep
  bool calls = false;
};

std::string repeats(int levels, int base, const std::string& inner_lines) {
  std::string out;
  int ind = base;
  for (int i = 0; i < levels; ++i) {
    out += indent(ind) + "- repeat:\n" + indent(ind + 4) + "count: 1\n" + indent(ind + 4) + "as: v" +
           std::to_string(i) + "\n" + indent(ind + 4) + "steps:\n";
    ind += 6;
  }
  std::string body;
  std::size_t start = 0;
  while (start < inner_lines.size()) {
    const std::size_t end = inner_lines.find('\n', start);
    body += indent(ind) + inner_lines.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out + body;
}

std::string scenario(const Nest& n) {
  std::string inner;
  if (n.apc_levels >= 0) inner += "- KeInsertQueueApc: {thread: T, kind: special, routine: Apc}\n";
  inner +=
      "- log: deep\n"
      "- assert: {irql: PASSIVE_LEVEL}\n"
      "- KeWaitForSingleObject: {object: E, timeout: 1us}\n"
      "- work: 1us\n"
      "- PsTerminateSystemThread\n";
  std::string y = "name: deep\nmachine: {stack_size: " + std::to_string(n.stack_kib) + "k}\n" +
                  "objects:\n  E: {type: event}\nroutines:\n";
  if (n.apc_levels >= 0) y += "  Apc:\n" + repeats(n.apc_levels, 4, "- log: in apc\n- assert: {irql: APC_LEVEL}\n- KeSetEvent: E\n");
  if (n.calls) {
    for (int i = 0; i < n.levels; ++i) {
      y += "  R" + std::to_string(i) + ":\n";
      y += i + 1 < n.levels ? "    - call: R" + std::to_string(i + 1) + "\n" : repeats(0, 4, inner);
    }
  }
  y += "threads:\n  - name: T\n    steps:\n";
  y += n.calls ? (n.levels ? "      - call: R0\n" : repeats(0, 6, inner)) : repeats(n.levels, 6, inner);
  y += "expect: {outcome: completed}\n";
  return y;
}

// The deepest nesting the bound accepts for this stack, APC routine depth and APC kinds.
int deepest(std::size_t stack_kib, int apc_levels) {
  std::size_t left = stack_kib * 1024 - limits::kStackBase;
  if (apc_levels >= 0) left -= limits::kStackPerApc + static_cast<std::size_t>(apc_levels) * limits::kStackPerLevel;
  return static_cast<int>(left / limits::kStackPerLevel);
}

void expect_runs(const Nest& n) {
  const std::string text = scenario(n);
  LoadResult r = load_text(text, "deep.yaml");
  ASSERT_TRUE(r.program) << text << format_diagnostics("deep.yaml", r.source_lines, r.errors);
  machine::Machine m(machine_config(*r.program));
  Interpreter in(*r.program, m);
  ASSERT_TRUE(in.setup_errors().empty());
  const check::RunResult& res = m.run();
  EXPECT_EQ(res.outcome, check::Outcome::completed) << "limit " << res.limit << "\n" << text;
  EXPECT_EQ(m.output().size(), n.apc_levels >= 0 ? 2u : 1u);
}

void expect_refused(const Nest& n) {
  LoadResult r = load_text(scenario(n), "deep.yaml");
  ASSERT_FALSE(r.program);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("need about"), std::string::npos) << r.errors[0].message;
  EXPECT_GT(r.errors[0].loc.line, 1);
}

TEST(StackDepth, DeepestAcceptedRepeatNestingRunsAndOneMoreIsRefused) {
  for (std::size_t kib : {32u, 64u, 128u}) {
    Nest n{kib, deepest(kib, -1)};
    expect_runs(n);
    ++n.levels;
    expect_refused(n);
  }
}

TEST(StackDepth, DeepestAcceptedCallChainRuns) {
  Nest n{64, deepest(64, -1), -1, true};
  expect_runs(n);
  ++n.levels;
  expect_refused(n);
}

TEST(StackDepth, AnApcDeliveredAtTheDeepestPointRuns) {
  for (int apc : {0, 3}) {
    Nest n{64, deepest(64, apc), apc};
    expect_runs(n);
    ++n.levels;
    expect_refused(n);
  }
}

TEST(StackDepth, AStackTooSmallForAnyThreadIsRefusedAtStackSize) {
  LoadResult r = load_text("name: x\nmachine:\n  stack_size: 16k\nthreads:\n  - name: A\n    steps: [{work: 1us}]\n", "x.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].loc.line, 3);
  EXPECT_EQ(r.errors[0].loc.column, 15);
  EXPECT_EQ(r.errors[0].message,
            "machine.stack_size 16 KiB is too small: this scenario needs at least 24 KiB of fiber stack per thread");
}

}  // namespace
}  // namespace kesim::scenario
