// sim/scenario/step_words.cpp — memory words, results and control flow (SCENARIO-FORMAT §7):
// the arguments of the word operations (their rows are in routines_words.cpp), `as:` locals,
// conditions of `if`/`while`/`invariants`, and the assert keys about them.
#include <fmt/format.h>

#include <limits>

#include "sim/scenario/step_parser.hpp"

namespace kesim::scenario::detail {

namespace {
constexpr std::array<std::string_view, 7> kCmpKeys = {"eq", "ne", "lt", "le", "gt", "ge", "and"};
constexpr std::array<std::string_view, 5> kSourceKeys = {"variable", "local", "result", "status",
                                                         "last_status"};
}  // namespace

// A word value: a signed or unsigned 64-bit integer (decimal or 0x hex), kept as its bits.
std::optional<std::int64_t> StepParser::word_value(const Field& f) {
  auto s = r_.scalar(f.value, f.loc, fmt::format("'{}'", f.key), "an integer");
  if (!s) return std::nullopt;
  if (auto v = parse_int(*s)) return v;
  if (auto u = parse_uint(*s)) return static_cast<std::int64_t>(*u);
  r_.error(f.loc, fmt::format("expected a 64-bit integer for '{}', got '{}'", f.key, *s));
  return std::nullopt;
}

int StepParser::local_ref(const YAML::Node& node, Loc loc, std::string_view what, bool assign) {
  auto name = r_.scalar(node, loc, what, "a local name");
  if (!name) return -1;
  if (!valid_identifier(*name)) {
    r_.error(loc, fmt::format("{} must be an identifier ([A-Za-z_][A-Za-z0-9_]*), got '{}'", what, *name));
    return -1;
  }
  int i = program_.find_local(*name);
  if (i < 0) {
    program_.locals.push_back(*name);
    i = static_cast<int>(program_.locals.size() - 1);
    assigned_.push_back(false);
    first_use_.push_back(loc);
  }
  if (assign) assigned_[static_cast<std::size_t>(i)] = true;
  return i;
}

void StepParser::check_locals() {
  for (std::size_t i = 0; i < program_.locals.size(); ++i)
    if (!assigned_[i])
      r_.error(first_use_[i], fmt::format("local '{}' is never set: no step stores into it with "
                                          "'as: {}'", program_.locals[i], program_.locals[i]));
}

int StepParser::resolve_variable(const YAML::Node& node, Loc loc, std::string_view what) {
  auto name = r_.scalar(node, loc, what, "a variable name");
  if (!name) return -1;
  const int i = program_.find_variable(*name);
  if (i >= 0) return i;
  std::vector<std::string> names;
  for (const VariableDecl& v : program_.variables) names.push_back(v.name);
  if (program_.find_object(*name) >= 0)
    r_.error(loc, fmt::format("'{}' is an object, not a variable (declare memory words under "
                              "'variables:')", *name));
  else
    r_.error(loc, fmt::format("unknown variable '{}'{}", *name, did_you_mean(*name, names)));
  return -1;
}

std::optional<Operand> StepParser::operand(const Field& f) {
  Operand o;
  if (!f.value.IsMap()) {
    auto v = word_value(f);
    if (!v) return std::nullopt;
    o.value = *v;
    return o;
  }
  Fields fs = r_.fields(f.value, f.loc, fmt::format("'{}'", f.key), {"local", "add"});
  const Field* local = fs.get("local");
  if (!local) {
    r_.error(f.loc, fmt::format("'{}' is an integer or {{local: NAME, add: N}}", f.key));
    return std::nullopt;
  }
  o.local = local_ref(local->value, local->loc, "'local'", false);
  if (const Field* add = fs.get("add"))
    if (auto v = word_value(*add)) o.value = *v;
  return o;
}

namespace {
// How a word operation is written, for its messages: "'NAME: {target: WORD, value: V}'", and
// for a routine that also takes the bare word "'NAME: WORD' or 'NAME: {target: WORD, ...}'".
std::string usage(const RoutineDescriptor& d) {
  const std::string map = fmt::format("'{}: {}'", d.name, d.usage);
  return d.scalar == Arg::variable ? fmt::format("'{}: WORD' or {}", d.name, map) : map;
}
}  // namespace

// {target: WORD, <the row's keys>, as: LOCAL}; every key of the row is required.
void StepParser::parse_word_op(Step& step, const Field& f, const Scope&) {
  const RoutineDescriptor& d = descriptor(step.op);
  const std::string what = fmt::format("'{}'", f.key);
  if (!f.value.IsMap()) {
    if (d.scalar == Arg::variable) step.variable = resolve_variable(f.value, f.loc, what);
    else r_.error(f.loc, fmt::format("{} takes a map: {}", what, usage(d)));
    return;
  }
  std::vector<std::string_view> keys = {"target", "as"};
  for (const KeySpec& k : d.keys) keys.push_back(k.key);
  Fields all = r_.entries(f.value, f.loc, what);
  for (const Field& k : all.items)
    if (std::find(keys.begin(), keys.end(), k.key) == keys.end())
      r_.error(k.key_loc, fmt::format("unknown key '{}' in {} ({})", k.key, what, usage(d)));
  for (std::size_t i = 2; i < keys.size(); ++i)
    if (!all.get(keys[i])) r_.error(f.loc, fmt::format("{} needs '{}' ({})", what, keys[i], usage(d)));
  const Field* target = all.get("target");
  if (!target) {
    r_.error(f.loc, fmt::format("{} needs 'target' ({})", what, usage(d)));
    return;
  }
  step.variable = resolve_variable(target->value, target->loc, "'target'");
  // Values are read even under a key the row does not take (already reported above), so a
  // bad value there is reported too.
  if (const Field* x = all.get("exchange")) {
    if (auto o = operand(*x)) step.operand = *o;
  } else if (const Field* v = all.get("value")) {
    if (auto o = operand(*v)) step.operand = *o;
  }
  if (const Field* c = all.get("comparand"))
    if (auto o = operand(*c)) step.comparand = *o;
  if (const Field* b = all.get("bit"))
    if (auto bit = r_.integer(*b, 0, 63)) step.operand.value = *bit;
}

std::optional<Condition> StepParser::condition(const YAML::Node& node, Loc loc, std::string_view what,
                                               bool invariant) {
  Fields fs = r_.entries(node, loc, what);
  if (!fs.is_map) return std::nullopt;
  Condition c;
  c.loc = loc;
  const Field* source = nullptr;
  const Field* cmp = nullptr;
  for (const Field& k : fs.items) {
    const bool is_source = std::find(kSourceKeys.begin(), kSourceKeys.end(), k.key) != kSourceKeys.end();
    const bool is_cmp = std::find(kCmpKeys.begin(), kCmpKeys.end(), k.key) != kCmpKeys.end();
    if (is_source && !source) source = &k;
    else if (is_cmp && !cmp) cmp = &k;
    else if (is_source || is_cmp)
      r_.error(k.key_loc, fmt::format("{} compares one value once; '{}' is a second {}", what, k.key,
                                      is_source ? "value" : "comparison"));
    else
      r_.error(k.key_loc, fmt::format("unknown key '{}' in {} (a condition is one of variable, local, "
                                      "result, status, last_status, with one of eq, ne, lt, le, gt, ge, and)",
                                      k.key, what));
  }
  if (!source) {
    r_.error(loc, fmt::format("{} needs what to test: variable, local, result, status or last_status", what));
    return std::nullopt;
  }
  if (invariant && source->key != "variable") {
    r_.error(source->key_loc, "an invariant is about memory words: use 'variable: NAME'");
    return std::nullopt;
  }
  const std::string& key = source->key;
  if (key == "status" || key == "last_status") {
    if (cmp) r_.error(cmp->key_loc, fmt::format("'{}' takes no comparison", key));
    auto s = r_.scalar(*source);
    if (!s) return std::nullopt;
    if (key == "status") {
      if (*s != "success" && *s != "failure") {
        r_.error(source->loc, fmt::format("'status' is 'success' (NT_SUCCESS) or 'failure', got '{}'", *s));
        return std::nullopt;
      }
      c.source = CondSource::status_success;
      c.negate = *s == "failure";
    } else {
      if (!valid_status(*s)) {
        r_.error(source->loc, fmt::format("expected an NTSTATUS name (STATUS_SUCCESS, ...), TRUE or FALSE "
                                          "for 'last_status', got '{}'", *s));
        return std::nullopt;
      }
      c.source = CondSource::last_status;
      c.status = *s;
    }
    return c;
  }
  if (key == "variable") {
    c.source = CondSource::variable;
    c.index = resolve_variable(source->value, source->loc, "'variable'");
  } else if (key == "local") {
    c.source = CondSource::local;
    c.index = local_ref(source->value, source->loc, "'local'", false);
  } else {
    // {result: V} tests equality, like `assert: {result: V}`; {result: , CMP: V} (an empty
    // value) compares with any operator.
    c.source = CondSource::result;
    if (!source->value.IsNull()) {
      if (cmp) {
        r_.error(source->loc, fmt::format("write 'result:' with no value when comparing with '{}'",
                                          cmp->key));
        return std::nullopt;
      }
      c.op = CmpOp::eq;
      if (auto v = word_value(*source)) c.value = *v;
      return c;
    }
    if (!cmp) {
      r_.error(source->loc, "'result' needs a value to compare with: {result: V} or {result: , gt: V}");
      return std::nullopt;
    }
  }
  if (!cmp) {
    c.op = CmpOp::ne;  // a bare value tests non-zero, as C does
    c.value = 0;
  } else {
    c.op = static_cast<CmpOp>(std::find(kCmpKeys.begin(), kCmpKeys.end(), cmp->key) - kCmpKeys.begin());
    if (auto v = word_value(*cmp)) c.value = *v;
  }
  if (c.index < 0 && c.source != CondSource::result) return std::nullopt;
  return c;
}

void StepParser::parse_if(std::vector<Step>& out, const Fields& fs, Loc loc, const Scope& scope) {
  Step step;
  step.op = Op::if_;
  const Field& head = fs.items[0];
  step.loc = head.key_loc;
  for (std::size_t i = 1; i < fs.items.size(); ++i) {
    const Field& k = fs.items[i];
    if (k.key != "then" && k.key != "else")
      r_.error(k.key_loc, fmt::format("unknown key '{}' in 'if' (an 'if' step has 'if', 'then' and "
                                      "optionally 'else')", k.key));
  }
  if (auto c = condition(head.value, head.loc, "'if'", false)) step.cond = std::make_shared<Condition>(*c);
  Scope inner = scope;
  inner.depth++;
  const Field* then = fs.get("then");
  if (!then) r_.error(head.key_loc, "'if' needs 'then: [steps]'");
  else step.body = parse_list(then->value, then->loc, "'then'", inner);
  if (const Field* els = fs.get("else")) step.else_steps = parse_list(els->value, els->loc, "'else'", inner);
  out.push_back(std::move(step));
}

void StepParser::parse_while(std::vector<Step>& out, const Fields& fs, Loc loc, const Scope& scope) {
  Step step;
  step.op = Op::while_;
  const Field& head = fs.items[0];
  step.loc = head.key_loc;
  for (std::size_t i = 1; i < fs.items.size(); ++i)
    if (fs.items[i].key != "steps")
      r_.error(fs.items[i].key_loc, fmt::format("unknown key '{}' in 'while' (a 'while' step has "
                                                "'while' and 'steps')", fs.items[i].key));
  if (auto c = condition(head.value, head.loc, "'while'", false)) step.cond = std::make_shared<Condition>(*c);
  Scope inner = scope;
  inner.depth++;
  const Field* steps = fs.get("steps");
  if (!steps) r_.error(head.key_loc, "'while' needs 'steps: [steps]' (use [{YieldProcessor}] to spin)");
  else step.body = parse_list(steps->value, steps->loc, "'steps'", inner);
  out.push_back(std::move(step));
}

// `assert` keys of §7: {variable: W, value: V}, {local: L, value: V}, {result: V}.
bool StepParser::parse_assert_word_key(Assertion& a, const Field& k) {
  if (k.key == "variable") a.variable = resolve_variable(k.value, k.loc, "'variable'");
  else if (k.key == "local") a.local = local_ref(k.value, k.loc, "'local'", false);
  else if (k.key == "result") a.result = word_value(k);
  else return false;
  return true;
}

}  // namespace kesim::scenario::detail
