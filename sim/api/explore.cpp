// sim/api/explore.cpp — kesim::explore and kesim::replay (include/kesim/explore.hpp) over the
// exploration loop every front end shares (sim/explore/driver.hpp).
#include "kesim/explore.hpp"

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

#include "kesim/check.hpp"
#include "sim/explore/driver.hpp"
#include "sim/ke/kernel.hpp"
#include "sim/machine/machine.hpp"

namespace kesim {

namespace detail {
struct SimulatorAccess {
  static std::vector<explore::ChoicePoint> choices(const Simulator& s) {
    return s.prefix_ ? s.prefix_->points() : std::vector<explore::ChoicePoint>{};
  }
  static std::uint32_t threads(const Simulator& s) { return s.prefix_ ? s.prefix_->tasks_seen() : 0; }
};
}  // namespace detail

namespace {

struct Attempt {
  std::unique_ptr<Simulator> sim;
  RunResult result;
  std::vector<explore::ChoicePoint> choices;
};

Attempt attempt(const std::string& token, const SimulatorOptions& machine, const TestBody& body) {
  Attempt a;
  SimulatorOptions opt = machine;
  opt.schedule = token;
  a.sim = std::make_unique<Simulator>(opt);
  body(*a.sim);
  a.result = a.sim->run();
  return a;
}

bool failed(const Attempt& a, bool fail_on_findings) {
  if (a.result.outcome != Outcome::completed) return true;
  return fail_on_findings && !a.sim->machine().findings().empty();
}

}  // namespace

ExploreResult explore_model(const ExploreOptions& options, const TestBody& body) {
  ExploreResult out;
  Attempt last;
  explore::ExploreConfig config;
  config.strategy = options.strategy;
  config.runs = options.runs;
  // `bound` keeps its former meaning: dfs's fixed preemption bound, pct's depth - 1; the
  // other strategies have no bound (documented in include/kesim/explore.hpp).
  if (options.strategy == "dfs") config.preemption_bound = options.bound;
  if (options.strategy == "pct") config.depth = options.bound + 1;
  if (options.budget_ms > 0) config.budget = std::chrono::milliseconds(options.budget_ms);
  if (const std::string bad = explore::validate(config); !bad.empty())
    throw std::invalid_argument("kesim::explore_model: " + bad);
  const explore::Exploration e = explore::explore_schedules(
      config, [&](const std::string& token) {
        // One machine for every schedule: built for the first, reset in place for the next
        // (no machine, thread, stack or buffer is allocated again; the body runs again).
        if (last.sim) {
          last.sim->reset(token);
        } else {
          SimulatorOptions opt = options.machine;
          opt.schedule = token;
          opt.recent_trace = false;  // no report of this schedule: the failing one is rerun below
          last.sim = std::make_unique<Simulator>(opt);
        }
        body(*last.sim);
        last.result = last.sim->run();
        explore::ScheduleRun r;
        r.failed = failed(last, options.fail_on_findings);
        r.steps = last.result.steps;
        // The choice points of a dfs prefix are read from the strategy the token made.
        r.choices = detail::SimulatorAccess::choices(*last.sim);
        r.threads = detail::SimulatorAccess::threads(*last.sim);
        return r;
      });
  out.schedules = e.runs;
  out.exhausted = e.exhausted;
  out.found = e.found;
  out.strategy = e.strategy;
  out.verdict = e.verdict;
  if (e.found) {
    // Shrinking may have run other schedules since: rerun the one reported.
    last = attempt(e.token, options.machine, body);
    out.token = e.token;
    out.outcome = last.result.outcome;
    out.report = last.sim->report();
  }
  return out;
}

Replay replay_model(const std::string& token, const SimulatorOptions& machine, const TestBody& body) {
  Attempt a = attempt(token, machine, body);
  return {std::move(a.sim), a.result};
}

void sim_assert(bool condition, std::string_view what, std::source_location where) {
  ke::Kernel* k = ke::current_kernel_or_null();
  if (!k || !k->current_thread())
    throw std::logic_error("KESIM_ASSERT outside a simulated thread: " + std::string(what));
  if (!condition) {
    k->fail_assertion(fmt::format("{}:{}: KESIM_ASSERT({}) failed", where.file_name(), where.line(), what),
                      k->current_thread()->current_step);
  }
  k->check_invariants(k->current_thread()->current_step);
}

}  // namespace kesim
