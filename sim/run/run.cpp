// sim/run/run.cpp — load → validate → run with checkers → compare with expect → render.
#include "sim/run/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "sim/check/observers.hpp"
#include "sim/explore/dfs.hpp"
#include "sim/explore/pct.hpp"
#include "sim/io/io.hpp"
#include "sim/scenario/interpreter.hpp"

namespace kesim::run {

using scenario::Program;

namespace {

std::string step_namer(const void* step, const void* program) {
  return report::describe_step(*static_cast<const Program*>(program), step);
}

// Does thread `t` match an expect name: its own name, or its template's (any instance)?
bool matches(const ke::KTHREAD& t, const Program& p, const std::string& name) {
  if (t.name == name) return true;
  return t.template_index >= 0 && p.threads[static_cast<std::size_t>(t.template_index)].name == name;
}

report::ExpectResult evaluate(const Program& p, const check::RunResult& r,
                              const check::Findings& findings, const io::FileSystem& fs,
                              const ke::Kernel& k) {
  report::ExpectResult e;
  const scenario::Expect& x = p.expect;
  e.present = x.present;
  if (!x.present) {
    e.met = r.outcome == check::Outcome::completed;
    if (!e.met) e.mismatches.push_back(fmt::format("outcome: expected completed (no expect block), got {}",
                                                   check::outcome_name(r.outcome)));
    return e;
  }
  const auto fail = [&](std::string m) { e.mismatches.push_back(std::move(m)); };
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
  e.met = e.mismatches.empty();
  return e;
}

bool does_io(const std::vector<scenario::Step>& steps) {
  for (const scenario::Step& s : steps) {
    switch (s.op) {
      case scenario::Op::ZwCreateFile:
      case scenario::Op::ZwWriteFile:
      case scenario::Op::ZwOpenFile:
      case scenario::Op::ZwSetInformationFile:
      case scenario::Op::ZwClose:
        return true;
      default:
        if (does_io(s.body)) return true;
    }
  }
  return false;
}

bool does_io(const Program& p) {
  for (const auto& t : p.threads)
    if (does_io(t.steps)) return true;
  for (const auto& r : p.routines)
    if (does_io(r.steps)) return true;
  return false;
}


}  // namespace

namespace {
ExploreResult explore_dfs(const std::string& path, int runs, int bound, const Options& base) {
  ExploreResult out;
  std::vector<std::uint32_t> prefix;  // the empty prefix: kesim's default schedule
  for (int i = 1; i <= runs; ++i) {
    Options opt = base;
    opt.schedule = explore::dfs_token(prefix);
    const Result r = run_file(path, opt);
    out.runs = i;
    if (r.exit_code != kMet) {
      out.exit_code = r.exit_code;
      out.diagnostics = r.diagnostics;
      out.token = opt.schedule;
      out.summary = r.summary;
      return out;
    }
    auto next = explore::next_dfs_prefix(r.choices, bound);
    if (!next) {
      out.exhausted = true;
      return out;
    }
    prefix = std::move(*next);
  }
  return out;
}
}  // namespace

ExploreResult explore(const std::string& path, const std::string& strategy, int runs, int bound,
                      const Options& base) {
  if (strategy == "dfs") return explore_dfs(path, runs, bound, base);
  ExploreResult out;
  const Result probe = run_file(path, base);
  if (probe.exit_code >= kBadInput) {
    out.exit_code = probe.exit_code;
    out.diagnostics = probe.diagnostics;
    return out;
  }
  const std::uint64_t steps = probe.json.value("steps", std::uint64_t{1000});
  for (int i = 1; i <= runs; ++i) {
    Options opt = base;
    opt.schedule = strategy == "pct" ? fmt::format("pct:{}:{}:{}", i, bound + 1, steps)
                                     : fmt::format("seed:{}", i);
    const Result r = run_file(path, opt);
    out.runs = i;
    if (r.exit_code == kMet) continue;
    out.exit_code = r.exit_code;
    out.diagnostics = r.diagnostics;
    out.token = opt.schedule;
    out.summary = r.summary;
    return out;
  }
  return out;
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
  scenario::Interpreter interp(*lr.program, {});
  if (bad_input(res, lr, &interp)) return res;
  res.summary = "ok";
  return res;
}

Result run_file(const std::string& path, const Options& opt) {
  Result res;
  res.file = path;
  scenario::LoadResult lr = scenario::load_file(path);
  if (bad_input(res, lr, nullptr)) return res;
  const Program& p = *lr.program;
  check::LockOrder lock_order(&step_namer, &p);
  check::RaceDetector races(&step_namer, &p);
  scenario::RunOptions ro;
  ro.seed = opt.seed;
  ro.time_limit = opt.time_limit;
  std::unique_ptr<explore::PctStrategy> pct;
  std::unique_ptr<explore::PrefixStrategy> dfs;
  if (auto prefix = explore::parse_dfs_token(opt.schedule)) {
    dfs = std::make_unique<explore::PrefixStrategy>(std::move(*prefix));
    ro.strategy = dfs.get();
  } else if (!opt.schedule.empty()) {
    const auto token = explore::parse_token(opt.schedule);
    if (!token) {
      res.exit_code = kBadInput;
      res.diagnostics = fmt::format("kesim: bad schedule token '{}' (expected seed:N, "
                                    "pct:SEED:DEPTH:STEPS or dfs:P0.P1...)\n", opt.schedule);
      return res;
    }
    if (token->strategy == "seed") {
      ro.seed = token->seed;
    } else {
      pct = std::make_unique<explore::PctStrategy>(token->seed, token->depth, token->steps);
      ro.strategy = pct.get();
    }
  }
  ro.processors = opt.processors;
  ro.keep_trace = !opt.trace_out.empty();
  ro.render_view = &report::render_view;
  // Happens-before clocks cost O(threads) per synchronization: attach the race detector only
  // to scenarios that touch files, the only resources it watches.
  ro.observers = {&lock_order};
  if (does_io(p)) ro.observers.push_back(&races);
  scenario::Interpreter interp(p, ro);
  if (bad_input(res, lr, &interp)) return res;
  const check::RunResult r = interp.run();
  if (dfs) res.choices = dfs->points();
  check::Findings findings = lock_order.findings();
  findings.insert(findings.end(), races.findings().begin(), races.findings().end());

  report::RunInfo info;
  info.program = &p;
  info.kernel = &interp.kernel();
  info.result = &r;
  info.findings = &findings;
  info.seed = interp.seed();
  info.output = interp.output();
  info.expect = evaluate(p, r, findings, interp.io().file_system(), interp.kernel());
  res.expect = info.expect;
  res.exit_code = info.expect.met ? kMet : kNotMet;
  res.outcome = check::outcome_name(r.outcome);
  res.text = report::render_text(info);
  res.json = report::to_json(info);
  std::string detail = res.outcome;
  if (r.bugcheck) detail += fmt::format(" {:#x}", r.bugcheck->code);
  res.summary = info.expect.met ? detail
                                : fmt::format("{}: {}", detail, fmt::join(info.expect.mismatches, "; "));
  if (!opt.trace_out.empty()) {
    std::ofstream out(opt.trace_out, std::ios::binary);
    out << report::render_chrome_trace(interp.kernel(), &p);
    if (!out) {
      res.diagnostics = fmt::format("{}: error: cannot write the trace\n", opt.trace_out);
      res.exit_code = kBadInput;
    }
  }
  return res;
}

}  // namespace kesim::run
