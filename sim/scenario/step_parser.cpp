// sim/scenario/step_parser.cpp — steps and their arguments (SCENARIO-FORMAT.md §2).
// Each op's argument is a scalar (the object) or a map of named arguments, read as the op's
// row in the routine table (routine.hpp) describes it; the NT parameter names are kept where
// the format names them (Increment, Adjustment, Wait, Alertable...). The arguments that no
// schema describes well have their own parsers below (repeat, APCs), in step_assert.cpp and
// step_words.cpp, each named by its row.
#include "sim/scenario/step_parser.hpp"

#include <fmt/format.h>

#include <limits>

namespace kesim::scenario::detail {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

bool is_scalar(const YAML::Node& n) { return n.IsDefined() && n.IsScalar(); }

// A required key of an argument map; reports its absence at the map.
const Field* require(Reader& r, const Fields& fs, std::string_view key, const Field& f) {
  const Field* k = fs.get(key);
  if (!k && fs.is_map) r.error(f.loc, fmt::format("'{}' needs '{}'", f.key, key));
  return k;
}

}  // namespace

std::vector<Step> StepParser::parse_list(const YAML::Node& list, Loc loc, std::string_view what,
                                         const Scope& scope) {
  std::vector<Step> steps;
  if (scope.depth > kMaxDepth) {
    r_.error(loc, fmt::format("steps nested more than {} levels deep", kMaxDepth));
    return steps;
  }
  auto items = r_.list(list, loc, what);
  if (!items) return steps;
  for (const YAML::Node& item : *items) parse_step(steps, item, loc, scope);
  return steps;
}

void StepParser::parse_step(std::vector<Step>& out, const YAML::Node& node, Loc parent,
                            const Scope& scope) {
  Loc loc = Reader::loc_of(node, parent);
  if (!charge_step(loc)) return;
  auto lookup = [&](const std::string& name, Loc at) -> std::optional<Op> {
    auto op = op_from_name(name);
    if (!op) {
      std::vector<std::string> names;
      for (const RoutineDescriptor* d : all_descriptors()) names.emplace_back(d->name);
      r_.error(at, fmt::format("unknown operation '{}'{}", name, did_you_mean(name, names)));
    }
    return op;
  };

  if (is_scalar(node)) {
    auto op = lookup(node.Scalar(), loc);
    if (!op) return;
    if (!takes_no_argument(descriptor(*op))) {
      r_.error(loc, fmt::format("'{}' needs an argument: write '- {}: ...'", op_name(*op), op_name(*op)));
      return;
    }
    Step step;
    step.op = *op;
    step.loc = loc;
    out.push_back(std::move(step));
    return;
  }
  if (!node.IsDefined() || !node.IsMap()) {
    r_.error(loc, fmt::format("expected a step (an operation name, or a map 'operation: argument'), got {}",
                              Reader::describe(node)));
    return;
  }
  Fields fs = r_.entries(node, loc, "a step");
  if (fs.items.empty()) {
    r_.error(loc, "empty step");
    return;
  }
  // `if` and `while` are the steps with more than one key (§7).
  if (auto head = op_from_name(fs.items[0].key)) {
    if (StepListParser parse = descriptor(*head).parse_step) return (this->*parse)(out, fs, loc, scope);
  }
  for (std::size_t i = 1; i < fs.items.size(); ++i) {
    r_.error(fs.items[i].key_loc,
             fmt::format("a step has exactly one key, the operation; '{}' is a second key "
                         "(named arguments go in a map: '{}: {{...}}')",
                         fs.items[i].key, fs.items[0].key));
  }
  const Field& f = fs.items[0];
  auto op = lookup(f.key, f.key_loc);
  if (!op) return;
  Step step;
  step.op = *op;
  step.loc = f.key_loc;
  parse_argument(step, f, scope);
  out.push_back(std::move(step));
}

void StepParser::parse_argument(Step& step, const Field& f, const Scope& scope) {
  const RoutineDescriptor& d = descriptor(step.op);
  const YAML::Node& v = f.value;
  std::string what = fmt::format("'{}'", f.key);
  if (takes_no_argument(d)) {
    if (!v.IsNull()) {
      r_.error(f.loc, fmt::format("'{}' takes no argument; write it as '- {}'", f.key, f.key));
    }
    return;
  }
  step.number = d.number;
  const bool control = d.result == Result::control;
  // `as: NAME` (§7): every routine in map form may store its result in a thread local.
  if (!control && v.IsMap()) {
    const YAML::Node as = v["as"];
    if (as.IsDefined()) step.as_local = local_ref(as, Reader::loc_of(as, f.loc), "'as'", true);
    if (const char* key = single_argument_key(d)) {
      const std::size_t errors = r_.error_count();
      Fields fs = r_.fields(v, f.loc, what, {key, "as"});
      const Field* arg = fs.get(key);
      if (!arg) {
        if (r_.error_count() == errors) r_.error(f.loc, fmt::format("{} needs '{}'", what, key));
        return;
      }
      Field inner = *arg;
      inner.key = f.key;
      return parse_by_row(step, inner, scope);
    }
  }
  struct ExtraKey {
    Reader& r;
    std::string_view previous;
    ExtraKey(Reader& reader, bool on) : r(reader), previous(r.set_extra_key(on ? "as" : "")) {}
    ~ExtraKey() { r.set_extra_key(previous); }
  } extra(r_, !control);
  parse_by_row(step, f, scope);
}

// The argument as the row describes it: its own parser, the scalar form, or the named keys.
void StepParser::parse_by_row(Step& step, const Field& f, const Scope& scope) {
  const RoutineDescriptor& d = descriptor(step.op);
  if (d.parse) return (this->*d.parse)(step, f, scope);
  if (d.parse_step) {
    r_.error(f.key_loc, fmt::format("'{}' is written '- {}: CONDITION' followed by {}", f.key, f.key,
                                    f.key == "if" ? "'then: [...]'" : "'steps: [...]'"));
    return;
  }
  if (d.scalar != Arg::none && (d.keys.empty() || !f.value.IsMap()))
    return parse_value(step, KeySpec{.type = d.scalar}, f, scope);
  if (d.keys.empty()) {
    r_.error(f.key_loc, fmt::format("internal: no argument parser for '{}'", f.key));
    return;
  }
  std::vector<std::string_view> allowed;
  for (const KeySpec& k : d.keys) allowed.push_back(k.key);
  Fields fs = r_.fields(f.value, f.loc, fmt::format("'{}'", f.key), allowed);
  for (const KeySpec& k : d.keys) {
    const Field* field = k.required ? require(r_, fs, k.key, f) : fs.get(k.key);
    if (field) parse_value(step, k, *field, scope);
  }
}

// One value of type `spec.type` into its place in the step; `what` in messages is the key
// (the routine's name for a scalar argument), objects are checked against the row's kinds.
void StepParser::parse_value(Step& step, const KeySpec& spec, const Field& f, const Scope& scope) {
  const RoutineDescriptor& d = descriptor(step.op);
  const YAML::Node& v = f.value;
  const std::string what = fmt::format("'{}'", f.key);
  switch (spec.type) {
    case Arg::none: break;
    case Arg::object: step.object = resolve_object(v, f.loc, what, d.kinds, d.name); break;
    case Arg::irql:
      if (auto irql = r_.irql(f)) step.number = *irql;
      break;
    case Arg::manual_thread:
      step.thread = resolve_thread(v, f.loc, what);
      if (step.thread >= 0 && program_.threads[step.thread].start != StartKind::manual) {
        r_.error(f.loc, fmt::format("thread '{}' is not declared with 'start: manual', so "
                                    "{} cannot start it",
                                    program_.threads[step.thread].name, d.name));
      }
      break;
    case Arg::thread: step.thread = resolve_thread(v, f.loc, what); break;
    case Arg::waitable: resolve_waitable(v, f.loc, what, step.object, step.thread); break;
    case Arg::waitables: parse_waitables(step, f); break;
    case Arg::duration: step.duration = r_.duration(f); break;
    case Arg::period: step.period = r_.duration(f); break;
    case Arg::number:
      if (auto n = r_.integer(f, spec.min, spec.max)) step.number = *n;
      break;
    case Arg::flag: step.flag = r_.boolean(f).value_or(false); break;
    case Arg::abandon: step.abandon = r_.boolean(f).value_or(false); break;
    case Arg::wait_flag:
      if (auto b = r_.boolean(f)) step.number = *b ? 1 : 0;
      break;
    case Arg::alertable: step.alertable = r_.boolean(f).value_or(false); break;
    case Arg::mode:
      if (auto i = r_.choice(f, {"KernelMode", "UserMode"})) step.mode = static_cast<Mode>(*i);
      break;
    case Arg::wait_type:
      if (auto i = r_.choice(f, {"WaitAll", "WaitAny"})) step.wait_type = static_cast<WaitType>(*i);
      break;
    case Arg::reason:
      if (auto r = r_.wait_reason(f)) step.reason = *r;
      break;
    case Arg::text: step.text = text(v, f.loc, what, scope); break;
    case Arg::text2: step.text2 = text(v, f.loc, what, scope); break;
    case Arg::routine: step.routine = resolve_routine(v, f.loc, what); break;
    case Arg::variable: step.variable = resolve_variable(v, f.loc, what); break;
    case Arg::operand:
      if (auto o = operand(f)) step.operand = *o;
      break;
    case Arg::comparand:
      if (auto o = operand(f)) step.comparand = *o;
      break;
    case Arg::bit:
      if (auto b = r_.integer(f, 0, 63)) step.operand.value = *b;
      break;
  }
}

// KeWaitForMultipleObjects' `objects`: objects and threads, at least one.
void StepParser::parse_waitables(Step& step, const Field& f) {
  const std::string what = fmt::format("'{}'", f.key);
  auto items = r_.list(f.value, f.loc, what);
  if (!items) return;
  if (items->empty()) r_.error(f.loc, fmt::format("{} needs at least one object", what));
  bool any_thread = false;
  for (const YAML::Node& item : *items) {
    int object = -1, thread = -1;
    resolve_waitable(item, Reader::loc_of(item, f.loc), fmt::format("an {} entry", what), object, thread);
    step.objects.push_back(object);
    step.wait_threads.push_back(thread);
    any_thread = any_thread || thread >= 0;
  }
  if (!any_thread) step.wait_threads.clear();
}

void StepParser::parse_repeat(Step& step, const Field& f, const Scope& scope) {
  Fields fs = r_.fields(f.value, f.loc, "'repeat'", {"count", "as", "steps"});
  if (!fs.is_map) return;
  if (const Field* count = require(r_, fs, "count", f)) {
    if (auto n = r_.integer(*count, 0, kInt64Max)) step.number = *n;
  }
  Scope inner = scope;
  inner.depth++;
  if (const Field* as = fs.get("as")) {
    if (auto name = r_.scalar(*as)) {
      if (!valid_identifier(*name)) {
        r_.error(as->loc, fmt::format("'as' must be an identifier ([A-Za-z_][A-Za-z0-9_]*), got '{}'", *name));
      } else if (*name == "index") {
        r_.error(as->loc, "'index' is reserved (the instance index of a 'count:' thread)");
      } else {
        step.var = *name;
        inner.vars.push_back(*name);
      }
    }
  }
  if (const Field* steps = require(r_, fs, "steps", f)) {
    step.body = parse_list(steps->value, steps->loc, "'steps'", inner);
  }
}

void StepParser::parse_apc(Step& step, const Field& f, const Scope& scope) {
  Fields fs = r_.fields(f.value, f.loc, "'KeInsertQueueApc'", {"thread", "kind", "routine", "steps"});
  if (!fs.is_map) return;
  if (const Field* t = require(r_, fs, "thread", f)) step.thread = resolve_thread(t->value, t->loc, "'thread'");
  if (const Field* k = fs.get("kind")) {
    if (auto i = r_.choice(*k, {"special", "normal", "user"})) step.apc_kind = static_cast<ApcKind>(*i);
  }
  const Field* routine = fs.get("routine");
  const Field* steps = fs.get("steps");
  if (routine && steps) {
    r_.error(steps->key_loc, "'KeInsertQueueApc' takes either 'routine' or 'steps', not both");
  } else if (!routine && !steps) {
    r_.error(f.loc, "'KeInsertQueueApc' needs 'routine' (a routine name) or 'steps' (inline steps)");
  } else if (routine) {
    step.routine = resolve_routine(routine->value, routine->loc, "'routine'");
  } else {
    // The APC runs later in its target's context: the enclosing repeat variables are gone.
    Scope apc_scope;
    apc_scope.depth = scope.depth + 1;
    Routine anonymous;
    anonymous.loc = steps->key_loc;
    anonymous.steps = parse_list(steps->value, steps->loc, "'steps'", apc_scope);
    program_.routines.push_back(std::move(anonymous));
    step.routine = static_cast<int>(program_.routines.size()) - 1;
  }
}


}  // namespace kesim::scenario::detail
