// sim/report/json.cpp — the JSON report of SCENARIO-FORMAT §6, one object per scenario.
// Every key of §6 is always present. `bugcheck` and `deadlock` are null unless the outcome is
// a bugcheck / a deadlock (a stable schema: consumers test for null, not for the key).
// Extras: description, autoboost, steps, limit (time_limit: "time", "steps" or a resource limit
// of sim/engine/limits.hpp, else null),
// assertion ({message, step} or null), blocked (every thread still blocked, with why nothing
// can wake it: the hang explanation), output (what log/dump steps printed), and in bugcheck
// irql, note and time_ns. nlohmann::json keeps keys sorted, so the text is deterministic.
#include <fmt/format.h>

#include "sim/check/catalog.hpp"
#include "sim/ke/ki.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

using nlohmann::json;

namespace {

json bugcheck_json(const ke::Kernel& k, const SourceMap& p, const ke::BugcheckRecord& b) {
  const check::BugcheckInfo* info = check::find_bugcheck(b.code);
  json args = json::array();
  for (std::uint64_t a : b.params) args.push_back(hex(a));
  return {{"code", hex(b.code)},
          {"name", info ? info->name : "UNKNOWN_BUGCHECK"},
          {"args", args},
          {"thread", b.thread >= 0 ? json(thread_label(k, b.thread)) : json(nullptr)},
          {"step", describe_step(p, b.step)},
          {"irql", ke::irql_name(b.irql)},
          {"note", b.note},
          {"time_ns", b.time}};
}

json deadlock_json(const ke::Kernel& k, const check::RunResult& r) {
  json cycle = json::array();
  for (const check::CycleEdge& e : r.cycle)
    cycle.push_back({{"thread", thread_label(k, e.thread)},
                     {"waits_for", e.waits_for},
                     {"held_by", thread_label(k, e.held_by)}});
  return {{"cycle", cycle}};
}

const check::BlockedThread* blocked_entry(const check::RunResult& r, std::int32_t index) {
  for (const check::BlockedThread& b : r.blocked)
    if (b.thread == index) return &b;
  return nullptr;
}

json threads_json(const ke::Kernel& k, const check::RunResult& r) {
  json out = json::array();
  for (const ke::KTHREAD* t : k.threads()) {
    json j = {{"name", t->name}, {"state", ke::thread_state_name(ke::KiThreadState(*t))}};
    if (const check::BlockedThread* b = blocked_entry(r, t->index)) {
      j["wait_reason"] = ke::wait_reason_name(b->reason);
      j["waiting_on"] = b->waiting_on;
    } else {
      j["wait_reason"] = nullptr;
      j["waiting_on"] = nullptr;
    }
    out.push_back(std::move(j));
  }
  return out;
}

// A step stack as a JSON array of its lines ("#00 file:line: Op  source").
json stack_json(const SourceMap& p, const ke::KTHREAD& t, const ke::Kernel& k) {
  json out = json::array();
  const std::string stack = render_step_stack(p, t, k);
  std::size_t pos = 0;
  while (pos < stack.size()) {
    const std::size_t nl = stack.find('\n', pos);
    out.push_back(stack.substr(pos, nl - pos));
    pos = nl == std::string::npos ? stack.size() : nl + 1;
  }
  return out;
}

json blocked_json(const ke::Kernel& k, const SourceMap& p, const check::RunResult& r) {
  json out = json::array();
  std::vector<std::int32_t> order;
  for (const check::BlockedThread& b : r.blocked) order.push_back(b.thread);
  for (const check::BlockedThread& b : r.blocked) {
    const ke::KTHREAD& t = *k.threads()[static_cast<std::size_t>(b.thread)];
    out.push_back({{"thread", thread_label(k, b.thread)},
                   {"state", ke::thread_state_name(b.state)},
                   {"wait_reason", ke::wait_reason_name(b.reason)},
                   {"waiting_on", b.waiting_on},
                   {"lock", b.lock >= 0 ? json(object_label(k, b.lock)) : json(nullptr)},
                   {"since_ns", b.since},
                   {"why", b.why},
                   {"causes", thread_causes(k, p, t, order)},
                   {"stack", stack_json(p, t, k)}});
  }
  return out;
}

}  // namespace

json to_json(const RunInfo& info) {
  const SourceMap& p = info.source ? *info.source : no_source();
  const ke::Kernel& k = *info.kernel;
  const check::RunResult& r = *info.result;

  json j;
  j["scenario"] = p.name();
  j["file"] = p.file();
  j["description"] = p.description();
  j["seed"] = info.seed;
  j["version"] = version_name(k.version());
  j["processors"] = k.engine().processors();
  j["autoboost"] = k.config().autoboost;
  if (k.config().jitter_percent > 0) j["jitter"] = k.config().jitter_percent;  // only when on
  j["outcome"] = check::outcome_name(r.outcome);
  j["bugcheck"] = r.outcome == check::Outcome::bugcheck && r.bugcheck
                      ? bugcheck_json(k, p, *r.bugcheck)
                      : json(nullptr);
  j["deadlock"] = r.outcome == check::Outcome::deadlock ? deadlock_json(k, r) : json(nullptr);
  j["threads"] = threads_json(k, r);
  j["blocked"] = blocked_json(k, p, r);
  j["limit"] = r.outcome == check::Outcome::time_limit ? json(r.limit) : json(nullptr);
  j["assertion"] = r.outcome == check::Outcome::assertion_failed
                       ? json{{"message", r.assertion}, {"step", describe_step(p, r.assertion_step)}}
                       : json(nullptr);

  json findings = json::array();
  if (info.findings)
    for (const check::Finding& f : *info.findings)
      findings.push_back({{"kind", f.kind}, {"message", f.message}});
  j["findings"] = findings;
  json files = json::array();  // the file namespace at the end, paths as first written
  for (const RunInfo::File& f : info.files) files.push_back({{"path", f.path}, {"size", f.size}});
  j["files"] = files;
  j["expect"] = {{"present", info.expect.present},
                 {"met", info.expect.met},
                 {"mismatches", info.expect.mismatches}};
  if (info.expect.goal.present)  // only levels carry the key, so other reports are unchanged
    j["goal"] = {{"met", info.expect.goal.met}, {"mismatches", info.expect.goal.mismatches}};
  j["output"] = info.output;
  j["virtual_time_ns"] = r.virtual_time;
  j["events"] = r.events;
  j["context_switches"] = r.context_switches;
  j["steps"] = r.steps;
  j["trace_hash"] = fmt::format("{:016x}", r.trace_hash);
  return j;
}

}  // namespace kesim::report
