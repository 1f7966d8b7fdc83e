// sim/run/run.hpp — one scenario end to end: load and validate, run on a fresh kernel with the
// checkers attached, compare with `expect`, render. What the CLI commands call; a test can
// call it too.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/report/report.hpp"

namespace kesim::run {

enum ExitCode : int { kMet = 0, kNotMet = 1, kBadInput = 2, kInternal = 3 };

struct Options {
  std::optional<std::uint64_t> seed;
  std::optional<int> processors;
  std::string trace_out;  // write the Chrome/Perfetto timeline here
};

struct Result {
  std::string file;
  int exit_code = kMet;
  std::string diagnostics;  // load/setup errors (exit 2), already formatted
  std::string text;         // the text report
  nlohmann::json json;      // the JSON report (null for bad input)
  report::ExpectResult expect;
  std::string outcome;      // outcome name ("" for bad input)
  std::string summary;      // one line for `kesim test`
};

Result run_file(const std::string& path, const Options& opt);
// Validates only (`kesim check`).
Result check_file(const std::string& path);

}  // namespace kesim::run
