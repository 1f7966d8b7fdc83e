// tools/kesim/main.cpp — the `kesim` command: options, one library call per command, exit code
// (SCENARIO-FORMAT §5). No simulation logic lives here.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/catalog.hpp"
#include "sim/report/report.hpp"
#include "sim/run/batch.hpp"
#include "sim/run/progress.hpp"
#include "sim/run/run.hpp"
#include "sim/run/schedule_analysis.hpp"
#include "sim/run/shards.hpp"
#include "sim/report/sarif.hpp"
#include "sim/scenario/program.hpp"
#include "tools/kesim/crash.hpp"
#include "tools/kesim/play_cmd.hpp"

using kesim::run::Result;

#ifdef KESIM_ASAN
// A sanitizer report ends the process with exit status 1 by default, which reads as "expect
// not met": make it 3, an internal error (SCENARIO-FORMAT §5). ASAN_OPTIONS/UBSAN_OPTIONS in
// the environment still override this.
extern "C" const char* __asan_default_options() { return "exitcode=3"; }
extern "C" const char* __ubsan_default_options() { return "exitcode=3"; }
#endif

namespace {

int worst(int a, int b) { return kesim::run::worse_exit(a, b); }

// The SARIF status of one `run`/`replay` result (kesim test's statuses).
const char* sarif_status(const Result& r) {
  switch (r.exit_code) {
    case kesim::run::kMet: return "pass";
    case kesim::run::kNotMet: return "fail";
    case kesim::run::kBadInput: return "error";
    default: return "crash";
  }
}

bool write_sarif(const std::string& path, const std::vector<kesim::report::SarifCase>& cases) {
  if (path.empty()) return true;
  if (kesim::run::write_whole_file(path, kesim::report::to_sarif(cases, KESIM_VERSION).dump(2) + "\n")) return true;
  fmt::print(stderr, "{}: error: cannot write the SARIF file\n", path);
  return false;
}

int cmd_run(const std::vector<std::string>& files, const kesim::run::Options& opt,
            const std::string& format, const std::string& sarif = "") {
  int status = 0;
  std::vector<kesim::report::SarifCase> sarif_cases;
  nlohmann::json array = nlohmann::json::array();
  bool first = true;
  // Several scenarios: one trace / HTML file each, named after the scenario (run.hpp).
  std::string error;
  std::vector<std::string> traces, pages;
  if (!opt.trace_out.empty() && (traces = kesim::run::per_scenario_paths(opt.trace_out, files, &error)).empty()) {
    std::fputs(error.c_str(), stderr);
    return 2;
  }
  if (!opt.html_out.empty() && (pages = kesim::run::per_scenario_paths(opt.html_out, files, &error)).empty()) {
    std::fputs(error.c_str(), stderr);
    return 2;
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string& f = files[i];
    kesim::cli::set_crash_scenario(f.c_str());
    kesim::run::Options one = opt;
    if (!traces.empty()) one.trace_out = traces[i];
    if (!pages.empty()) one.html_out = pages[i];
    Result r = kesim::run::run_file(f, one);
    status = worst(status, r.exit_code);
    sarif_cases.push_back({f, sarif_status(r), r.summary, r.diagnostics, r.json, opt.schedule});
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
    // A scenario string or file name may hold invalid UTF-8: replace it (U+FFFD) rather than
    // throw and lose every report of the run.
    std::fputs((out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n").c_str(), stdout);
  }
  if (!write_sarif(sarif, sarif_cases)) status = worst(status, kesim::run::kBadInput);
  return status;
}


int cmd_test(const std::vector<std::string>& paths, const std::string& junit, const std::string& sarif,
             const std::string& timeout, const std::string& format, bool verifier) {
  kesim::run::BatchOptions opt;
  if (verifier) opt.verifier = true;
  const auto ms = kesim::run::parse_wall_time(timeout);
  if (!ms) {
    fmt::print(stderr, "kesim test: bad --timeout '{}' (a wall-clock duration like 500ms, 30s, 5m)\n", timeout);
    return 2;
  }
  opt.timeout_ms = *ms;
  opt.json = format == "json";
  opt.junit = junit;
  opt.sarif = sarif;
  opt.tool_version = KESIM_VERSION;
  const kesim::run::BatchResult r = kesim::run::run_batch(paths, opt);
  if (r.interrupted != 0) {
    // The batch printed its summary and wrote the JUnit file; end as the signal would have.
    std::fflush(nullptr);
    std::signal(r.interrupted, SIG_DFL);
    std::raise(r.interrupted);
  }
  return r.exit_code;
}

// Decimal text only: CLI11 would read "-1" into a uint64 as 2^64-1 and wrap 2^64 silently.
std::optional<std::uint64_t> parse_seed(const std::string& text) {
  if (text.empty() || text.size() > 20 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 10);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string version_text() {
  // KESIM_VERSION, KESIM_BUILD_TYPE and KESIM_COMPILER come from tools/kesim/CMakeLists.txt.
#ifdef KESIM_ASAN
  const char* sanitizers = ", AddressSanitizer + UndefinedBehaviorSanitizer";
#else
  const char* sanitizers = "";
#endif
  return fmt::format("kesim {}\nbuild: {} ({}{})\ntrace format: {}", KESIM_VERSION, KESIM_BUILD_TYPE,
                     KESIM_COMPILER, sanitizers, kesim::report::kTraceFormatVersion);
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

int cmd_explain(const std::string& topic, bool list) {
  if (list || topic.empty()) {
    std::fputs(kesim::check::explain_topics().c_str(), stdout);
    return 0;
  }
  const std::string text = kesim::check::explain(topic);
  if (text.empty()) {
    const auto close = kesim::check::suggest_topics(topic);
    std::string hint;
    for (std::size_t i = 0; i < close.size(); ++i)
      hint += (i == 0 ? "; did you mean " : i + 1 == close.size() ? " or " : ", ") + close[i];
    if (!hint.empty()) hint += "?";
    fmt::print(stderr, "kesim explain: unknown topic '{}'{} (`kesim explain` lists the topics)\n",
               topic, hint);
    return 2;
  }
  std::fputs(text.c_str(), stdout);
  if (text.back() != '\n') std::fputs("\n", stdout);
  return 0;
}

// Exploration: run the scenario under many schedules until one breaks its expectation, then
// print that schedule's token (scenario hash / schedule) for `kesim replay`. The strategies,
// the budget and shrinking are sim/explore/driver.hpp's; see README "Exploring schedules".
struct ExploreArgs {
  std::string file, strategy = "portfolio", time_limit, budget, format = "text", seed, html, sarif, trace_out;
  std::string shard;               // --shard I/N
  std::vector<std::string> merge;  // --merge FILE...: shard results to combine
  int jobs = 1;                    // --jobs N: worker processes
  std::optional<int> processors;
  bool verifier = false;           // --verifier
  bool no_analysis = false;        // --no-analysis: no Schedule analysis of the token printed
  std::string jitter;              // --jitter PCT
  int runs = 1000;
  std::optional<int> preemption_bound, delay_bound;
};

int cmd_explore(const ExploreArgs& a) {
  kesim::run::Options base;
  base.processors = a.processors;
  // The token printed is narrated (one more run) and, unless --no-analysis, analysed: which
  // choices matter, the critical step (sim/run/schedule_analysis.hpp; capped in runs).
  base.schedule_section = true;
  base.analyze_schedule = !a.no_analysis;
  if (a.verifier) base.verifier = true;
  if (!a.jitter.empty()) {
    base.jitter = kesim::scenario::parse_percent(a.jitter);
    if (!base.jitter) {
      fmt::print(stderr, "kesim explore: bad --jitter '{}' (a percentage from 0 to 100, like 10 or 10%)\n", a.jitter);
      return 2;
    }
  }
  if (!a.time_limit.empty()) {
    const auto d = kesim::scenario::parse_duration(a.time_limit);
    if (!d || *d <= 0) {
      fmt::print(stderr, "kesim explore: bad --time '{}' (a duration like 10ms)\n", a.time_limit);
      return 2;
    }
    base.time_limit = *d;
  }
  kesim::explore::ExploreConfig c;
  c.strategy = a.strategy;
  c.runs = a.runs;
  c.preemption_bound = a.preemption_bound;
  c.delay_bound = a.delay_bound;
  if (a.strategy == "pct" && a.preemption_bound) c.depth = *a.preemption_bound + 1;
  if (!a.budget.empty()) {
    const auto ms = kesim::run::parse_wall_time(a.budget);
    if (!ms || *ms <= 0) {
      fmt::print(stderr, "kesim explore: bad --budget '{}' (a wall-clock duration like 500ms, 30s, 5m)\n", a.budget);
      return 2;
    }
    c.budget = std::chrono::milliseconds(*ms);
  }
  if (!a.seed.empty()) {
    const auto seed = parse_seed(a.seed);
    if (!seed) {
      fmt::print(stderr, "kesim explore: bad --seed '{}' (a decimal integer from 0 to 18446744073709551615)\n", a.seed);
      return 2;
    }
    c.seed = *seed;
  }
  if (!a.shard.empty()) {
    const auto shard = kesim::run::parse_shard(a.shard);
    if (!shard) {
      fmt::print(stderr, "kesim explore: bad --shard '{}' (I/N with 1 <= I <= N)\n", a.shard);
      return 2;
    }
    c.shard = *shard;
  }
  nlohmann::json j;
  std::string error;
  if (!a.merge.empty()) {
    std::vector<nlohmann::json> parts;
    for (const std::string& f : a.merge) {
      std::ifstream in(f, std::ios::binary);
      nlohmann::json part = nlohmann::json::parse(in, nullptr, false);
      if (!in.is_open() || part.is_discarded()) {
        fmt::print(stderr, "{}: error: not a JSON result of kesim explore --format json\n", f);
        return 2;
      }
      parts.push_back(std::move(part));
    }
    auto merged = kesim::run::merge_shards(parts, &error);
    if (!merged) {
      fmt::print(stderr, "kesim explore --merge: {}\n", error);
      return 2;
    }
    j = std::move(*merged);
  } else if (a.jobs > 1) {
    if (const std::string bad = kesim::explore::validate(c); !bad.empty()) {
      fmt::print(stderr, "kesim explore: {}\n", bad);
      return 2;
    }
    auto merged = kesim::run::explore_jobs(a.file, c, base, a.jobs, &error);
    if (!merged) {
      fmt::print(stderr, "kesim explore: {}\n", error);
      return 2;
    }
    j = std::move(*merged);
  } else {
    kesim::run::ProgressLine progress(stderr, a.strategy);  // draws only on a terminal
    c.progress = progress.hook();
    const kesim::run::ExploreResult r = kesim::run::explore(a.file, c, base);
    progress.clear();
    if (r.exit_code >= 2) {
      std::fputs(r.diagnostics.c_str(), stderr);
      return r.exit_code;
    }
    j = kesim::run::exploration_json(r, c, r.scenario_hash);
  }
  const bool found = j["found"].get<bool>();
  const std::string token = found ? j["token"].get<std::string>() : std::string();
  // Workers (--jobs) and shards do not analyse: the token a merge keeps is known only now. A
  // merge recomputes the analysis (when given the file) rather than trust a part's.
  if (!a.merge.empty())
    for (const char* k : {"schedule", "critical_step", "choices_that_matter"}) j.erase(k);
  const bool one_part_of_several = a.merge.empty() && c.shard.count > 1;
  if (found && !j.contains("schedule") && !a.file.empty() && !one_part_of_several) {
    kesim::run::Options again = base;
    again.schedule = token;
    const Result r = kesim::run::run_file(a.file, again);
    if (r.schedule) kesim::run::add_schedule_fields(j, *r.schedule);
  }
  // The breaking schedule once more (runs are deterministic), this time with the reports asked
  // for: the HTML page, the timeline and the SARIF result (nothing found: an empty SARIF log).
  std::vector<kesim::report::SarifCase> sarif_cases;
  if (found && (!a.html.empty() || !a.sarif.empty() || !a.trace_out.empty())) {
    if (a.file.empty()) {
      fmt::print(stderr, "kesim explore --merge: give the scenario file too for --html, --trace-out or --sarif\n");
      return 2;
    }
    kesim::run::Options again = base;
    again.schedule = token;
    again.html_out = a.html;
    again.trace_out = a.trace_out;
    // The analysis (already in `j`) is run again only for the HTML page that shows it.
    again.schedule_section = !a.html.empty();
    const Result page = kesim::run::run_file(a.file, again);
    if (!page.diagnostics.empty()) std::fputs(page.diagnostics.c_str(), stderr);
    if (page.exit_code >= 2) return page.exit_code;
    sarif_cases.push_back({a.file, sarif_status(page), page.summary, page.diagnostics, page.json, token});
  }
  if (!write_sarif(a.sarif, sarif_cases)) return 2;
  if (a.format == "json") {
    std::fputs(kesim::run::dump_exploration(j).c_str(), stdout);
    return found ? 1 : 0;
  }
  const std::string shard = j.value("shard", "1/1");
  const std::string part = shard == "1/1" ? "" : fmt::format(" (shard {})", shard);
  if (found) {
    fmt::print("schedule {} breaks the expectation (run {}, found by {}{}): {}\n", token, j["schedules"].get<int>(),
               j["strategy"].get<std::string>(), part, j["summary"].get<std::string>());
    if (j.contains("critical_step")) {
      for (const auto& line : j["choices_that_matter"]) fmt::print("  {}\n", line.get<std::string>());
      if (!j["critical_step"].is_null()) fmt::print("  {}\n", j["critical_step"].get<std::string>());
    }
    if (j.value("shrink_changed", false))
      fmt::print("shrunk in {} more runs: {} -> {} steps\n", j.value("shrink_runs", 0),
                 j["shrunk"]["from_steps"].get<std::uint64_t>(), j["shrunk"]["to_steps"].get<std::uint64_t>());
    fmt::print("replay it with: kesim replay {} --schedule {}{}{}{}\n", a.file.empty() ? "FILE" : a.file, token,
               a.processors ? fmt::format(" --processors {}", *a.processors) : std::string(),
               a.verifier ? " --verifier" : "", base.jitter ? fmt::format(" --jitter {}", *base.jitter) : std::string());
    if (!a.html.empty()) fmt::print("HTML report of that schedule: {}\n", a.html);
    if (!a.trace_out.empty()) fmt::print("timeline of that schedule: {}\n", a.trace_out);
    return 1;
  }
  fmt::print("no schedule breaks the expectation{}: {}\n", part, j["verdict"].get<std::string>());
  return 0;
}

int cmd_replay(const std::string& file, const std::string& token, const std::string& format,
               const kesim::run::Options& given, const std::string& sarif) {
  kesim::run::Options opt;
  opt.schedule = token;
  opt.trace_out = given.trace_out;
  opt.html_out = given.html_out;
  opt.processors = given.processors;  // "the value explore was given"
  opt.verifier = given.verifier;
  opt.schedule_section = true;
  opt.analyze_schedule = given.analyze_schedule;
  opt.jitter = given.jitter;
  return cmd_run({file}, opt, format, sarif);
}

}  // namespace

int main(int argc, char** argv) {
  kesim::cli::install_crash_handler();  // a fiber stack overflow: exit 3 with the thread
  CLI::App app{"kesim: a deterministic Windows kernel-synchronization simulator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text());

  std::vector<std::string> files;
  kesim::run::Options opt;
  std::string seed_text;
  int processors = 0;
  std::string format = "text";

  auto* run = app.add_subcommand("run", "run scenarios and print their reports");
  run->add_option("files", files, "scenario files")->required();
  auto* seed_opt = run->add_option("--seed", seed_text, "scheduling seed 0..2^64-1 (overrides machine.seed)");
  auto* proc_opt = run->add_option("--processors", processors, "simulated CPUs (overrides machine.processors)")
                       ->check(CLI::Range(1, 64));
  run->add_option("--format", format, "report format")->check(CLI::IsMember({"text", "json"}));
  run->add_option("--trace-out", opt.trace_out, "write a Chrome/Perfetto timeline (JSON); several files: "
                                                "FILE.<scenario>.json each");
  run->add_option("--html", opt.html_out, "write a self-contained HTML report (timeline, views per step, "
                                          "wait-for graph); several files: FILE.<scenario>.html each");
  run->add_option("--schedule", opt.schedule, "run one schedule token printed by explore");
  std::string sarif;
  run->add_option("--sarif", sarif, "write the failures as SARIF 2.1.0 (code-scanning UIs)");
  bool verifier = false;
  constexpr const char* kVerifierHelp = "Driver Verifier's checks on (overrides machine.verifier)";
  run->add_flag("--verifier", verifier, kVerifierHelp);
  bool no_analysis = false;
  constexpr const char* kNoAnalysisHelp =
      "with a dfs --schedule: list the choices that differ from kesim's default, but run no more schedules to "
      "tell which matter and the critical step";
  run->add_flag("--no-analysis", no_analysis, kNoAnalysisHelp);
  std::string jitter_text;
  constexpr const char* kJitterHelp = "work durations and I/O latencies vary by up to PCT% either way, as the "
                                      "schedule chooses (overrides machine.jitter; 0: off)";
  auto* jitter_opt = run->add_option("--jitter", jitter_text, kJitterHelp);

  std::vector<std::string> paths;
  std::string junit, timeout = "60s", test_format = "text";
  auto* test = app.add_subcommand("test", "run every *.yaml below the paths, each isolated in a child "
                                          "process, and check its expect block");
  test->add_option("paths", paths, "files or directories")->required();
  test->add_option("--junit", junit, "also write JUnit XML here");
  test->add_option("--sarif", sarif, "also write the failures as SARIF 2.1.0 here");
  test->add_option("--timeout", timeout, "wall-clock limit per scenario (default 60s)");
  test->add_option("--format", test_format, "one line per scenario: text or a JSON object")
      ->check(CLI::IsMember({"text", "json"}));
  test->add_flag("--verifier", verifier, kVerifierHelp);

  std::vector<std::string> check_files;
  auto* check = app.add_subcommand("check", "validate scenarios without running them");
  check->add_option("files", check_files, "scenario files")->required();

  std::string topic;
  bool list_topics = false;
  auto* explain = app.add_subcommand("explain", "describe a bugcheck code or an operation (no topic: list them)");
  explain->add_option("topic", topic, "0x162, KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE, ExAcquirePushLockExclusive, ...");
  explain->add_flag("--list", list_topics, "list the topics");

  ExploreArgs ex;
  auto* explore = app.add_subcommand("explore", "search schedules for one that breaks the expectation");
  explore->add_option("file", ex.file, "scenario file (not needed with --merge)");
  explore->add_option("--strategy", ex.strategy, "random | pct | pos | dfs | dpor | portfolio (default)")
      ->check(CLI::IsMember({"random", "pct", "pos", "dfs", "dpor", "portfolio"}));
  explore->add_option("--runs", ex.runs, "schedules to try at most (default 1000)")->check(CLI::Range(1, 100000000));
  explore->add_option("--budget", ex.budget, "wall-clock budget (500ms, 30s, 5m); with --runs, whichever first");
  explore->add_option("--time", ex.time_limit, "virtual time limit of each run (overrides machine.time_limit)");
  explore->add_option("--preemption-bound", ex.preemption_bound,
                      "dfs: most preemptions per schedule (default: iterative 0, 1, 2, ...); pct: depth - 1")
      ->check(CLI::Range(0, 63));
  explore->add_option("--delay-bound", ex.delay_bound, "dfs: most delays per schedule (delay bounding)")
      ->check(CLI::Range(0, 1000));
  explore->add_option("--seed", ex.seed, "random / pct / pos: the first run uses seed + 1 (default 0)");
  explore->add_option("--format", ex.format, "result format")->check(CLI::IsMember({"text", "json"}));

  std::string replay_file, token;
  explore->add_option("--html", ex.html, "write the HTML report of the breaking schedule (if one is found)");
  explore->add_option("--trace-out", ex.trace_out, "write the timeline of the breaking schedule (if one is found)");
  explore->add_option("--sarif", ex.sarif, "write the breaking schedule's failure as SARIF 2.1.0");
  explore->add_option("--processors", ex.processors, "simulated CPUs (overrides machine.processors; replay "
                                                    "the token with the same value)")
      ->check(CLI::Range(1, 64));
  explore->add_option("--shard", ex.shard, "run only part I of N disjoint parts (I/N; a cluster job array)");
  explore->add_option("--jobs", ex.jobs, "run N worker processes (shards) and merge them")->check(CLI::Range(1, 1024));
  explore->add_flag("--verifier", ex.verifier, kVerifierHelp);
  explore->add_flag("--no-analysis", ex.no_analysis,
                    "do not analyse the schedule found (which choices matter, the critical step): faster");
  explore->add_option("--jitter", ex.jitter, kJitterHelp);
  explore->add_option("--merge", ex.merge, "combine the --format json results of shards 1/N..N/N into one verdict");

  auto* replay = app.add_subcommand("replay", "rerun exactly one explored schedule");
  replay->add_option("file", replay_file, "scenario file")->required();
  replay->add_option("--schedule", token, "schedule token printed by explore")->required();
  replay->add_option("--format", format, "report format")->check(CLI::IsMember({"text", "json"}));
  replay->add_option("--trace-out", opt.trace_out, "write a Chrome/Perfetto timeline (JSON)");
  replay->add_option("--html", opt.html_out, "write a self-contained HTML report");
  replay->add_option("--sarif", sarif, "write the failure as SARIF 2.1.0");
  auto* replay_proc = replay->add_option("--processors", processors, "simulated CPUs: the value explore was given")
                          ->check(CLI::Range(1, 64));
  replay->add_flag("--verifier", verifier, "Driver Verifier's checks on: as explore was given");
  replay->add_flag("--no-analysis", no_analysis, kNoAnalysisHelp);
  auto* replay_jitter = replay->add_option("--jitter", jitter_text, "jitter percentage: the value explore was given");

  kesim::cli::PlayArgs pa;
  auto* play = app.add_subcommand("play", "be the scheduler: choose what runs at each scheduling point");
  play->add_option("file", pa.file, "scenario file")->required();
  play->add_option("--seed", pa.seed, "recorded in the report (every choice is yours)");
  play->add_option("--processors", pa.processors, "simulated CPUs (overrides machine.processors)")
      ->check(CLI::Range(1, 64));
  play->add_flag("--predict", pa.predict, "also answer the scenario's questions (ask steps); score at the end");
  play->add_flag("--verifier", pa.verifier, kVerifierHelp);
  play->add_option("--jitter", pa.jitter, kJitterHelp);
  play->add_flag("--plain", pa.plain, "the plain line protocol even on a terminal");
  play->add_option("--schedule", pa.schedule, "start from a token's picks (HASH/dfs:P0.P1...), then choose on");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    if (*seed_opt) {
      opt.seed = parse_seed(seed_text);
      if (!opt.seed) {
        fmt::print(stderr, "kesim run: bad --seed '{}' (a decimal integer from 0 to 18446744073709551615)\n",
                   seed_text);
        return 2;
      }
    }
    if (*proc_opt || *replay_proc) opt.processors = processors;
    if (verifier) opt.verifier = true;
    opt.schedule_section = !opt.schedule.empty();  // run --schedule; replay sets it itself
    opt.analyze_schedule = !no_analysis;
    if (*jitter_opt || *replay_jitter) {
      opt.jitter = kesim::scenario::parse_percent(jitter_text);
      if (!opt.jitter) {
        fmt::print(stderr, "kesim: bad --jitter '{}' (a percentage from 0 to 100, like 10 or 10%)\n", jitter_text);
        return 2;
      }
    }
    if (*run) return cmd_run(files, opt, format, sarif);
    if (*test) return cmd_test(paths, junit, sarif, timeout, test_format, verifier);
    if (*check) return cmd_check(check_files);
    if (*explain) return cmd_explain(topic, list_topics);
    if (*explore) {
      if (ex.file.empty() && ex.merge.empty()) {
        fmt::print(stderr, "kesim explore: a scenario file is required (or --merge FILE...)\n");
        return 2;
      }
      if (!ex.merge.empty() && (ex.jobs > 1 || !ex.shard.empty())) {
        fmt::print(stderr, "kesim explore: --merge combines results; it runs nothing, so no --jobs or --shard\n");
        return 2;
      }
      return cmd_explore(ex);
    }
    if (*replay) return cmd_replay(replay_file, token, format, opt, sarif);
    if (*play) return kesim::cli::cmd_play(pa);
  } catch (const std::exception& e) {
    fmt::print(stderr, "kesim: internal error: {}\n", e.what());
    return 3;
  }
  return 2;
}
