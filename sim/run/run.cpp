// sim/run/run.cpp — load → validate → run with checkers → compare with expect → render.
#include "sim/run/run.hpp"
#include "sim/run/evaluate.hpp"
#include "sim/run/schedule_analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <set>

#include "sim/check/observers.hpp"
#include "sim/explore/driver.hpp"
#include "sim/explore/token.hpp"
#include "sim/io/io.hpp"
#include "sim/machine/machine.hpp"
#include "sim/scenario/interpreter.hpp"
#include "sim/scenario/source_map.hpp"

namespace kesim::run {

using scenario::Program;

namespace {

// Does thread `t` match an expect name: its own name, or its template's (any instance)?
bool matches(const ke::KTHREAD& t, const Program& p, const std::string& name) {
  if (t.name == name) return true;
  return t.template_index >= 0 && p.threads[static_cast<std::size_t>(t.template_index)].name == name;
}

// The mismatches between a run and an `expect` (or a level's `goal`) block.
std::vector<std::string> mismatches(const Program& p, const scenario::Expect& x, const check::RunResult& r,
                                    const check::Findings& findings, const io::FileSystem& fs,
                                    const ke::Kernel& k) {
  std::vector<std::string> out;
  const auto fail = [&](std::string m) { out.push_back(std::move(m)); };
  if (x.outcome && scenario::outcome_name(*x.outcome) != std::string(check::outcome_name(r.outcome)))
    fail(fmt::format("outcome: expected {}, got {}", scenario::outcome_name(*x.outcome),
                     check::outcome_name(r.outcome)));
  if (x.bugcheck) {
    if (!r.bugcheck) fail(fmt::format("bugcheck: expected {:#x}, got none", *x.bugcheck));
    else if (r.bugcheck->code != *x.bugcheck)
      fail(fmt::format("bugcheck: expected {:#x}, got {:#x}", *x.bugcheck, r.bugcheck->code));
  }
  if (x.deadlock) {
    // The cycle's threads and the expected names must match one to one, in any order; a
    // template name stands for any of its instances.
    std::set<std::string> got;
    for (const auto& edge : r.cycle) got.insert(k.threads()[edge.thread]->name);
    bool ok = !r.cycle.empty();
    for (const std::string& w : *x.deadlock)
      ok = ok && std::any_of(r.cycle.begin(), r.cycle.end(),
                             [&](const auto& edge) { return matches(*k.threads()[edge.thread], p, w); });
    for (const auto& edge : r.cycle)
      ok = ok && std::any_of(x.deadlock->begin(), x.deadlock->end(),
                             [&](const std::string& w) { return matches(*k.threads()[edge.thread], p, w); });
    if (!ok)
      fail(fmt::format("deadlock: expected [{}], got [{}]", fmt::join(*x.deadlock, ", "), fmt::join(got, ", ")));
  }
  for (const auto& [name, reason] : x.blocked) {
    std::vector<const ke::KTHREAD*> inst;
    for (const ke::KTHREAD* t : k.threads())
      if (matches(*t, p, name)) inst.push_back(t);
    if (inst.empty()) {
      fail(fmt::format("blocked: {} was never created", name));
      continue;
    }
    for (const ke::KTHREAD* t : inst) {
      auto it = std::find_if(r.blocked.begin(), r.blocked.end(), [&](const auto& b) { return b.thread == t->index; });
      if (it == r.blocked.end())
        fail(fmt::format("blocked: expected {} blocked in {}, but it is not blocked", t->name, reason));
      else if (ke::wait_reason_name(it->reason) != reason)
        fail(fmt::format("blocked: expected {} in {}, got {}", t->name, reason, ke::wait_reason_name(it->reason)));
    }
  }
  for (const auto& [dir, n] : x.files) {
    const std::int64_t got = fs.count_in(dir);
    if (got != n) fail(fmt::format("files: expected {} in {}, got {}", n, dir, got));
  }
  for (const auto& [kind, n] : x.findings) {
    // clang before 16 cannot capture a structured binding (P1091/P1381): bind it by name.
    const auto got = std::count_if(findings.begin(), findings.end(), [&k = kind](const auto& f) { return f.kind == k; });
    if (got != n) fail(fmt::format("findings: expected {} {}, got {}", n, kind, got));
  }
  return out;
}

report::ExpectResult evaluate(const Program& p, const check::RunResult& r,
                              const check::Findings& findings, const io::FileSystem& fs,
                              const ke::Kernel& k) {
  report::ExpectResult e;
  e.present = p.expect.present;
  if (p.expect.present) {
    e.mismatches = mismatches(p, p.expect, r, findings, fs, k);
  } else if (r.outcome != check::Outcome::completed) {
    e.mismatches.push_back(fmt::format("outcome: expected completed (no expect block), got {}",
                                       check::outcome_name(r.outcome)));
  }
  e.met = e.mismatches.empty();
  if (p.goal.present) {
    e.goal.present = true;
    e.goal.mismatches = mismatches(p, p.goal, r, findings, fs, k);
    e.goal.met = e.goal.mismatches.empty();
  }
  return e;
}

}  // namespace

report::ExpectResult evaluate_run(const scenario::Program& p, const machine::Machine& m) {
  return evaluate(p, m.result(), m.findings(), m.io().file_system(), m.kernel());
}

namespace {

// The scenario file's bytes, for its hash (a token's scenario part).
std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

ExploreResult explore(const std::string& path, const std::string& strategy, int runs, int bound,
                      const Options& base) {
  explore::ExploreConfig c;
  c.strategy = strategy;
  c.runs = runs;
  if (strategy == "dfs") c.preemption_bound = bound;
  if (strategy == "pct") c.depth = bound + 1;
  return explore(path, c, base);
}

namespace {
// Load errors or machine setup errors: exit 2 with the diagnostics. Returns true if res is set.
bool bad_input(Result& res, const scenario::LoadResult& lr, const scenario::Interpreter* interp) {
  std::vector<scenario::Diagnostic> ds = lr.errors;
  if (interp)
    for (const auto& e : interp->setup_errors()) ds.push_back({e.loc, e.message});
  if (lr.program && ds.empty()) return false;
  res.exit_code = kBadInput;
  res.diagnostics = scenario::format_diagnostics(
      res.file, lr.program ? lr.program->source_lines : lr.source_lines, ds);
  res.summary = "invalid scenario";
  return true;
}
}  // namespace

Result check_file(const std::string& path) {
  Result res;
  res.file = path;
  scenario::LoadResult lr = scenario::load_file(path);
  if (bad_input(res, lr, nullptr)) return res;
  const scenario::ProgramSourceMap source(*lr.program);
  machine::Machine m(scenario::machine_config(*lr.program), &source);
  scenario::Interpreter interp(*lr.program, m);
  if (bad_input(res, lr, &interp)) return res;
  res.summary = "ok";
  return res;
}

namespace {

// The machine an exploration reuses from schedule to schedule (machine::Machine::reset): built
// for the first schedule, then reset in place and set up again by a new interpreter. The last
// schedule's strategy and interpreter live until the next reset, which unwinds fibers that may
// still point at them.
struct ReusedMachine {
  // Destroyed in reverse: the machine (unwinding its fibers) before what they point at.
  std::unique_ptr<scenario::ProgramSourceMap> source;
  std::unique_ptr<engine::Strategy> strategy;
  std::unique_ptr<scenario::Interpreter> interp;
  std::unique_ptr<machine::Machine> machine;
};

// One schedule of an already loaded scenario. `render`: fill text and json (run, replay, test);
// exploration asks only for the verdict, so no report is rendered for the schedules it tries.
// `reuse` (exploration): run on that machine, reset, instead of a new one.
Result run_loaded(const std::string& path, const scenario::LoadResult& lr, const Options& opt, bool render,
                  ReusedMachine* reuse = nullptr) {
  Result res;
  res.file = path;
  if (bad_input(res, lr, nullptr)) return res;
  const Program& p = *lr.program;
  scenario::Overrides ov;
  ov.seed = opt.seed;
  ov.time_limit = opt.time_limit;
  ov.processors = opt.processors;
  ov.verifier = opt.verifier;
  ov.jitter = opt.jitter;
  ov.keep_trace = !opt.trace_out.empty() || !opt.html_out.empty();
  // Only the text report reads the trace's recent records: without it the trace is hash-only.
  ov.recent_trace = render;
  const explore::SplitToken split = explore::split_token(opt.schedule);
  if (split.hash) {
    const std::string bytes = read_bytes(path);
    if (*split.hash != explore::scenario_hash(bytes)) {
      res.exit_code = kBadInput;
      res.diagnostics = fmt::format(
          "{}: error: schedule token '{}' was made for another version of this scenario (hash {}, the "
          "file's is {}); explore it again\n",
          path, opt.schedule, *split.hash, explore::scenario_hash(bytes));
      return res;
    }
  }
  std::optional<explore::Schedule> schedule = explore::make_schedule(split.schedule);
  if (!schedule) {
    res.exit_code = kBadInput;
    res.diagnostics = fmt::format("kesim: bad schedule token '{}' (expected {})\n", opt.schedule,
                                  explore::kTokenForms);
    return res;
  }
  if (schedule->seed) ov.seed = schedule->seed;
  ov.strategy = schedule->strategy.get();
  std::optional<scenario::ProgramSourceMap> own_source;
  std::optional<machine::Machine> own_machine;
  std::optional<scenario::Interpreter> own_interp;
  std::optional<KernelTaskDescriber> describer;
  std::optional<explore::NarratingStrategy> narrator;
  machine::Machine* mp = nullptr;
  scenario::Interpreter* ip = nullptr;
  if (reuse) {
    if (!reuse->machine) {
      reuse->source = std::make_unique<scenario::ProgramSourceMap>(p);
      reuse->machine = std::make_unique<machine::Machine>(scenario::machine_config(p, ov), reuse->source.get());
    } else {
      // Only the schedule differs from the machine's configuration (the seed as machine_config
      // derives it, and the strategy): the program is not walked again.
      reuse->machine->reset(ov.seed.value_or(p.machine.seed), ov.strategy);
    }
    reuse->interp.reset();  // after the reset: its fibers' frames were unwound first
    reuse->strategy = std::move(schedule->strategy);
    reuse->interp = std::make_unique<scenario::Interpreter>(p, *reuse->machine);
    mp = reuse->machine.get();
    ip = reuse->interp.get();
  } else {
    own_source.emplace(p);
    // The Schedule section of a dfs token: the run is narrated as it goes (no decision changes).
    if (opt.schedule_section && schedule->prefix && explore::parse_dfs_token(split.schedule)) {
      describer.emplace(*own_source);
      narrator.emplace(*schedule->prefix, *describer);
      ov.strategy = &*narrator;
    }
    mp = &own_machine.emplace(scenario::machine_config(p, ov), &*own_source);
    if (narrator) narrator->attach(mp->kernel().engine());
    ip = &own_interp.emplace(p, *mp);
  }
  machine::Machine& m = *mp;
  if (bad_input(res, lr, ip)) return res;
  if (!opt.html_out.empty()) m.record_views();
  const check::RunResult& r = m.run();
  if (schedule->prefix) {
    res.choices = schedule->prefix->points();
    res.choice_threads = schedule->prefix->tasks_seen();
  }
  res.steps = r.steps;
  const report::ExpectResult expect = evaluate(p, r, m.findings(), m.io().file_system(), m.kernel());
  res.expect = expect;
  res.exit_code = expect.met ? kMet : kNotMet;
  res.outcome = check::outcome_name(r.outcome);
  if (render) {
    res.text = m.render_text(expect);
    res.json = m.to_json(expect);
  }
  std::string detail = res.outcome;
  if (r.bugcheck) detail += fmt::format(" {:#x}", r.bugcheck->code);
  res.signature = detail;
  res.summary = expect.met ? detail : fmt::format("{}: {}", detail, fmt::join(expect.mismatches, "; "));
  if (narrator) {
    NarratedRun nr;
    nr.token = opt.schedule;
    nr.schedule = split.schedule;
    nr.hash = split.hash ? *split.hash + "/" : std::string();
    nr.failed = res.exit_code == kNotMet;
    nr.signature = detail;
    nr.choices = res.choices;
    nr.notes = narrator->notes();
    // Each probe is one more schedule of the same loaded scenario, without a report.
    const explore::RunProbe probe = [&](const std::string& token) {
      Options o = opt;
      o.schedule = token;
      o.schedule_section = false;
      o.trace_out.clear();
      o.html_out.clear();
      Result pr = run_loaded(path, lr, o, false);
      explore::Probe out;
      out.failed = pr.exit_code == kNotMet;
      out.error = pr.exit_code >= kBadInput;
      out.signature = std::move(pr.signature);
      out.choices = std::move(pr.choices);
      return out;
    };
    res.schedule = schedule_section(nr, probe, opt.analyze_schedule);
    if (render) {
      res.text += "\n" + report::render_schedule_text(*res.schedule);
      res.json["schedule"] = report::schedule_json(*res.schedule);
    }
  }
  if (!opt.trace_out.empty()) {
    std::ofstream out(opt.trace_out, std::ios::binary);
    out << m.render_trace();
    if (!out) {
      res.diagnostics = fmt::format("{}: error: cannot write the trace\n", opt.trace_out);
      res.exit_code = kBadInput;
    }
  }
  if (!opt.html_out.empty()) {
    std::ofstream out(opt.html_out, std::ios::binary);
    std::string page = m.render_html(expect);
    if (res.schedule) {
      // The Schedule section goes after the report's other parts, before the page's script.
      const std::size_t at = page.rfind("<script>");
      page.insert(at == std::string::npos ? page.size() : at, report::render_schedule_html(*res.schedule));
    }
    out << page;
    if (!out) {
      res.diagnostics += fmt::format("{}: error: cannot write the HTML report\n", opt.html_out);
      res.exit_code = kBadInput;
    }
  }
  return res;
}

}  // namespace

Result run_file(const std::string& path, const Options& opt) {
  return run_loaded(path, scenario::load_file(path), opt, true);
}

ExploreResult explore(const std::string& path, const explore::ExploreConfig& config, const Options& base) {
  ExploreResult out;
  if (const std::string bad = explore::validate(config); !bad.empty()) {
    out.exit_code = kBadInput;
    out.diagnostics = fmt::format("kesim explore: {}\n", bad);
    return out;
  }
  const std::string hash = explore::scenario_hash(read_bytes(path));
  out.scenario_hash = hash;
  // Loaded and validated once; every schedule runs on the same Program.
  const scenario::LoadResult loaded = scenario::load_file(path);
  Result last;
  ReusedMachine reused;  // one machine for every schedule, reset in between
  const explore::Exploration e = explore::explore_schedules(config, [&](const std::string& token) {
    Options opt = base;
    opt.schedule = token;
    opt.schedule_section = false;
    last = run_loaded(path, loaded, opt, false, &reused);
    explore::ScheduleRun r;
    r.error = last.exit_code >= kBadInput;
    r.failed = last.exit_code == kNotMet;
    r.steps = last.steps;
    r.choices = std::move(last.choices);
    r.threads = last.choice_threads;
    return r;
  });
  out.exploration = e;
  out.runs = e.runs;
  out.exhausted = e.exhausted;
  if (e.error) {
    out.exit_code = last.exit_code;
    out.diagnostics = last.diagnostics;
    out.token = e.token;
    out.summary = last.summary;
  } else if (e.found) {
    // Shrinking ran other schedules after the failing one: run the printed one again.
    Options opt = base;
    opt.schedule = hash + "/" + e.token;
    opt.schedule_section = base.schedule_section && config.shard.count <= 1;
    last = run_loaded(path, loaded, opt, false);
    out.schedule = std::move(last.schedule);
    out.exit_code = last.exit_code;
    out.diagnostics = last.diagnostics;
    out.token = hash + "/" + e.token;
    out.exploration.token = out.token;
    out.summary = last.summary;
    out.outcome = last.outcome;
  }
  return out;
}

std::string per_scenario_path(const std::string& out, const std::string& scenario) {
  const std::filesystem::path o(out);
  const std::string stem = std::filesystem::path(scenario).stem().string();
  std::filesystem::path r = o.parent_path() / (o.stem().string() + "." + stem + o.extension().string());
  return r.string();
}

std::vector<std::string> per_scenario_paths(const std::string& out, const std::vector<std::string>& files,
                                            std::string* error) {
  std::vector<std::string> paths;
  if (files.size() == 1) return {out};
  std::set<std::string> seen;
  for (const std::string& f : files) {
    paths.push_back(per_scenario_path(out, f));
    if (!seen.insert(paths.back()).second) {
      if (error)
        *error = fmt::format("kesim run: two scenarios would write {} (same file name); run them separately\n",
                             paths.back());
      return {};
    }
  }
  return paths;
}

}  // namespace kesim::run
