// tests/fuzz/run_fuzzer.cpp — libFuzzer harness for a bounded run: load_text(), then run the
// program the way `kesim run` does (lock-order and race checkers attached, text and JSON
// reports rendered, the JSON dumped) with small limits, so an input ends in milliseconds:
// at most kMaxSteps scheduling points and kTimeLimit of virtual time.
// Inputs with more than kMaxThreads thread instances are skipped: what many threads cost is a
// memory question (issue #7 item 4, its own limits), not something a per-input fuzz run can
// judge against libFuzzer's 2 GB RSS limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/machine/machine.hpp"
#include "sim/scenario/interpreter.hpp"
#include "sim/scenario/source_map.hpp"

namespace {

constexpr std::uint64_t kMaxSteps = 20'000;
constexpr std::int64_t kTimeLimit = 10'000'000;  // 10 ms virtual
constexpr std::int64_t kMaxThreads = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kesim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  scenario::LoadResult lr = scenario::load_text(text, "fuzz.yaml");
  if (!lr.program) return 0;
  scenario::Program& p = *lr.program;
  std::int64_t threads = 0;
  for (const scenario::ThreadDecl& t : p.threads) threads += t.count;
  if (threads > kMaxThreads) return -1;  // not added to the corpus
  p.machine.max_steps = std::min(p.machine.max_steps, kMaxSteps);
  p.machine.time_limit = std::min(p.machine.time_limit, kTimeLimit);

  // The machine `kesim run` builds, with the race detector always on.
  machine::Config cfg = scenario::machine_config(p);
  cfg.race_detector = true;
  const scenario::ProgramSourceMap source(p);
  machine::Machine m(cfg, &source);
  scenario::Interpreter interp(p, m);
  if (!interp.setup_errors().empty()) return 0;
  m.run();
  const std::string report = m.render_text();
  const std::string json = m.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (report.empty() || json.empty()) __builtin_trap();
  return 0;
}
