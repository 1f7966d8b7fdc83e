// sim/report/sarif.cpp — SARIF 2.1.0 output (sim/report/sarif.hpp). Shape as the OASIS
// specification gives it: sarifLog {version, $schema, runs: [run {tool {driver {name, version,
// informationUri, rules}}, results: [result {ruleId, ruleIndex, level, message {text},
// locations: [{physicalLocation {artifactLocation {uri}, region {startLine}}}]}]}]}.
#include "sim/report/sarif.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace kesim::report {

using json = nlohmann::json;

namespace {

struct Rule {
  const char* id;
  const char* text;
};

// Every rule kesim can report, in a fixed order (ruleIndex is the position).
constexpr Rule kRules[] = {
    {"deadlock", "Threads wait for each other in a cycle (deadlock)"},
    {"hang", "Threads wait and nothing can wake them (hang)"},
    {"bugcheck", "The scenario bugchecks the simulated machine"},
    {"assertion_failed", "An assert step or an invariant failed"},
    {"time_limit", "The run reached its virtual time or step limit"},
    {"expectation", "The run did not meet the scenario's expect block"},
    {"invalid_scenario", "The scenario file does not load"},
    {"crash", "kesim crashed on this scenario"},
    {"timeout", "The scenario exceeded its wall-clock limit"},
    {"data_race", "Two plain accesses, one a write, are not ordered by happens-before"},
    {"lock_order", "Two locks are taken in opposite orders (a potential deadlock)"},
    {"foreign_release", "A thread released a lock another thread holds"},
    {"apc_context", "A lock taken in a kernel APC is also held with that kind of APC enabled (re-entrancy)"},
};

int rule_index(const std::string& id) {
  for (std::size_t i = 0; i < std::size(kRules); ++i)
    if (id == kRules[i].id) return static_cast<int>(i);
  return -1;
}

struct Location {
  std::string file;
  int line = 1;
  int column = 0;
};

// Every "FILE.yaml:LINE" (optionally ":COLUMN") a text names, in order.
std::vector<Location> locations_in(const std::string& text) {
  static const std::regex kLoc(R"(([^\s`'"(\[]+\.ya?ml):(\d+)(?::(\d+))?)");
  std::vector<Location> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kLoc); it != std::sregex_iterator(); ++it) {
    Location l{(*it)[1].str(), std::stoi((*it)[2].str()), (*it)[3].matched ? std::stoi((*it)[3].str()) : 0};
    if (std::none_of(out.begin(), out.end(), [&](const Location& o) { return o.file == l.file && o.line == l.line; }))
      out.push_back(std::move(l));
  }
  return out;
}

json physical(const Location& l) {
  json region = {{"startLine", std::max(l.line, 1)}};
  if (l.column > 0) region["startColumn"] = l.column;
  return {{"physicalLocation", {{"artifactLocation", {{"uri", l.file}}}, {"region", region}}}};
}

json result(const std::string& rule, const std::string& message, std::vector<Location> where,
            const std::string& file, const std::string& token) {
  if (where.empty()) where.push_back({file, 1, 0});
  json r = {{"ruleId", rule}, {"ruleIndex", rule_index(rule)}, {"level", "error"}, {"message", {{"text", message}}}};
  json locs = json::array();
  for (const Location& l : where) locs.push_back(physical(l));
  r["locations"] = locs;
  if (!token.empty()) r["properties"] = {{"schedule", token}};
  return r;
}

// Where the report says the failure happened.
std::vector<Location> cause_locations(const json& rep) {
  std::string text;
  if (rep.contains("bugcheck") && rep["bugcheck"].is_object()) text += rep["bugcheck"].value("step", "") + "\n";
  if (rep.contains("assertion") && rep["assertion"].is_object()) text += rep["assertion"].value("step", "") + "\n";
  if (rep.contains("blocked") && rep["blocked"].is_array())
    for (const json& b : rep["blocked"])
      if (b.contains("stack") && b["stack"].is_array() && !b["stack"].empty() && b["stack"][0].is_string())
        text += b["stack"][0].get<std::string>() + "\n";
  return locations_in(text);
}

void add_case(json& results, const SarifCase& c) {
  if (c.status == "pass") return;
  const std::string prefix = c.token.empty() ? "" : fmt::format("schedule {}: ", c.token);
  if (c.status == "error") {
    // One result per loader diagnostic, at its line and column.
    std::vector<Location> ls = locations_in(c.diagnostics);
    results.push_back(result("invalid_scenario", c.summary.empty() ? "invalid scenario" : c.summary, ls, c.file, ""));
    return;
  }
  if (c.status == "crash" || c.status == "timeout") {
    results.push_back(result(c.status, c.summary, {}, c.file, c.token));
    return;
  }
  const json& rep = c.report;
  std::string outcome = rep.is_object() ? rep.value("outcome", "") : "";
  const std::string rule = rule_index(outcome) >= 0 && outcome != "completed" ? outcome : "expectation";
  results.push_back(result(rule, prefix + c.summary, rep.is_object() ? cause_locations(rep) : std::vector<Location>{},
                           c.file, c.token));
  if (rep.is_object() && rep.contains("findings") && rep["findings"].is_array())
    for (const json& f : rep["findings"]) {
      const std::string kind = f.value("kind", "");
      const std::string message = f.value("message", "");
      if (rule_index(kind) < 0) continue;
      results.push_back(result(kind, prefix + message, locations_in(message), c.file, c.token));
    }
}

}  // namespace

json to_sarif(const std::vector<SarifCase>& cases, const std::string& version) {
  json rules = json::array();
  for (const Rule& r : kRules) rules.push_back({{"id", r.id}, {"shortDescription", {{"text", r.text}}}});
  json results = json::array();
  for (const SarifCase& c : cases) add_case(results, c);
  json driver = {{"name", "kesim"}, {"version", version}, {"rules", rules}};
  return {{"version", "2.1.0"},
          {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"runs", json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
}

}  // namespace kesim::report
