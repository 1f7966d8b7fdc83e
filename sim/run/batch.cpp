// sim/run/batch.cpp — `kesim test`: collect the scenarios, run each isolated (isolate.cpp),
// print one line per scenario as it ends, the closing `N passed, N failed`, and the JUnit file.
// A crash or a timeout is that scenario's failure; nothing a scenario does can lose the
// others' results, the summary or the JUnit file.
#include "sim/run/batch.hpp"

#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sim/report/report.hpp"
#include "sim/run/batch_detail.hpp"
#include "sim/run/run.hpp"

namespace fs = std::filesystem;

namespace kesim::run {

namespace {

using nlohmann::json;

volatile std::sig_atomic_t g_interrupt = 0;

extern "C" void on_interrupt(int sig) { g_interrupt = sig; }

// Installs the SIGINT/SIGTERM handlers for the batch's lifetime and restores the previous
// ones after: a library call must leave the process as it found it. No SA_RESTART, so the
// parent's poll() wakes up at once.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupt = 0;
    struct sigaction sa {};
    sa.sa_handler = &on_interrupt;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptGuard() {
    g_interrupt = 0;  // run_batch returned it; a later run_isolated must not see it
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

bool is_scenario(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml"; }

std::vector<std::string> collect(const std::vector<std::string>& paths, BatchResult& res,
                                 const std::function<void(std::string_view)>& err) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file(ec) && is_scenario(it->path())) found.push_back(it->path().generic_string());
      if (ec) {
        err(fmt::format("{}: error: cannot list: {}\n", p, ec.message()));
        res.exit_code = worse_exit(res.exit_code, kBadInput);
      }
      std::sort(found.begin(), found.end());  // deterministic order
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      err(fmt::format("{}: error: no such file or directory\n", p));
      res.exit_code = worse_exit(res.exit_code, kBadInput);
    }
  }
  return files;
}

const char* tag(CaseStatus s) {
  switch (s) {
    case CaseStatus::passed: return "PASS";
    case CaseStatus::failed: return "FAIL";
    case CaseStatus::bad_input: return "ERROR";
    case CaseStatus::crashed: return "CRASH";
    case CaseStatus::timed_out: return "TIMEOUT";
  }
  return "?";
}

std::string dump_line(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

void print_case(const CaseResult& c, const BatchOptions& opt) {
  if (opt.json) {
    opt.out(dump_line({{"file", c.file},
                       {"scenario", c.name},
                       {"status", case_status_name(c.status)},
                       {"exit_code", c.exit_code},
                       {"summary", c.summary},
                       {"signal", c.signal ? json(c.signal) : json(nullptr)},
                       {"diagnostics", c.diagnostics},
                       {"report", c.report}}));
    return;
  }
  opt.out(fmt::format("{} {} ({})\n", tag(c.status), c.file, c.summary));
  if (c.diagnostics.empty()) return;
  // One call per line, so each reaches a pipe whole.
  std::size_t start = 0;
  while (start < c.diagnostics.size()) {
    const std::size_t nl = c.diagnostics.find('\n', start);
    const std::size_t end = nl == std::string::npos ? c.diagnostics.size() : nl;
    opt.out(c.diagnostics.substr(start, end - start) + "\n");
    start = end + 1;
  }
}

report::TestCase junit_case(const CaseResult& c) {
  report::TestCase tc;
  tc.name = c.name;
  tc.file = c.file;
  tc.passed = c.status == CaseStatus::passed;
  if (c.report.is_object()) tc.virtual_seconds = c.report.value("virtual_time_ns", 0.0) / 1e9;
  if (tc.passed) return tc;
  tc.failure = c.diagnostics.empty() ? c.summary : c.summary + "\n" + c.diagnostics;
  // JUnit: a failure is an assertion that did not hold; an error is anything unexpected.
  tc.error = c.status != CaseStatus::failed;
  tc.failure_type = case_status_name(c.status);
  return tc;
}

}  // namespace

int batch_interrupt_signal() { return g_interrupt; }

bool write_whole_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

report::SarifCase sarif_case(const CaseResult& c) {
  return {c.file, case_status_name(c.status), c.summary, c.diagnostics, c.report, ""};
}

const char* case_status_name(CaseStatus s) {
  switch (s) {
    case CaseStatus::passed: return "pass";
    case CaseStatus::failed: return "fail";
    case CaseStatus::bad_input: return "error";
    case CaseStatus::crashed: return "crash";
    case CaseStatus::timed_out: return "timeout";
  }
  return "?";
}

int worse_exit(int a, int b) {
  // internal error beats bad input beats a failed expectation beats success
  auto rank = [](int c) { return c == kInternal ? 4 : c == kBadInput ? 3 : c == kNotMet ? 2 : 1; };
  return rank(a) >= rank(b) ? a : b;
}

std::optional<std::int64_t> parse_wall_time(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  const std::string_view number = s.substr(0, i), unit = s.substr(i);
  double scale = 0;  // ms per unit
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1e3;
  else if (unit == "m") scale = 60e3;
  else if (unit == "h") scale = 3600e3;
  else return std::nullopt;
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      std::count(number.begin(), number.end(), '.') > 1 || number.size() > 12)
    return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  const double ms = v * scale;
  if (!(ms >= 1) || ms > 1e12) return std::nullopt;  // at least 1 ms, at most ~31 years
  return static_cast<std::int64_t>(ms);
}

BatchResult run_batch(const std::vector<std::string>& paths, const BatchOptions& given) {
  BatchOptions opt = given;
  if (!opt.out)
    opt.out = [](std::string_view s) {
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fflush(stdout);
    };
  if (!opt.err)
    opt.err = [](std::string_view s) {
      std::fwrite(s.data(), 1, s.size(), stderr);
      std::fflush(stderr);
    };
  BatchResult res;
  const InterruptGuard guard;
  const std::vector<std::string> files = collect(paths, res, opt.err);
  if (files.empty()) {
    opt.err(fmt::format("kesim test: no scenario (*.yaml, *.yml) found in {}\n", fmt::join(paths, ", ")));
    res.exit_code = worse_exit(res.exit_code, kBadInput);
  }
  std::vector<report::TestCase> cases;
  for (const std::string& f : files) {
    if (g_interrupt != 0) break;
    Options run_opt;
    run_opt.verifier = opt.verifier;
    CaseResult c = run_isolated(f, opt.timeout_ms, run_opt);
    (c.status == CaseStatus::passed ? res.passed : res.failed)++;
    res.exit_code = worse_exit(res.exit_code, c.exit_code);
    print_case(c, opt);
    cases.push_back(junit_case(c));
    res.cases.push_back(std::move(c));
  }
  res.interrupted = g_interrupt;
  const std::string summary = fmt::format("{} passed, {} failed", res.passed, res.failed);
  const std::size_t not_run = files.size() - res.cases.size();
  if (opt.json)
    opt.out(dump_line({{"summary", summary},
                       {"passed", res.passed},
                       {"failed", res.failed},
                       {"not_run", not_run},
                       {"exit_code", res.exit_code}}));
  else
    opt.out(not_run ? fmt::format("{} ({} not run: interrupted)\n", summary, not_run) : summary + "\n");
  if (!opt.junit.empty() && !write_whole_file(opt.junit, report::render_junit(cases))) {
    opt.err(fmt::format("{}: error: cannot write the JUnit file\n", opt.junit));
    res.exit_code = worse_exit(res.exit_code, kBadInput);
  }
  if (!opt.sarif.empty()) {
    std::vector<report::SarifCase> sc;
    for (const CaseResult& c : res.cases) sc.push_back(sarif_case(c));
    if (!write_whole_file(opt.sarif, report::to_sarif(sc, opt.tool_version).dump(2) + "\n")) {
      opt.err(fmt::format("{}: error: cannot write the SARIF file\n", opt.sarif));
      res.exit_code = worse_exit(res.exit_code, kBadInput);
    }
  }
  return res;
}

}  // namespace kesim::run
