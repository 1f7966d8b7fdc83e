// tests/run/cli_test.cpp — the `kesim` binary as a user runs it: --version, --seed validation,
// --format json with invalid UTF-8, and `kesim test` through a pipe (each line flushed as it
// happens, summary and JUnit complete after a hang and a crash, SIGTERM still leaves both).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/run/xml_check.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = KESIM_SOURCE_DIR;

struct Proc {
  int status = -1;  // exit status, or 128 + signal
  std::vector<std::pair<double, std::string>> lines;  // stdout lines with their arrival (s)
  std::string out;
};

// The batch's crashes and hangs come from KESIM_TEST_CRASH (the child dies or hangs on cue), so
// these tests do not depend on a simulator bug or on the simulator's limits; batch_test.cpp
// has a hang from a real scenario.

// Runs kesim with stdout through a pipe (as CI sees it); stderr goes to the test's stderr.
// `on_line` may act on the child while it runs (e.g. signal it).
Proc run_kesim(std::vector<std::string> args, const std::function<void(pid_t, const std::string&)>& on_line = {}) {
  int p[2];
  EXPECT_EQ(::pipe(p), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(p[1], STDOUT_FILENO);
    ::close(p[0]);
    ::close(p[1]);
    std::vector<char*> argv;
    args.insert(args.begin(), KESIM_BIN);
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(KESIM_BIN, argv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  Proc r;
  const auto t0 = std::chrono::steady_clock::now();
  std::string pending;
  char buf[4096];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      r.lines.emplace_back(t, pending.substr(0, nl));
      if (on_line) on_line(pid, r.lines.back().second);
      pending.erase(0, nl + 1);
    }
    r.out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path scratch() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path d = fs::temp_directory_path() / (std::string("kesim_cli_") + info->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

const std::string kOk = (kRoot / "scenarios/basics/spin_lock_contention.yaml").string();

}  // namespace

TEST(Cli, VersionPrintsVersionBuildAndTraceFormat) {
  const Proc r = run_kesim({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("kesim 0."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("build: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("trace format: "), std::string::npos) << r.out;
}

TEST(Cli, SeedsOutsideUint64AreRejectedNotWrapped) {
  for (const char* bad : {"-1", "18446744073709551616", "99999999999999999999999", "0x10", "1e3", " 1", ""})
    EXPECT_EQ(run_kesim({"run", kOk, "--seed", bad}).status, 2) << "--seed '" << bad << "'";
  EXPECT_EQ(run_kesim({"run", kOk, "--seed", "18446744073709551615"}).status, 0);
  EXPECT_EQ(run_kesim({"run", kOk, "--seed=7"}).status, 0);
}

TEST(Cli, JsonWithInvalidUtf8InTheFileNameAndStringsIsStillJson) {
  const fs::path d = scratch();
  const fs::path f = d / "bad\xff.yaml";
  std::ofstream(f, std::ios::binary)
      << "name: utf8\ndescription: \"d\xff\xc3(\"\nthreads:\n  - name: T\n    steps:\n      - log: \"x\xfe\"\n";
  const Proc r = run_kesim({"run", f.string(), "--format", "json"});
  EXPECT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["outcome"], "completed");
  EXPECT_NE(j["description"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(Cli, TestFlushesEachLineThroughAPipeAndSurvivesAHangAndACrash) {
  const fs::path d = scratch();
  fs::copy_file(kOk, d / "a_ok.yaml");
  fs::copy_file(kOk, d / "b_crash.yaml");
  fs::copy_file(kOk, d / "c_hang.yaml");
  ::setenv("KESIM_TEST_CRASH", "b_crash,c_hang:hang", 1);
  const Proc r = run_kesim({"test", d.string(), "--timeout", "2s", "--junit", (d / "j.xml").string()});
  ::unsetenv("KESIM_TEST_CRASH");
  EXPECT_EQ(r.status, 3) << r.out;
  ASSERT_GE(r.lines.size(), 4u) << r.out;
  EXPECT_EQ(r.lines.front().second.rfind("PASS ", 0), 0u) << r.out;
  EXPECT_EQ(r.lines.back().second, "1 passed, 2 failed");
  EXPECT_NE(r.out.find("CRASH "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TIMEOUT "), std::string::npos) << r.out;
  // Flushed line by line: the first result arrived long before the hang's timeout ended the run.
  EXPECT_GT(r.lines.back().first - r.lines.front().first, 1.0) << "stdout was buffered until exit";
  EXPECT_EQ(kesim::test::xml_problem(read(d / "j.xml")), "");
}

TEST(Cli, TestInterruptedBySigtermStillPrintsTheSummaryAndWritesTheJUnitFile) {
  const fs::path d = scratch();
  fs::copy_file(kOk, d / "a_ok.yaml");
  fs::copy_file(kOk, d / "b_hang.yaml");
  fs::copy_file(kOk, d / "c_ok.yaml");
  ::setenv("KESIM_TEST_CRASH", "b_hang:hang", 1);
  bool sent = false;
  const Proc r = run_kesim({"test", d.string(), "--timeout", "60s", "--junit", (d / "j.xml").string()},
                      [&](pid_t pid, const std::string& line) {
                        if (!sent && line.rfind("PASS ", 0) == 0) {
                          ::usleep(200'000);  // most likely while the hang runs
                          ::kill(pid, SIGTERM);
                          sent = true;
                        }
                      });
  ::unsetenv("KESIM_TEST_CRASH");
  EXPECT_EQ(r.status, 128 + SIGTERM) << r.out;
  ASSERT_FALSE(r.lines.empty());
  // Whether the signal came while the hanging child ran or between two scenarios, the hang and
  // c_ok are not passed, and the summary says so.
  const std::string& last = r.lines.back().second;
  EXPECT_TRUE(last == "1 passed, 1 failed (1 not run: interrupted)" ||
              last == "1 passed, 0 failed (2 not run: interrupted)") << r.out;
  EXPECT_EQ(kesim::test::xml_problem(read(d / "j.xml")), "");
}

TEST(Cli, TestOnAPathWithoutScenariosIsBadInput) {
  const fs::path d = scratch();
  EXPECT_EQ(run_kesim({"test", d.string()}).status, 2);
  EXPECT_EQ(run_kesim({"test", kOk, "--timeout", "soon"}).status, 2);
  EXPECT_EQ(run_kesim({"test", kOk, "--format", "xml"}).status, 2);
}

// SARIF 2.1.0 for code-scanning UIs: a failing scenario is one result at the step that names
// the cause (region.startLine, which GitHub requires), a passing one contributes nothing.
TEST(Cli, SarifLocatesTheFailureAtTheCausingStep) {
  const fs::path d = scratch();
  const std::string bugcheck = (kRoot / "scenarios/seeds/foreign_release_0x162.yaml").string();
  const std::string deadlock = (kRoot / "scenarios/basics/mutex_abba_deadlock.yaml").string();
  // `run` judges against expect: the seed expects its bugcheck, so it passes and says nothing.
  ASSERT_EQ(run_kesim({"run", bugcheck, "--sarif", (d / "pass.sarif").string()}).status, 0);
  nlohmann::json pass = nlohmann::json::parse(read(d / "pass.sarif"));
  EXPECT_EQ(pass["version"], "2.1.0");
  EXPECT_TRUE(pass["runs"][0]["results"].empty());

  // A scenario whose expect is broken: exploration's found schedule, or here a copy of the
  // seed with the expectation removed (so the bugcheck is a failure).
  std::string text = read(bugcheck);
  text = text.substr(0, text.find("\nexpect:")) + "\n";
  const fs::path broken = d / "broken_0x162.yaml";
  std::ofstream(broken) << text;
  ASSERT_EQ(run_kesim({"run", broken.string(), "--sarif", (d / "fail.sarif").string()}).status, 1);
  nlohmann::json fail = nlohmann::json::parse(read(d / "fail.sarif"));
  const nlohmann::json& results = fail["runs"][0]["results"];
  ASSERT_GE(results.size(), 1u) << fail.dump(2);
  EXPECT_EQ(results[0]["ruleId"], "bugcheck");
  const nlohmann::json& loc = results[0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], broken.string());
  // The step that released the lock it did not own (the same line the text report names).
  const std::string report = run_kesim({"run", broken.string()}).out;
  const std::string line = std::to_string(loc["region"]["startLine"].get<int>());
  EXPECT_NE(report.find(broken.string() + ":" + line + ": ExReleasePushLockExclusive"), std::string::npos) << report;
  const nlohmann::json& rules = fail["runs"][0]["tool"]["driver"]["rules"];
  EXPECT_EQ(rules[results[0]["ruleIndex"].get<int>()]["id"], "bugcheck");

  // `kesim test --sarif`: one result per failing scenario, none for the passing one.
  ASSERT_EQ(run_kesim({"test", broken.string(), deadlock, "--sarif", (d / "t.sarif").string()}).status, 1);
  nlohmann::json t = nlohmann::json::parse(read(d / "t.sarif"));
  ASSERT_EQ(t["runs"][0]["results"].size(), 1u) << t.dump(2);
  EXPECT_EQ(t["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            broken.string());
}

TEST(Cli, SarifOfABadScenarioPointsAtTheLoaderError) {
  const fs::path d = scratch();
  const fs::path bad = d / "bad.yaml";
  std::ofstream(bad) << "name: b\nthreads:\n  - name: T\n    steps:\n      - KeFrobnicate: X\n";
  ASSERT_EQ(run_kesim({"test", bad.string(), "--sarif", (d / "b.sarif").string()}).status, 2);
  nlohmann::json b = nlohmann::json::parse(read(d / "b.sarif"));
  const nlohmann::json& r = b["runs"][0]["results"][0];
  EXPECT_EQ(r["ruleId"], "invalid_scenario");
  EXPECT_EQ(r["locations"][0]["physicalLocation"]["region"]["startLine"], 5);
}
