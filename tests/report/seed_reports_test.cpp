// tests/report/seed_reports_test.cpp — the Chrome trace and the HTML report of every seed
// scenario (scenarios/seeds): the trace passes the structural checks a viewer relies on
// (trace_check.hpp) with the log text, findings and outcome in it; the HTML page is
// self-contained (no network reference), has a lane per CPU, thread and lock, at most 200 view
// snapshots, and draws the deadlock cycle. The headless-browser test is tests/html.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "sim/machine/machine.hpp"
#include "sim/report/html.hpp"
#include "sim/run/run.hpp"
#include "sim/scenario/interpreter.hpp"
#include "sim/scenario/source_map.hpp"
#include "tests/report/trace_check.hpp"

namespace kesim {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(KESIM_SOURCE_DIR) / "scenarios/seeds"))
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct SeedRun {
  scenario::LoadResult lr;
  std::unique_ptr<scenario::ProgramSourceMap> source;
  std::unique_ptr<machine::Machine> m;
  std::unique_ptr<scenario::Interpreter> interp;
};

std::unique_ptr<SeedRun> run_seed(const std::string& file, bool views) {
  auto s = std::make_unique<SeedRun>();
  s->lr = scenario::load_file(file);
  EXPECT_TRUE(s->lr.program) << file;
  if (!s->lr.program) return nullptr;
  scenario::Overrides ov;
  ov.keep_trace = true;
  s->source = std::make_unique<scenario::ProgramSourceMap>(*s->lr.program);
  s->m = std::make_unique<machine::Machine>(scenario::machine_config(*s->lr.program, ov), s->source.get());
  s->interp = std::make_unique<scenario::Interpreter>(*s->lr.program, *s->m);
  if (views) s->m->record_views();
  s->m->run();
  return s;
}

TEST(SeedTrace, EverySeedTraceIsBalancedAndHasEveryRecordLogTextAndOutcome) {
  const auto files = seeds();
  ASSERT_GE(files.size(), 10u);
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    auto s = run_seed(f, false);
    ASSERT_TRUE(s);
#ifdef KESIM_ASAN
    // file_race_1000 writes a 350 MB trace (1.3 million records): parsing it under the
    // sanitizers takes many minutes. The optimized build checks it; ASan checks the others.
    if (s->m->kernel().engine().trace().all().size() > 300'000) continue;
#endif
    const json j = check_trace_structure(s->m->render_trace(), s->m->kernel().engine().trace().all());
    bool outcome = false;
    std::size_t findings = 0, logs = 0;
    for (const json& e : j["traceEvents"]) {
      if (e.value("cat", "") == "outcome") {
        outcome = true;
        EXPECT_EQ(e["args"]["outcome"], check::outcome_name(s->m->result().outcome));
      }
      if (e.value("cat", "") == "finding") ++findings;
      if (e.value("cat", "") == "Log") {
        ++logs;
        EXPECT_TRUE(e["args"].contains("text")) << e.dump();
      }
    }
    EXPECT_TRUE(outcome);
    EXPECT_EQ(findings, s->m->findings().size());
    EXPECT_EQ(logs, s->m->output().size());
  }
}

TEST(SeedHtml, EverySeedPageIsSelfContainedWithLanesSnapshotsAndGraph) {
  for (const std::string& f : seeds()) {
    SCOPED_TRACE(f);
    auto s = run_seed(f, true);
    ASSERT_TRUE(s);
    const std::string html = s->m->render_html();
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    // Self-contained: nothing fetched (the SVG namespace URI is a name, not a fetch).
    EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*["']?(https?:|//))"))) << "network reference";
    EXPECT_EQ(html.find("<link"), std::string::npos);
    const ke::Kernel& k = s->m->kernel();
    for (const ke::KTHREAD* t : k.threads())
      EXPECT_NE(html.find(">" + report::html_escape(t->name) + "</text>"), std::string::npos) << t->name;
    for (int c = 0; c < k.engine().processors(); ++c)
      EXPECT_NE(html.find(fmt::format(">CPU {}</text>", c)), std::string::npos);
    const std::size_t begin = html.find("id=\"snapshots\">") + 15;
    const json data = json::parse(html.substr(begin, html.find("</script>", begin) - begin));
    ASSERT_TRUE(data.is_array());
    EXPECT_GE(data.size(), 1u);
    EXPECT_LE(data.size(), 200u);
    EXPECT_EQ(data.back()["label"], "end of the run");
    for (std::size_t i = 1; i < data.size(); ++i) EXPECT_GE(data[i]["seq"], data[i - 1]["seq"]);
    if (s->m->result().outcome == check::Outcome::deadlock) {
      EXPECT_NE(html.find("class=\"edge cycle\""), std::string::npos) << "the deadlock cycle is drawn";
    }
  }
}

TEST(SeedHtml, SnapshotsAreThinnedToTheCapAndSpreadOverTheRun) {
  auto s = run_seed(std::string(KESIM_SOURCE_DIR) + "/scenarios/seeds/file_race_1000.yaml", false);
  ASSERT_TRUE(s);
  // A fresh recorder with a small cap over a long run: thinned, still reaching the end.
  auto again = run_seed(std::string(KESIM_SOURCE_DIR) + "/scenarios/seeds/file_race_1000.yaml", true);
  const std::string html = again->m->render_html();
  const std::size_t begin = html.find("id=\"snapshots\">") + 15;
  const json data = json::parse(html.substr(begin, html.find("</script>", begin) - begin));
  EXPECT_GT(data.size(), 50u) << "a 1000-thread run has many lock events";
  EXPECT_LE(data.size(), 200u);
  EXPECT_GT(data[data.size() / 2]["seq"].get<std::uint64_t>(), s->m->kernel().engine().trace().count() / 8)
      << "the snapshots are spread over the run, not bunched at its start";
}

TEST(RunOutputs, SeveralScenariosWriteOneFileEachOrRefuse) {
  EXPECT_EQ(run::per_scenario_path("out/t.json", "a/b/deadlock.yaml"), "out/t.deadlock.json");
  std::string error;
  EXPECT_EQ(run::per_scenario_paths("t.html", {"x/a.yaml"}, &error), std::vector<std::string>{"t.html"});
  EXPECT_EQ(run::per_scenario_paths("t.html", {"x/a.yaml", "y/b.yaml"}, &error),
            (std::vector<std::string>{"t.a.html", "t.b.html"}));
  EXPECT_TRUE(run::per_scenario_paths("t.html", {"x/a.yaml", "y/a.yaml"}, &error).empty());
  EXPECT_NE(error.find("t.a.html"), std::string::npos);
}

}  // namespace
}  // namespace kesim
