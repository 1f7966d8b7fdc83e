// sim/run/batch.hpp — `kesim test` (SCENARIO-FORMAT §8): every *.yaml below the paths, each
// scenario isolated in a child process with a wall-clock limit, one line per scenario as soon as
// it ends, a closing line `N passed, N failed` and a JUnit file that are always complete.
//
// Isolation: the batch forks; the child calls run_file() and sends its Result back through a
// pipe as one JSON object, then _exit(0)s. Anything else — a signal, a sanitizer report (which
// exits without a result), an exception that escaped, the wall-clock limit — is that scenario's
// failure, described from the child's exit status and its captured stderr; the batch goes on.
// fork without exec keeps this a library call that a test binary can make (no kesim binary to
// find, no hidden subcommand).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/report/sarif.hpp"
#include "sim/run/run.hpp"

namespace kesim::run {

enum class CaseStatus {
  passed,     // run_file exit 0
  failed,     // the expectation was not met (exit 1)
  bad_input,  // the scenario did not load (exit 2), with its diagnostics
  crashed,    // the child ended without a result: signal, sanitizer report, internal error
  timed_out,  // the child ran past the wall-clock limit and was killed
};
const char* case_status_name(CaseStatus s);  // "pass", "fail", "error", "crash", "timeout"

struct CaseResult {
  std::string file;
  std::string name;           // the scenario's name, else the file stem
  CaseStatus status = CaseStatus::passed;
  int exit_code = 0;          // what this scenario alone would make `kesim test` exit with
  std::string summary;        // one line: outcome and mismatches, or the cause of a crash
  std::string diagnostics;    // load errors, or the child's stderr after a crash
  nlohmann::json report;      // the JSON report of §6 (null unless the scenario ran)
  int signal = 0;             // the signal that ended the child (crashed, timed_out)
};

struct BatchOptions {
  std::int64_t timeout_ms = 60'000;  // wall clock per scenario (SCENARIO-FORMAT §8 default)
  bool json = false;                 // --format json: one JSON object per line instead of text
  std::string junit;                 // --junit FILE ("" none)
  std::string sarif;                 // --sarif FILE ("" none): SARIF 2.1.0 of the failures
  std::string tool_version = "dev";  // kesim's version, for the SARIF driver
  std::optional<bool> verifier;      // --verifier: every scenario with Driver Verifier's checks on
  // Where the lines go (each call one complete line with its '\n'); default: stdout, flushed
  // after every line so a pipe sees each result as it happens.
  std::function<void(std::string_view)> out;
  std::function<void(std::string_view)> err;  // default: stderr
};

struct BatchResult {
  std::vector<CaseResult> cases;
  int passed = 0, failed = 0;
  int exit_code = 0;      // 0 all passed, 1 a failure, 2 bad input/usage, 3 a crash
  int interrupted = 0;    // SIGINT/SIGTERM that stopped the batch early (0: ran to the end)
};

// Runs the batch: collects the files (sorted per directory), runs each isolated, prints, writes
// the JUnit file. Never ends the process; on SIGINT/SIGTERM it kills the running child, prints
// the summary, writes the JUnit file and returns with `interrupted` set (the caller may then
// re-raise the signal).
BatchResult run_batch(const std::vector<std::string>& paths, const BatchOptions& opt);

// One scenario in a child process (what run_batch does per file).
CaseResult run_isolated(const std::string& file, std::int64_t timeout_ms, const Options& run_opt = {});

// The SARIF case of one scenario result (sim/report/sarif.hpp).
report::SarifCase sarif_case(const CaseResult& c);
// Writes `text` to FILE.tmp and renames it, so FILE is either absent/previous or complete.
bool write_whole_file(const std::string& path, const std::string& text);

// A wall-clock duration for --timeout: DIGITS[.DIGITS](ms|s|m|h), as milliseconds (> 0).
std::optional<std::int64_t> parse_wall_time(std::string_view s);

// The exit status of a batch: worst of its cases (3 > 2 > 1 > 0).
int worse_exit(int a, int b);

}  // namespace kesim::run
