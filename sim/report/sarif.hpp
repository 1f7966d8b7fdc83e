// sim/report/sarif.hpp — findings as SARIF 2.1.0 (OASIS Static Analysis Results Interchange
// Format), for code-scanning UIs: `kesim test --sarif FILE`, `kesim run --sarif FILE`,
// `kesim explore --sarif FILE`. One result per failing scenario (rule = the outcome, or why it
// did not run) plus one per checker finding; each located at the scenario step that names the
// cause (a bugcheck's step, each blocked thread's step, the failed assert), else at line 1 of
// the scenario. GitHub code scanning requires `region.startLine` on every result (its SARIF
// support notes); kesim always gives it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kesim::report {

struct SarifCase {
  std::string file;         // the scenario file
  std::string status;       // "pass", "fail", "error", "crash", "timeout" (run::case_status_name)
  std::string summary;      // one line: outcome and mismatches, or the cause
  std::string diagnostics;  // loader errors "file:line:col: error: message" (status error)
  nlohmann::json report;    // the §6 JSON report, or null
  std::string token;        // explore: the schedule token that breaks the scenario ("" none)
};

// The SARIF log of these cases (passing ones contribute nothing). `version`: kesim's version.
nlohmann::json to_sarif(const std::vector<SarifCase>& cases, const std::string& version);

}  // namespace kesim::report
