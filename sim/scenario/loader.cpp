// sim/scenario/loader.cpp — scenario YAML -> validated Program (SCENARIO-FORMAT.md §1):
// the top level, machine, objects, routine and thread declarations; load_text / load_file.
// Every schema error is recorded and loading goes on; errors are sorted into file order at
// the end. yaml-cpp exceptions never leave load_text/load_file.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "sim/scenario/loader.hpp"

namespace kesim::scenario {
namespace detail {

void Loader::load(const YAML::Node& root) {
  Loc root_loc = Reader::loc_of(root, {1, 1});
  if (!root.IsMap()) {
    r_.error(root_loc, fmt::format("a scenario is a map (name, description, machine, objects, "
                                   "routines, threads, expect), got {}", Reader::describe(root)));
    return;
  }
  Fields top = r_.fields(root, root_loc, "the scenario",
                         {"name", "description", "machine", "variables", "objects", "routines", "threads",
                          "invariants", "expect", "goal", "level"});
  load_name(top);
  if (const Field* f = top.get("description")) {
    if (auto s = r_.scalar(*f)) {
      p_.description = *s;
      while (!p_.description.empty() && (p_.description.back() == '\n' || p_.description.back() == ' ')) {
        p_.description.pop_back();
      }
    }
  }
  if (const Field* f = top.get("machine")) load_machine(*f);
  if (const Field* f = top.get("variables")) load_variables(*f);
  if (const Field* f = top.get("objects")) load_objects(*f);
  if (const Field* f = top.get("routines")) declare_routines(*f);
  if (const Field* f = top.get("threads")) declare_threads(*f);
  check_initial_owners();

  for (std::size_t i = 0; i < routine_bodies_.size(); ++i) {
    auto body = steps_.parse_list(routine_bodies_[i].node, routine_bodies_[i].loc, "a routine", Scope{});
    p_.routines[i].steps = std::move(body);  // parse_list may have grown p_.routines
  }
  for (std::size_t i = 0; i < thread_bodies_.size(); ++i) {
    auto body = steps_.parse_list(thread_bodies_[i].node, thread_bodies_[i].loc, "'steps'", Scope{});
    p_.threads[i].steps = std::move(body);
  }
  if (const Field* f = top.get("invariants")) load_invariants(*f);
  steps_.check_locals();
  if (const Field* f = top.get("expect")) load_expect(*f, p_.expect, "'expect'");
  if (const Field* f = top.get("goal")) load_expect(*f, p_.goal, "'goal'");
  if (const Field* f = top.get("level")) load_level(*f);
  check_recursion();
  check_limits();
}

// variables: {NAME: V} or {NAME: {value: V}} — memory words (§7).
void Loader::load_variables(const Field& f) {
  Fields fs = r_.entries(f.value, f.loc, "'variables'");
  for (const Field& k : fs.items) {
    if (!valid_name(k.key)) {
      r_.error(k.key_loc, fmt::format("variable name '{}' must match [A-Za-z0-9_.-]+", k.key));
      continue;
    }
    if (p_.find_variable(k.key) >= 0 || p_.find_object(k.key) >= 0) {
      r_.error(k.key_loc, fmt::format("'{}' is declared twice", k.key));
      continue;
    }
    VariableDecl v{k.key, 0, k.key_loc};
    const Field* value = &k;
    Fields inner;
    if (k.value.IsMap()) {
      inner = r_.fields(k.value, k.loc, fmt::format("variable '{}'", k.key), {"value"});
      value = inner.get("value");
    }
    if (value && !value->value.IsNull()) {
      auto s = r_.scalar(*value);
      if (!s) continue;
      if (auto i = parse_int(*s)) v.initial = *i;
      else if (auto u = parse_uint(*s)) v.initial = static_cast<std::int64_t>(*u);
      else {
        r_.error(value->loc, fmt::format("expected a 64-bit integer for variable '{}', got '{}'", k.key, *s));
        continue;
      }
    }
    p_.variables.push_back(std::move(v));
  }
}

// invariants: [{variable: W, le: 1}, ...] — checked after every step of every thread.
void Loader::load_invariants(const Field& f) {
  auto items = r_.list(f.value, f.loc, "'invariants'");
  if (!items) return;
  for (const YAML::Node& item : *items) {
    const Loc loc = Reader::loc_of(item, f.loc);
    if (auto c = steps_.condition(item, loc, "an invariant", true)) p_.invariants.push_back(*c);
  }
}

void Loader::load_name(const Fields& top) {
  const Field* f = top.get("name");
  if (!f) {
    r_.error({1, 1}, "the scenario needs a 'name'");
    return;
  }
  auto s = r_.scalar(*f);
  if (!s) return;
  if (!valid_name(*s)) {
    r_.error(f->loc, fmt::format("scenario name '{}' may contain only letters, digits, '_', '.' and '-'", *s));
    return;
  }
  p_.name = *s;
}

void Loader::load_machine(const Field& f) {
  Fields fs = r_.fields(f.value, f.loc, "'machine'",
                        {"processors", "version", "autoboost", "seed", "quantum", "io_latency",
                         "time_limit", "max_steps", "stack_size", "verifier", "jitter"});
  Machine& m = p_.machine;
  for (const Field& k : fs.items) {
    if (k.key == "processors") {
      auto n = r_.integer(k, 1, 64);
      processors_known_ = n.has_value();
      if (n) m.processors = static_cast<int>(*n);
    } else if (k.key == "version") {
      if (auto i = r_.choice(k, {"xp", "server2003", "win10"})) m.version = static_cast<Version>(*i);
    } else if (k.key == "autoboost") {
      m.autoboost = r_.boolean(k);
    } else if (k.key == "jitter") {
      // A percentage, "10%" (or a bare 10): each `work` and I/O latency may vary by that much.
      auto s = r_.scalar(k.value, k.loc, "'jitter'", "a percentage from 0% to 100%");
      if (s) {
        const auto pct = parse_percent(*s);
        if (!pct) r_.error(k.loc, fmt::format("expected a percentage from 0% to 100% for 'jitter', got '{}'", *s));
        else m.jitter = *pct;
      }
    } else if (k.key == "verifier") {
      m.verifier = r_.boolean(k).value_or(false);
    } else if (k.key == "seed") {
      m.seed = r_.unsigned_integer(k, std::numeric_limits<std::uint64_t>::max()).value_or(0);
    } else if (k.key == "max_steps") {
      auto n = r_.unsigned_integer(k, std::numeric_limits<std::uint64_t>::max());
      if (n && *n == 0) r_.error(k.loc, "'max_steps' must be at least 1");
      if (n) m.max_steps = *n;
    } else if (k.key == "stack_size") {
      stack_size_loc_ = k.loc;
      auto s = r_.scalar(k.value, k.loc, "'stack_size'", "a size in bytes (65536, 64k, 1m)");
      auto n = s ? parse_size(*s) : std::nullopt;
      if (s && (!n || *n > std::numeric_limits<std::uint32_t>::max())) {
        r_.error(k.loc, fmt::format("expected a size in bytes (65536, 64k, 1m) up to 4 GB for "
                                    "'stack_size', got '{}'", *s));
      } else if (n) {
        m.stack_size = static_cast<std::uint32_t>(*n);
      }
    } else if (auto d = r_.duration(k)) {  // quantum, io_latency, time_limit
      if (k.key != "io_latency" && *d == 0) r_.error(k.loc, fmt::format("'{}' must be greater than 0", k.key));
      (k.key == "quantum" ? m.quantum : k.key == "io_latency" ? m.io_latency : m.time_limit) = *d;
    }
  }
}

void Loader::load_objects(const Field& f) {
  Fields fs = r_.entries(f.value, f.loc, "'objects'");
  for (const Field& o : fs.items) load_object(o);
}

void Loader::declare_routines(const Field& f) {
  Fields fs = r_.entries(f.value, f.loc, "'routines'");
  for (const Field& k : fs.items) {
    if (!valid_name(k.key)) {
      r_.error(k.key_loc, fmt::format("routine name '{}' may contain only letters, digits, '_', '.' and '-'", k.key));
    }
    p_.routines.push_back({k.key, {}, k.key_loc});
    routine_bodies_.push_back({k.value, k.loc});
  }
}

void Loader::declare_threads(const Field& f) {
  auto items = r_.list(f.value, f.loc, "'threads'");
  if (!items) return;
  for (const YAML::Node& item : *items) declare_thread(item, Reader::loc_of(item, f.loc));
}

void Loader::declare_thread(const YAML::Node& item, Loc loc) {
  Fields fs = r_.fields(item, loc, "a thread", {"name", "priority", "start", "affinity", "count", "steps"});
  if (!fs.is_map) return;
  ThreadDecl t;
  t.loc = loc;
  Pending body{YAML::Node(), loc};
  if (const Field* name = fs.get("name")) {
    if (auto s = r_.scalar(*name)) {
      t.name = *s;
      if (!valid_name(*s)) {
        r_.error(name->loc, fmt::format("thread name '{}' may contain only letters, digits, '_', '.' and '-'", *s));
      } else if (int first = p_.find_thread(*s); first >= 0) {
        r_.error(name->loc, fmt::format("duplicate thread '{}' (first declared at line {})", *s,
                                        p_.threads[first].loc.line));
      }
    }
  } else {
    r_.error(loc, "a thread needs a 'name'");
  }
  for (const Field& k : fs.items) {
    if (k.key == "priority") {
      t.priority = static_cast<int>(r_.integer(k, 0, 31).value_or(8));
    } else if (k.key == "start") {
      if (k.value.IsDefined() && k.value.IsScalar() && k.value.Scalar() == "manual") {
        t.start = StartKind::manual;
      } else {
        t.start_time = r_.duration(k.value, k.loc, "'start'").value_or(0);
      }
    } else if (k.key == "affinity") {
      load_affinity(t, k);
    } else if (k.key == "count") {
      t.count = static_cast<int>(r_.integer(k, 1, kMaxThreadCount).value_or(1));
    } else if (k.key == "steps") {
      body = {k.value, k.loc};
    }
  }
  p_.threads.push_back(std::move(t));
  thread_bodies_.push_back(std::move(body));
}

void Loader::load_affinity(ThreadDecl& t, const Field& f) {
  std::vector<std::pair<YAML::Node, Loc>> cpus;
  if (f.value.IsDefined() && f.value.IsScalar()) {
    cpus.emplace_back(f.value, f.loc);
  } else if (auto items = r_.list(f.value, f.loc, "'affinity'")) {
    for (const YAML::Node& n : *items) cpus.emplace_back(n, Reader::loc_of(n, f.loc));
  }
  int max_cpu = processors_known_ ? p_.machine.processors - 1 : 63;
  for (const auto& [node, loc] : cpus) {
    auto s = r_.scalar(node, loc, "an 'affinity' entry", "a CPU number");
    if (!s) continue;
    auto n = parse_uint(*s);
    if (!n || *n > static_cast<std::uint64_t>(max_cpu)) {
      r_.error(loc, fmt::format("CPU '{}' in 'affinity' is not one of the machine's processors 0..{}", *s, max_cpu));
    } else if (std::find(t.affinity.begin(), t.affinity.end(), static_cast<int>(*n)) != t.affinity.end()) {
      r_.error(loc, fmt::format("CPU {} is listed twice in 'affinity'", *n));
    } else {
      t.affinity.push_back(static_cast<int>(*n));
    }
  }
}

}  // namespace detail

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

Loc mark_loc(const YAML::Mark& m) {
  if (m.is_null() || m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

void sort_errors(std::vector<Diagnostic>& errors) {
  auto key = [](const Diagnostic& d) { return std::pair(d.loc.line, d.loc.column); };
  std::stable_sort(errors.begin(), errors.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  // A YAML alias repeats its anchor's node, and with it the node's errors.
  auto same = [&](const Diagnostic& a, const Diagnostic& b) { return key(a) == key(b) && a.message == b.message; };
  errors.erase(std::unique(errors.begin(), errors.end(), same), errors.end());
}

}  // namespace

LoadResult load_text(const std::string& text, const std::string& file_name) {
  LoadResult result;
  if (!detail::check_file_size(text.size(), result.errors)) return result;
  result.source_lines = split_lines(text);
  auto program = std::make_unique<Program>();
  program->file = file_name;
  try {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      result.errors.push_back({mark_loc(e.mark), "invalid YAML: " + e.msg});
      return result;
    }
    if (!root.IsDefined() || root.IsNull()) {
      result.errors.push_back({{1, 1}, "empty scenario: expected a map with at least 'name' and 'threads'"});
      return result;
    }
    detail::Reader reader(result.errors);
    detail::Loader(*program, reader).load(root);
  } catch (const YAML::Exception& e) {
    result.errors.push_back({mark_loc(e.mark), "invalid YAML: " + e.msg});
  } catch (const std::exception& e) {
    result.errors.push_back({{}, fmt::format("internal error while loading: {}", e.what())});
  }
  sort_errors(result.errors);
  if (result.errors.empty()) {
    program->source_lines = result.source_lines;
    result.program = std::move(program);
  }
  return result;
}

LoadResult load_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    LoadResult result;
    result.errors.push_back({{}, "cannot open: Is a directory"});
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back({{}, fmt::format("cannot open: {}", std::strerror(errno))});
    return result;
  }
  // Read at most one byte past the limit: a huge file (or /dev/zero) is refused unread.
  std::string text(limits::kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    LoadResult result;
    result.errors.push_back({{}, fmt::format("cannot read: {}", std::strerror(errno))});
    return result;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  return load_text(text, path);
}

}  // namespace kesim::scenario
