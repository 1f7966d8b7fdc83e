// tests/check/scenario_runner.hpp — runs a scenario (a file of the repository or inline YAML)
// for checker tests, with Driver Verifier on or off, and keeps what they compare: the outcome,
// the bugcheck, the simulated addresses of the named objects and threads, the findings.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/machine/machine.hpp"
#include "sim/scenario/interpreter.hpp"
#include "sim/scenario/program.hpp"
#include "sim/scenario/source_map.hpp"

namespace kesim {

struct Ran {
  Outcome outcome = Outcome::completed;
  std::optional<BugcheckRecord> bugcheck;
  std::map<std::string, std::uint64_t> address;  // object and thread names
  std::map<std::string, int> findings;            // kind -> count
  std::vector<check::Finding> messages;           // every finding, in order
  std::string note;
  int count(const std::string& kind) const {
    const auto it = findings.find(kind);
    return it == findings.end() ? 0 : it->second;
  }
};

inline Ran run_scenario(const scenario::LoadResult& lr, bool verifier) {
  Ran out;
  scenario::Overrides ov;
  ov.verifier = verifier;
  const scenario::ProgramSourceMap source(*lr.program);
  machine::Machine m(scenario::machine_config(*lr.program, ov), &source);
  scenario::Interpreter interp(*lr.program, m);
  EXPECT_TRUE(interp.setup_errors().empty());
  const RunResult& r = m.run();
  out.outcome = r.outcome;
  out.bugcheck = r.bugcheck;
  if (r.bugcheck) out.note = r.bugcheck->note;
  for (const ke::KOBJECT_BASE* o : m.kernel().objects()) out.address[o->name] = o->address;
  for (const ke::KTHREAD* t : m.kernel().threads()) out.address[t->name] = t->address;
  for (const check::Finding& f : m.findings()) {
    ++out.findings[f.kind];
    out.messages.push_back(f);
  }
  return out;
}

inline Ran run_file(const std::string& relative, bool verifier) {
  scenario::LoadResult lr = scenario::load_file(std::string(KESIM_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(lr.program) << relative;
  if (!lr.program) return {};
  return run_scenario(lr, verifier);
}

inline Ran run_text(const std::string& yaml, bool verifier) {
  scenario::LoadResult lr = scenario::load_text(yaml, "inline.yaml");
  EXPECT_TRUE(lr.program) << (lr.errors.empty() ? "" : lr.errors.front().message);
  if (!lr.program) return {};
  return run_scenario(lr, verifier);
}

}  // namespace kesim
