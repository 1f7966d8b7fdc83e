// tools/kesim/main.cpp — the `kesim` command: options, one library call per command, exit code
// (SCENARIO-FORMAT §5). No simulation logic lives here.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "sim/check/catalog.hpp"
#include "sim/run/run.hpp"
#include "sim/scenario/program.hpp"
#include "tools/kesim/crash.hpp"

namespace fs = std::filesystem;
using kesim::run::Result;

namespace {

int worst(int a, int b) {
  // bad input beats a failed expectation beats success; internal errors beat everything
  auto rank = [](int c) { return c == 3 ? 4 : c == 2 ? 3 : c == 1 ? 2 : 1; };
  return rank(a) >= rank(b) ? a : b;
}

std::vector<std::string> collect_yaml(const std::vector<std::string>& paths, int& status) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && (it->path().extension() == ".yaml" || it->path().extension() == ".yml"))
          found.push_back(it->path().generic_string());
      std::sort(found.begin(), found.end());  // deterministic order
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      fmt::print(stderr, "{}: error: no such file or directory\n", p);
      status = worst(status, 2);
    }
  }
  return files;
}

int cmd_run(const std::vector<std::string>& files, const kesim::run::Options& opt,
            const std::string& format) {
  int status = 0;
  nlohmann::json array = nlohmann::json::array();
  bool first = true;
  for (const std::string& f : files) {
    kesim::cli::set_crash_scenario(f.c_str());
    Result r = kesim::run::run_file(f, opt);
    status = worst(status, r.exit_code);
    if (!r.diagnostics.empty()) std::fputs(r.diagnostics.c_str(), stderr);
    if (r.json.is_null()) continue;
    if (format == "json") {
      array.push_back(r.json);
    } else {
      if (!first) std::fputs("\n", stdout);
      std::fputs(r.text.c_str(), stdout);
      first = false;
    }
  }
  if (format == "json") {
    const nlohmann::json& out = files.size() == 1 && array.size() == 1 ? array[0] : array;
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
  }
  return status;
}


int cmd_test(const std::vector<std::string>& paths, const std::string& junit) {
  int status = 0;
  const std::vector<std::string> files = collect_yaml(paths, status);
  int passed = 0, failed = 0;
  std::vector<kesim::report::TestCase> cases;
  for (const std::string& f : files) {
    kesim::cli::set_crash_scenario(f.c_str());
    Result r = kesim::run::run_file(f, {});
    const bool ok = r.exit_code == 0;
    (ok ? passed : failed)++;
    fmt::print("{} {} ({})\n", ok ? "PASS" : "FAIL", f, r.summary);
    if (!r.diagnostics.empty()) std::fputs(r.diagnostics.c_str(), stdout);
    kesim::report::TestCase tc;
    tc.name = r.json.is_null() ? fs::path(f).stem().string() : r.json.value("scenario", f);
    tc.file = f;
    tc.passed = ok;
    tc.failure = ok ? "" : (r.diagnostics.empty() ? r.summary : r.diagnostics);
    if (!r.json.is_null()) tc.virtual_seconds = r.json.value("virtual_time_ns", 0.0) / 1e9;
    cases.push_back(std::move(tc));
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  if (!junit.empty()) {
    std::ofstream out(junit, std::ios::binary);
    out << kesim::report::render_junit(cases);
    if (!out) {
      fmt::print(stderr, "{}: error: cannot write\n", junit);
      return 2;
    }
  }
  if (status == 2 && failed == 0) return 2;
  return failed ? 1 : 0;
}

int cmd_check(const std::vector<std::string>& files) {
  int status = 0;
  for (const std::string& f : files) {
    Result r = kesim::run::check_file(f);
    status = worst(status, r.exit_code);
    if (r.exit_code == 0) fmt::print("{}: ok\n", f);
    else std::fputs(r.diagnostics.c_str(), stderr);
  }
  return status;
}

int cmd_explain(const std::string& topic) {
  const std::string text = kesim::check::explain(topic);
  if (text.empty()) {
    fmt::print(stderr, "kesim explain: unknown topic '{}' (a bugcheck code like 0x162, or an "
                       "operation like ExAcquirePushLockExclusive)\n", topic);
    return 2;
  }
  std::fputs(text.c_str(), stdout);
  if (text.back() != '\n') std::fputs("\n", stdout);
  return 0;
}

// Exploration: run the scenario under many schedules until one breaks its expectation, then
// print that schedule's token for `kesim replay`. random: one seed per run (every scheduling
// point picks a random runnable CPU); pct: PCT with depth = preemption bound + 1, its change
// points spread over the step count of a first run; dfs: every schedule within the preemption
// bound, depth first.
int cmd_explore(const std::string& file, const std::string& strategy, int runs, int bound,
                const std::string& time_budget) {
  kesim::run::Options base;
  if (!time_budget.empty()) {
    const auto d = kesim::scenario::parse_duration(time_budget);
    if (!d || *d <= 0) {
      fmt::print(stderr, "kesim explore: bad --time '{}' (a duration like 10ms)\n", time_budget);
      return 2;
    }
    base.time_limit = *d;
  }
  const kesim::run::ExploreResult r = kesim::run::explore(file, strategy, runs, bound, base);
  if (r.exit_code >= 2) {
    std::fputs(r.diagnostics.c_str(), stderr);
    return r.exit_code;
  }
  if (r.exit_code == 1) {
    fmt::print("schedule {} breaks the expectation (run {} of {}): {}\n", r.token, r.runs, runs, r.summary);
    fmt::print("replay it with: kesim replay {} --schedule {}\n", file, r.token);
    return 1;
  }
  if (r.exhausted)
    fmt::print("all {} schedules with at most {} preemption(s) explored (dfs), the expectation held in "
               "every one\n", r.runs, bound);
  else
    fmt::print("{} schedules explored ({}), the expectation held in every one\n", r.runs, strategy);
  return 0;
}

int cmd_replay(const std::string& file, const std::string& token, const std::string& format,
               const std::string& trace_out) {
  kesim::run::Options opt;
  opt.schedule = token;
  opt.trace_out = trace_out;
  return cmd_run({file}, opt, format);
}

}  // namespace

int main(int argc, char** argv) {
  kesim::cli::install_crash_handler();  // a fiber stack overflow: exit 3 with the thread
  CLI::App app{"kesim: a deterministic Windows kernel-synchronization simulator"};
  app.require_subcommand(1);

  std::vector<std::string> files;
  kesim::run::Options opt;
  std::uint64_t seed = 0;
  int processors = 0;
  std::string format = "text";

  auto* run = app.add_subcommand("run", "run scenarios and print their reports");
  run->add_option("files", files, "scenario files")->required();
  auto* seed_opt = run->add_option("--seed", seed, "scheduling seed (overrides machine.seed)");
  auto* proc_opt = run->add_option("--processors", processors, "simulated CPUs (overrides machine.processors)")
                       ->check(CLI::Range(1, 64));
  run->add_option("--format", format, "report format")->check(CLI::IsMember({"text", "json"}));
  run->add_option("--trace-out", opt.trace_out, "write a Chrome/Perfetto timeline (JSON)");

  std::vector<std::string> paths;
  std::string junit;
  auto* test = app.add_subcommand("test", "run every *.yaml below the paths and check its expect block");
  test->add_option("paths", paths, "files or directories")->required();
  test->add_option("--junit", junit, "also write JUnit XML here");

  std::vector<std::string> check_files;
  auto* check = app.add_subcommand("check", "validate scenarios without running them");
  check->add_option("files", check_files, "scenario files")->required();

  std::string topic;
  auto* explain = app.add_subcommand("explain", "describe a bugcheck code or an operation");
  explain->add_option("topic", topic, "0x162, KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE, ExAcquirePushLockExclusive, ...")
      ->required();

  std::string explore_file, strategy = "random", time_budget;
  int runs = 100, bound = 2;
  auto* explore = app.add_subcommand("explore", "search schedules for one that breaks the expectation");
  explore->add_option("file", explore_file, "scenario file")->required();
  explore->add_option("--strategy", strategy, "random | pct | dfs")->check(CLI::IsMember({"random", "pct", "dfs"}));
  explore->add_option("--runs", runs, "schedules to try")->check(CLI::Range(1, 1000000));
  explore->add_option("--time", time_budget, "virtual time limit of each run (overrides machine.time_limit)");
  explore->add_option("--preemption-bound", bound, "dfs: most preemptions per schedule; pct: priority change points (depth - 1)")->check(CLI::Range(0, 63));

  std::string replay_file, token;
  auto* replay = app.add_subcommand("replay", "rerun exactly one explored schedule");
  replay->add_option("file", replay_file, "scenario file")->required();
  replay->add_option("--schedule", token, "schedule token printed by explore")->required();
  replay->add_option("--format", format, "report format")->check(CLI::IsMember({"text", "json"}));
  replay->add_option("--trace-out", opt.trace_out, "write a Chrome/Perfetto timeline (JSON)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    if (*seed_opt) opt.seed = seed;
    if (*proc_opt) opt.processors = processors;
    if (*run) return cmd_run(files, opt, format);
    if (*test) return cmd_test(paths, junit);
    if (*check) return cmd_check(check_files);
    if (*explain) return cmd_explain(topic);
    if (*explore) return cmd_explore(explore_file, strategy, runs, bound, time_budget);
    if (*replay) return cmd_replay(replay_file, token, format, opt.trace_out);
  } catch (const std::exception& e) {
    fmt::print(stderr, "kesim: internal error: {}\n", e.what());
    return 3;
  }
  return 2;
}
