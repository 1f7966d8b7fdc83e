// Reports that show the cause (issue #10, items 1-3): every seed scenario that does not complete
// names the step (file:line) that caused its outcome, the step stack of its blocked threads, and
// the specific causes of the guarded-mutex, fast-mutex, APC re-entrancy and lost wake-up hangs;
// a foreign release is a finding of its own even where Windows does not bugcheck.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "sim/run/run.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = KESIM_SOURCE_DIR;

kesim::run::Result run(const std::string& relative) {
  return kesim::run::run_file((kRoot / relative).string(), kesim::run::Options{});
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_TRUE(contains(text, part)) << "missing: " << (part) << "\n--- in:\n" << (text)

// A cause line (hang/deadlock) or the bugcheck's STEP naming a scenario step as file:line: Op.
const std::regex kCausingStep(R"((cause: .*`[^`]+\.yaml:[0-9]+: [A-Za-z]+`|STEP:  [^ ]+\.yaml:[0-9]+: [A-Za-z]+))");

TEST(CausesTest, EverySeedThatDoesNotCompleteNamesItsCausingStep) {
  int checked = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kRoot / "scenarios/seeds"))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  files.push_back(kRoot / "scenarios/classroom/lost_wakeup.yaml");
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    const auto r = kesim::run::run_file(f.string(), kesim::run::Options{});
    ASSERT_TRUE(r.diagnostics.empty()) << f << ": " << r.diagnostics;
    if (r.outcome == "completed") continue;
    ++checked;
    EXPECT_TRUE(std::regex_search(r.text, kCausingStep))
        << f << " (" << r.outcome << ") names no causing step:\n" << r.text;
    if (r.outcome == "hang" || r.outcome == "deadlock") {
      EXPECT_CONTAINS(r.text, "        stack:\n");
    }
  }
  EXPECT_GE(checked, 4);  // the guarded/fast-mutex hangs, the APC deadlock, the lost wake-up...
}

TEST(CausesTest, GuardedMutexHangNamesTheAcquireThatDisabledApcs) {
  const auto r = run("scenarios/seeds/guarded_mutex_io_hang.yaml");
  ASSERT_EQ(r.outcome, "hang");
  EXPECT_TRUE(std::regex_search(
      r.text, std::regex(R"(APCs were disabled \(SpecialApcDisable -1\) by `[^`]*guarded_mutex_io_hang\.yaml:[0-9]+: KeAcquireGuardedMutex`)")))
      << r.text;
  EXPECT_CONTAINS(r.text, "can re-enable them, and only after this wait ends");
  // The JSON report carries the same causes and stack per blocked thread.
  const auto& b = r.json["blocked"][0];
  ASSERT_FALSE(b["causes"].empty());
  EXPECT_CONTAINS(b["causes"][0].get<std::string>(), "KeAcquireGuardedMutex");
  ASSERT_EQ(b["stack"].size(), 1u);
  EXPECT_CONTAINS(b["stack"][0].get<std::string>(), "#00 ");
  EXPECT_CONTAINS(b["stack"][0].get<std::string>(), ": ZwWriteFile");
}

TEST(CausesTest, FastMutexHangPointsAtTheAcquireThatRaisedIrql) {
  const auto r = run("scenarios/seeds/fast_mutex_io_hang.yaml");
  ASSERT_EQ(r.outcome, "hang");
  EXPECT_TRUE(std::regex_search(
      r.text, std::regex(R"(IRQL was raised to APC_LEVEL by `[^`]*fast_mutex_io_hang\.yaml:[0-9]+: ExAcquireFastMutex`)")))
      << r.text;
}

TEST(CausesTest, ApcReentrancyDeadlockSaysTheThreadIsInsideANormalKernelApc) {
  const auto r = run("scenarios/seeds/apc_reentrancy_deadlock.yaml");
  ASSERT_EQ(r.outcome, "deadlock");
  EXPECT_CONTAINS(r.text, "Worker is inside a normal kernel APC TouchLock, queued by Requester at `");
  EXPECT_TRUE(std::regex_search(r.text, std::regex(R"(which interrupted it at `[^`]*\.yaml:[0-9]+: work`)")))
      << r.text;
  EXPECT_CONTAINS(r.text, "FilePushLock is held by Worker itself (acquired at `");
  // The step stack: the APC routine's step, the APC frame, the interrupted step.
  EXPECT_TRUE(std::regex_search(
      r.text, std::regex(R"(#00 [^\n]*: ExAcquirePushLockExclusive[^\n]*\n *#01 \[normal kernel APC TouchLock[^\n]*\n *#02 [^\n]*: work)")))
      << r.text;
}

TEST(CausesTest, LostWakeupPointsAtThePulseThatFoundNoWaiter) {
  const auto r = run("scenarios/classroom/lost_wakeup.yaml");
  ASSERT_EQ(r.outcome, "hang");
  EXPECT_TRUE(std::regex_search(
      r.text, std::regex(R"(the wake-up was lost: `[^`]*lost_wakeup\.yaml:[0-9]+: KePulseEvent` found no thread waiting on DataReady)")))
      << r.text;
}

TEST(CausesTest, ForeignReleaseIsAFindingWhereWindowsDoesNotBugcheck) {
  const auto r = run("scenarios/seeds/foreign_release_no_autoboost.yaml");
  ASSERT_EQ(r.outcome, "completed");
  int foreign = 0;
  for (const auto& f : r.json["findings"])
    if (f["kind"] == "foreign_release") {
      ++foreign;
      EXPECT_TRUE(std::regex_search(
          f["message"].get<std::string>(),
          std::regex(R"(DriverEntry releases FilePushLock \([^)]*\.yaml:[0-9]+: ExReleasePushLockExclusive\), which is held by FileCreationThread)")))
          << f["message"];
    }
  EXPECT_EQ(foreign, 1);
}

TEST(CausesTest, ChainedWaiterSaysItsHolderIsItselfHung) {
  const auto r = run("scenarios/classroom/abba_deadlock.yaml");
  ASSERT_EQ(r.outcome, "deadlock");
  EXPECT_TRUE(std::regex_search(
      r.text, std::regex(R"(cause: B is held by Bob \(acquired at `[^`]*abba_deadlock\.yaml:[0-9]+: ExAcquirePushLockExclusive`\), which is itself hung \(below\))")))
      << r.text;
  EXPECT_CONTAINS(r.text, "Owners known to kesim only (a push lock records no owner):");
}

// A scenario of the test's own, written next to the build (the path is echoed in steps).
kesim::run::Result run_text(const std::string& name, const std::string& yaml) {
  const fs::path file = fs::temp_directory_path() / name;
  {
    std::ofstream(file) << yaml;
  }
  auto r = kesim::run::run_file(file.string(), kesim::run::Options{});
  fs::remove(file);
  return r;
}

TEST(CausesTest, TimeLimitShowsWhereEachRunawayThreadWasWithItsCallFrames) {
  const auto r = run_text("kesim_causes_runaway.yaml", R"(name: runaway
machine: {processors: 1, time_limit: 1ms}
variables:
  Word: 1
routines:
  Spin:
    - while: {variable: Word, and: 0x1}
      steps: [{YieldProcessor}]
threads:
  - name: Spinner
    steps:
      - log: spinning
      - call: Spin
)");
  ASSERT_EQ(r.outcome, "time_limit") << r.diagnostics << r.text;
  EXPECT_CONTAINS(r.text, "    Spinner: RUNNING");
  // The loop's step (line 7 or the YieldProcessor of line 8), then the call frame of line 13.
  EXPECT_TRUE(std::regex_search(
      r.text, std::regex(R"(#00 [^\n]*kesim_causes_runaway\.yaml:[78]: [^\n]*\n *#01 [^\n]*kesim_causes_runaway\.yaml:13: call)")))
      << r.text;
}

TEST(CausesTest, FilesSectionAndJsonKeyShowTheNamespaceAsWritten) {
  const auto r = run("scenarios/seeds/file_race_pushlock_fix.yaml");
  ASSERT_TRUE(r.json["files"].is_array());
  ASSERT_FALSE(r.json["files"].empty());
  const std::string first = r.json["files"][0]["path"].get<std::string>();
  // The spelling the scenario wrote (the rename target 'C:\Temp2\NewFile_0.txt'), not the
  // normalized lower-case key.
  EXPECT_EQ(first, "C:\\Temp2\\NewFile_0.txt");
  EXPECT_CONTAINS(r.text, fmt::format("\nFiles ({}):\n    {}  ", r.json["files"].size(), first));
}

}  // namespace
