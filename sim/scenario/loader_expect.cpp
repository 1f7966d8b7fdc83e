// sim/scenario/loader_expect.cpp — `expect` (SCENARIO-FORMAT.md §4) and the routine call
// graph check.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "sim/scenario/loader.hpp"

namespace kesim::scenario::detail {

std::string Loader::checked_thread_ref(const YAML::Node& node, Loc loc, std::string_view what) {
  auto s = r_.scalar(node, loc, what, "a thread name");
  if (!s) return {};
  std::string why = thread_ref_error(p_, *s);
  if (!why.empty()) r_.error(loc, why);
  return *s;
}

void Loader::load_expect(const Field& f, Expect& e, std::string_view what) {
  e.present = true;
  e.loc = f.key_loc;
  Fields fs = r_.fields(f.value, f.loc, what, {"outcome", "bugcheck", "deadlock", "blocked", "files", "findings"});
  if (const Field* k = fs.get("outcome")) {
    if (auto i = r_.choice(*k, {"completed", "deadlock", "hang", "bugcheck", "assertion_failed", "time_limit"})) {
      e.outcome = static_cast<Outcome>(*i);
    }
  }
  if (const Field* k = fs.get("bugcheck")) {
    if (auto n = r_.unsigned_integer(*k, 0xFFFFFFFF)) e.bugcheck = static_cast<std::uint32_t>(*n);
    if (e.outcome && *e.outcome != Outcome::bugcheck) {
      r_.error(k->key_loc, fmt::format("'bugcheck' expects outcome bugcheck, but 'outcome' is {}", outcome_name(*e.outcome)));
    }
  }
  if (const Field* k = fs.get("deadlock")) {
    if (auto items = r_.list(k->value, k->loc, "'deadlock'")) {
      e.deadlock.emplace();
      for (const YAML::Node& n : *items) e.deadlock->push_back(checked_thread_ref(n, Reader::loc_of(n, k->loc), "a 'deadlock' entry"));
    }
    if (e.outcome && *e.outcome != Outcome::deadlock) {
      r_.error(k->key_loc, fmt::format("'deadlock' expects outcome deadlock, but 'outcome' is {}", outcome_name(*e.outcome)));
    }
  }
  if (const Field* k = fs.get("blocked")) {
    for (const Field& b : r_.entries(k->value, k->loc, "'blocked'").items) {
      std::string thread = checked_thread_ref(YAML::Node(b.key), b.key_loc, "'blocked'");
      if (auto reason = r_.wait_reason(b)) e.blocked.emplace_back(thread, wait_reason_name(*reason));
    }
  }
  if (const Field* k = fs.get("files")) {
    for (const Field& d : r_.entries(k->value, k->loc, "'files'").items) {
      if (auto n = r_.integer(d, 0, std::numeric_limits<std::int64_t>::max())) e.files.emplace_back(d.key, *n);
    }
  }
  if (const Field* k = fs.get("findings")) {
    for (const Field& d : r_.entries(k->value, k->loc, "'findings'").items) {
      if (d.key != "data_race" && d.key != "lock_order" && d.key != "foreign_release" &&
          d.key != "apc_context") {
        r_.error(d.key_loc, fmt::format("unknown finding kind '{}' (kinds: data_race, lock_order, "
                                        "foreign_release, apc_context)", d.key));
      } else if (auto n = r_.integer(d, 0, std::numeric_limits<std::int64_t>::max())) {
        e.findings.emplace_back(d.key, *n);
      }
    }
  }
}

// level: {title: T, briefing: TEXT, hints: [TEXT, ...]}
void Loader::load_level(const Field& f) {
  Level& l = p_.level;
  l.present = true;
  l.loc = f.key_loc;
  Fields fs = r_.fields(f.value, f.loc, "'level'", {"title", "briefing", "hints"});
  if (const Field* k = fs.get("title"))
    if (auto s = r_.scalar(*k)) l.title = *s;
  if (const Field* k = fs.get("briefing"))
    if (auto s = r_.scalar(*k)) l.briefing = *s;
  while (!l.briefing.empty() && l.briefing.back() == '\n') l.briefing.pop_back();
  if (const Field* k = fs.get("hints")) {
    if (auto items = r_.list(k->value, k->loc, "'hints'")) {
      for (const YAML::Node& n : *items)
        if (auto s = r_.scalar(n, Reader::loc_of(n, k->loc), "a hint", "a text")) l.hints.push_back(*s);
    }
  }
  if (!p_.goal.present) r_.error(f.key_loc, "a 'level' needs a 'goal' (what the student must make happen)");
}

static void collect_calls(const std::vector<Step>& steps, std::vector<std::pair<int, Loc>>& out) {
  for (const Step& s : steps) {
    if (s.op == Op::call && s.routine >= 0) out.emplace_back(s.routine, s.loc);
    collect_calls(s.body, out);
  }
}

// A `call` cycle never ends (there is no conditional step), so it is an error at load time.
// Each back edge of a depth-first search closes one cycle and is reported at its `call` step.
void Loader::check_recursion() {
  std::size_t n = routine_bodies_.size();  // only named routines can be called
  std::vector<std::vector<std::pair<int, Loc>>> calls(n);
  for (std::size_t i = 0; i < n; ++i) collect_calls(p_.routines[i].steps, calls[i]);
  std::vector<int> color(n, 0);  // 0 new, 1 on the stack, 2 done
  std::vector<int> stack;
  auto visit = [&](auto&& self, int u) -> void {
    color[u] = 1;
    stack.push_back(u);
    for (const auto& [v, loc] : calls[u]) {
      if (color[v] == 1) {
        std::string path;
        auto start = std::find(stack.begin(), stack.end(), v);
        for (auto it = start; it != stack.end(); ++it) path += p_.routines[*it].name + " -> ";
        path += p_.routines[v].name;
        r_.error(loc, fmt::format("recursive routine '{}' ({}): a routine may not call itself, "
                                  "directly or indirectly", p_.routines[v].name, path));
      } else if (color[v] == 0) {
        self(self, v);
      }
    }
    stack.pop_back();
    color[u] = 2;
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (color[i] == 0) visit(visit, static_cast<int>(i));
  }
}

}  // namespace kesim::scenario::detail
