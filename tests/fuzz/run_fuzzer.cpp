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

#include "sim/check/observers.hpp"
#include "sim/report/report.hpp"
#include "sim/scenario/interpreter.hpp"

namespace {

constexpr std::uint64_t kMaxSteps = 20'000;
constexpr std::int64_t kTimeLimit = 10'000'000;  // 10 ms virtual
constexpr std::int64_t kMaxThreads = 64;

std::string step_namer(const void* step, const void* program) {
  return kesim::report::describe_step(*static_cast<const kesim::scenario::Program*>(program), step);
}

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

  check::LockOrder lock_order(&step_namer, &p);
  check::RaceDetector races(&step_namer, &p);
  scenario::RunOptions ro;
  ro.render_view = &report::render_view;
  ro.observers = {&lock_order, &races};
  scenario::Interpreter interp(p, ro);
  if (!interp.setup_errors().empty()) return 0;
  const check::RunResult r = interp.run();
  check::Findings findings = lock_order.findings();
  findings.insert(findings.end(), races.findings().begin(), races.findings().end());

  report::RunInfo info;
  info.program = &p;
  info.kernel = &interp.kernel();
  info.result = &r;
  info.findings = &findings;
  info.seed = interp.seed();
  info.output = interp.output();
  const std::string report = report::render_text(info);
  const std::string json = report::to_json(info).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (report.empty() || json.empty()) __builtin_trap();
  return 0;
}
