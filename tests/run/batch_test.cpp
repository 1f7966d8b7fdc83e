// tests/run/batch_test.cpp — `kesim test` as a library call (sim/run/batch.hpp): a scenario that
// hangs, one that crashes and one that does not load each fail alone while every other result,
// the summary line and a well-formed JUnit file survive; a sanitizer-style exit is a crash (3),
// not a failed expectation (1); invalid UTF-8 in names and strings keeps JSON and XML valid.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/report/report.hpp"
#include "sim/run/batch.hpp"
#include "tests/run/xml_check.hpp"

namespace fs = std::filesystem;
using kesim::run::BatchOptions;
using kesim::run::BatchResult;
using kesim::run::CaseStatus;

namespace {

const fs::path kRoot = KESIM_SOURCE_DIR;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh directory per test, named after it.
fs::path scratch() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path d = fs::temp_directory_path() / (std::string("kesim_batch_") + info->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

void copy_ok(const fs::path& to) { fs::copy_file(kRoot / "scenarios/basics/spin_lock_contention.yaml", to); }

// A loop of scheduling points far beyond any wall-clock limit of a test: max_steps is raised
// so no simulator limit ends it first.
const char* kHang = R"(name: hang
machine: {max_steps: 1000000000000000}
objects:
  E: {type: event, kind: notification}
threads:
  - name: T
    steps:
      - repeat:
          count: 1000000000000
          steps: [{KeSetEvent: E}]
expect:
  outcome: completed
)";

struct Captured {
  std::vector<std::string> out, err;
};

BatchOptions capture(Captured& c) {
  BatchOptions o;
  o.out = [&c](std::string_view s) { c.out.emplace_back(s); };
  o.err = [&c](std::string_view s) { c.err.emplace_back(s); };
  return o;
}

// setenv for one test, undone at its end.
struct Env {
  Env(const char* k, const char* v) : key(k) { ::setenv(k, v, 1); }
  ~Env() { ::unsetenv(key); }
  const char* key;
};

}  // namespace

TEST(Batch, AHangACrashAndABadScenarioLoseNoOtherResultNorTheSummaryNorTheJUnitFile) {
  const fs::path d = scratch();
  copy_ok(d / "a_ok.yaml");
  write(d / "b_hang.yaml", kHang);
  copy_ok(d / "c_crash.yaml");
  write(d / "d_bad.yaml", "name: [unclosed\n");
  copy_ok(d / "e_ok.yaml");
  const Env crash("KESIM_TEST_CRASH", "c_crash");
  Captured cap;
  BatchOptions o = capture(cap);
  o.timeout_ms = 1000;
  o.junit = (d / "junit.xml").string();
  const auto t0 = std::chrono::steady_clock::now();
  const BatchResult r = kesim::run::run_batch({d.string()}, o);
  const auto wall = std::chrono::steady_clock::now() - t0;

  ASSERT_EQ(r.cases.size(), 5u);
  EXPECT_EQ(r.cases[0].status, CaseStatus::passed);
  EXPECT_EQ(r.cases[1].status, CaseStatus::timed_out);
  EXPECT_NE(r.cases[1].summary.find("timed out after 1s"), std::string::npos) << r.cases[1].summary;
  EXPECT_EQ(r.cases[2].status, CaseStatus::crashed);
  EXPECT_NE(r.cases[2].summary.find("SIGSEGV"), std::string::npos) << r.cases[2].summary;
  EXPECT_EQ(r.cases[3].status, CaseStatus::bad_input);
  EXPECT_NE(r.cases[3].diagnostics.find("d_bad.yaml:"), std::string::npos) << r.cases[3].diagnostics;
  EXPECT_EQ(r.cases[4].status, CaseStatus::passed);
  EXPECT_EQ(r.passed, 2);
  EXPECT_EQ(r.failed, 3);
  EXPECT_EQ(r.exit_code, 3);  // a crash is an internal error, worse than bad input
  EXPECT_LT(wall, std::chrono::seconds(30)) << "the hanging scenario was not stopped at its timeout";

  ASSERT_FALSE(cap.out.empty());
  EXPECT_EQ(cap.out.back(), "2 passed, 3 failed\n");
  std::string all;
  for (const std::string& l : cap.out) {
    EXPECT_EQ(l.back(), '\n');
    all += l;
  }
  for (const char* line : {"PASS ", "TIMEOUT ", "CRASH ", "ERROR "})
    EXPECT_NE(all.find(line), std::string::npos) << line << " missing in\n" << all;

  const std::string xml = read(d / "junit.xml");
  EXPECT_EQ(kesim::test::xml_problem(xml), "") << xml;
  EXPECT_NE(xml.find("tests=\"5\" failures=\"0\" errors=\"3\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("type=\"timeout\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("type=\"crash\""), std::string::npos) << xml;
  EXPECT_FALSE(fs::exists(d / "junit.xml.tmp"));
}

TEST(Batch, ASanitizerStyleExitWithoutAResultIsACrashNotAFailedExpectation) {
  const fs::path d = scratch();
  copy_ok(d / "s.yaml");
  const Env crash("KESIM_TEST_CRASH", "s:exit");  // exit status 1 and no result, as ASan ends
  Captured cap;
  const BatchResult r = kesim::run::run_batch({d.string()}, capture(cap));
  ASSERT_EQ(r.cases.size(), 1u);
  EXPECT_EQ(r.cases[0].status, CaseStatus::crashed);
  EXPECT_NE(r.cases[0].summary.find("exit status 1 without a result"), std::string::npos) << r.cases[0].summary;
  EXPECT_NE(r.cases[0].diagnostics.find("KESIM_TEST_CRASH"), std::string::npos) << "the child's stderr is kept";
  EXPECT_EQ(r.exit_code, 3);
}

TEST(Batch, AnAbortIsReportedWithItsSignal) {
  const fs::path d = scratch();
  copy_ok(d / "s.yaml");
  const Env crash("KESIM_TEST_CRASH", "s:abort");
  Captured cap;
  const BatchResult r = kesim::run::run_batch({(d / "s.yaml").string()}, capture(cap));
  ASSERT_EQ(r.cases.size(), 1u);
  EXPECT_EQ(r.cases[0].status, CaseStatus::crashed);
  EXPECT_EQ(r.cases[0].signal, SIGABRT);
  EXPECT_NE(r.cases[0].summary.find("SIGABRT"), std::string::npos) << r.cases[0].summary;
}

TEST(Batch, APathWithNoScenarioIsBadInput) {
  const fs::path d = scratch();
  write(d / "notes.txt", "not a scenario\n");
  Captured cap;
  const BatchResult r = kesim::run::run_batch({d.string()}, capture(cap));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.cases.empty());
  ASSERT_FALSE(cap.err.empty());
  EXPECT_NE(cap.err.back().find("no scenario"), std::string::npos);
  EXPECT_EQ(cap.out.back(), "0 passed, 0 failed\n");
  const BatchResult missing = kesim::run::run_batch({(d / "missing").string()}, capture(cap));
  EXPECT_EQ(missing.exit_code, 2);
}

TEST(Batch, AScenarioThatDoesNotLoadFailsWithItsDiagnosticAndMakesTheExitTwo) {
  const fs::path d = scratch();
  copy_ok(d / "a.yaml");
  write(d / "b.yaml", "name: bad\nthreads:\n  - name: T\n    steps:\n      - KeFrobnicate: X\n");
  Captured cap;
  const BatchResult r = kesim::run::run_batch({d.string()}, capture(cap));
  EXPECT_EQ(r.passed, 1);
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(r.exit_code, 2);
  std::string all;
  for (const std::string& l : cap.out) all += l;
  EXPECT_NE(all.find("b.yaml:5:9: error:"), std::string::npos) << all;
}

TEST(Batch, JsonFormatPrintsOneObjectPerScenarioAndASummaryObject) {
  const fs::path d = scratch();
  copy_ok(d / "a.yaml");
  write(d / "b.yaml", "name: [unclosed\n");
  Captured cap;
  BatchOptions o = capture(cap);
  o.json = true;
  const BatchResult r = kesim::run::run_batch({d.string()}, o);
  ASSERT_EQ(cap.out.size(), 3u);
  const auto a = nlohmann::json::parse(cap.out[0]);
  EXPECT_EQ(a["status"], "pass");
  EXPECT_EQ(a["report"]["outcome"], "completed");
  const auto b = nlohmann::json::parse(cap.out[1]);
  EXPECT_EQ(b["status"], "error");
  EXPECT_TRUE(b["report"].is_null());
  const auto s = nlohmann::json::parse(cap.out[2]);
  EXPECT_EQ(s["summary"], "1 passed, 1 failed");
  EXPECT_EQ(s["exit_code"], r.exit_code);
}

TEST(Batch, InvalidUtf8InAFileNameAndInScenarioStringsKeepsJsonAndJUnitValid) {
  const fs::path d = scratch();
  const fs::path f = d / "f\xff\xfe.yaml";
  write(f, "name: utf8\ndescription: \"d\xff\xc3(\"\nthreads:\n  - name: T\n    steps:\n      - log: \"x\xed\xa0\x80y\x01\"\n");
  Captured cap;
  BatchOptions o = capture(cap);
  o.json = true;
  o.junit = (d / "junit.xml").string();
  const BatchResult r = kesim::run::run_batch({d.string()}, o);
  ASSERT_EQ(r.cases.size(), 1u);
  EXPECT_EQ(r.cases[0].status, CaseStatus::passed) << r.cases[0].summary << r.cases[0].diagnostics;
  ASSERT_EQ(cap.out.size(), 2u);
  const auto j = nlohmann::json::parse(cap.out[0]);  // throws on invalid UTF-8
  EXPECT_EQ(j["report"]["outcome"], "completed");
  EXPECT_NE(j["file"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);
  const std::string xml = read(d / "junit.xml");
  EXPECT_EQ(kesim::test::xml_problem(xml), "") << xml;
}

TEST(Batch, WallTimeParsing) {
  EXPECT_EQ(kesim::run::parse_wall_time("60s"), 60'000);
  EXPECT_EQ(kesim::run::parse_wall_time("500ms"), 500);
  EXPECT_EQ(kesim::run::parse_wall_time("1.5s"), 1'500);
  EXPECT_EQ(kesim::run::parse_wall_time("5m"), 300'000);
  EXPECT_EQ(kesim::run::parse_wall_time("2h"), 7'200'000);
  for (const char* bad : {"", "0s", "-1s", "10", "1.s", ".5s", "1..5s", "1e3s", "10us", "99999999999999h"})
    EXPECT_FALSE(kesim::run::parse_wall_time(bad)) << bad;
}

TEST(JUnit, AnyBytesGiveAWellFormedDocument) {
  kesim::report::TestCase bad;
  bad.name = "n\xff\xc0\xaf\xed\xa0\x80\x01\x1b]]>&<\"'";
  bad.file = "f\xf5\x80\x80\x80.yaml";
  bad.passed = false;
  bad.failure = "line one \xef\xbf\xbe\nline two é 😀 \r\t\x7f";
  kesim::report::TestCase crash = bad;
  crash.error = true;
  crash.failure_type = "crash";
  const std::string xml = kesim::report::render_junit({bad, crash});
  EXPECT_EQ(kesim::test::xml_problem(xml), "") << xml;
  EXPECT_NE(xml.find("é 😀"), std::string::npos) << "valid UTF-8 is kept";
  EXPECT_NE(xml.find("\xEF\xBF\xBD"), std::string::npos) << "invalid bytes become U+FFFD";
  EXPECT_NE(xml.find("<error message="), std::string::npos);
  EXPECT_NE(xml.find("failures=\"1\" errors=\"1\""), std::string::npos) << xml;
}

TEST(JUnit, TheWellFormednessCheckCanFail) {
  EXPECT_NE(kesim::test::xml_problem("<a><b></a>"), "");
  EXPECT_NE(kesim::test::xml_problem("<a x=\"&bogus;\"/>"), "");
  EXPECT_NE(kesim::test::xml_problem("<a>\xff</a>"), "");
  EXPECT_NE(kesim::test::xml_problem("<a>\x01</a>"), "");
  EXPECT_NE(kesim::test::xml_problem("<a/><b/>"), "");
  EXPECT_EQ(kesim::test::xml_problem("<?xml version=\"1.0\"?>\n<a x='1'>t &amp; &#10;<b/></a>\n"), "");
}
