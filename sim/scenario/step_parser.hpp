// sim/scenario/step_parser.hpp — YAML step lists -> validated Steps (SCENARIO-FORMAT.md §2, §3).
// Internal to the loader. Needs every object, thread and routine *declared* in the Program
// (names, types, start kinds) before it runs, since steps refer to them by name in any order.
//
// Inline APC steps become anonymous routines appended to Program::routines while parsing, so
// callers must not hold references into Program::routines across parse_list.
#pragma once

#include <string>
#include <vector>

#include "sim/scenario/routine.hpp"
#include "sim/scenario/yaml_reader.hpp"

namespace kesim::scenario::detail {

// Variables visible to ${name} in texts: the `as` names of the enclosing repeats, lexically
// (a routine sees only its own repeats; `${index}` is always visible).
struct Scope {
  std::vector<std::string> vars;
  int depth = 0;  // step-list nesting; bounded because a YAML alias can make a list contain itself
};

class StepParser {
 public:
  StepParser(Program& program, Reader& reader) : program_(program), r_(reader) {}

  std::vector<Step> parse_list(const YAML::Node& list, Loc loc, std::string_view what,
                               const Scope& scope);
  // A condition of `if`, `while` or (invariant = true: variables only) `invariants`.
  std::optional<Condition> condition(const YAML::Node& node, Loc loc, std::string_view what,
                                     bool invariant);
  // A thread local by name (`as:` assigns it); every local must be assigned somewhere.
  int local_ref(const YAML::Node& node, Loc loc, std::string_view what, bool assign);
  // Reports locals that are read but never assigned; call once after every list is parsed.
  void check_locals();
  // An object whose declaration was rejected: references to it are not reported again.
  void add_broken_object(std::string name) { broken_objects_.push_back(std::move(name)); }

  // The special argument parsers, referenced from their routine rows (routine.hpp); every
  // other argument is read generically from the row's schema by parse_by_row.
  void parse_repeat(Step& step, const Field& f, const Scope& scope);
  void parse_apc(Step& step, const Field& f, const Scope& scope);
  void parse_dump(Step& step, const Field& f, const Scope& scope);    // step_assert.cpp
  void parse_assert(Step& step, const Field& f, const Scope& scope);  // step_assert.cpp
  void parse_ask(Step& step, const Field& f, const Scope& scope);     // step_ask.cpp
  void parse_word_op(Step& step, const Field& f, const Scope& scope);  // step_words.cpp (§7)
  void parse_if(std::vector<Step>& out, const Fields& fs, Loc loc, const Scope& scope);
  void parse_while(std::vector<Step>& out, const Fields& fs, Loc loc, const Scope& scope);
  void parse_try(std::vector<Step>& out, const Fields& fs, Loc loc, const Scope& scope);  // step_assert.cpp
  void parse_keyed(Step& step, const Field& f, const Scope& scope);  // routines_keyed.cpp

 private:
  static constexpr int kMaxDepth = 64;

  void parse_step(std::vector<Step>& out, const YAML::Node& node, Loc loc, const Scope& scope);
  // loader_limits.cpp: counts one more step (YAML aliases expand); false past the limit.
  bool charge_step(Loc loc);
  void parse_argument(Step& step, const Field& f, const Scope& scope);
  void parse_by_row(Step& step, const Field& f, const Scope& scope);
  void parse_value(Step& step, const KeySpec& spec, const Field& f, const Scope& scope);
  void parse_waitables(Step& step, const Field& f);

  // step_words.cpp (§7)
  std::optional<Operand> operand(const Field& f);
  std::optional<std::int64_t> word_value(const Field& f);
  int resolve_variable(const YAML::Node& node, Loc loc, std::string_view what);
  bool parse_assert_word_key(Assertion& a, const Field& k);
  // step_assert.cpp: the list-valued assert keys.
  void parse_waiter_list(Assertion& a, const Field& k);
  void parse_wait_chain(Assertion& a, const Field& k);

  // Name resolution; each reports its own error and returns -1.
  // `types` is a bit mask of ObjectType values (bit 1 << type).
  int resolve_object(const YAML::Node& node, Loc loc, std::string_view what, unsigned types,
                     std::string_view user);
  int resolve_thread(const YAML::Node& node, Loc loc, std::string_view what);
  int resolve_routine(const YAML::Node& node, Loc loc, std::string_view what);
  // A dispatcher object a KeWaitFor* can name: an object (returned in `object`) or a thread.
  void resolve_waitable(const YAML::Node& node, Loc loc, std::string_view what, int& object,
                        int& thread);
  Text text(const YAML::Node& node, Loc loc, std::string_view what, const Scope& scope);

  std::vector<std::string> object_names() const;
  std::vector<std::string> thread_names() const;

  bool is_broken_object(std::string_view name) const;

  Program& program_;
  Reader& r_;
  std::vector<std::string> broken_objects_;
  std::vector<bool> assigned_;  // by local index: some `as:` stores into it
  std::vector<Loc> first_use_;  // by local index
  std::size_t steps_parsed_ = 0;
};

constexpr unsigned type_bit(ObjectType t) { return 1u << static_cast<unsigned>(t); }
// "a push_lock", "a push_lock or cache_aware_push_lock".
std::string describe_types(unsigned types);
// Empty if `ref` names a thread (a template NAME, or NAME[k] for an instance of a `count:`
// thread); otherwise the error message.
std::string thread_ref_error(const Program& program, std::string_view ref);
// [A-Za-z0-9_.-]+, the spelling of scenario, object, thread and routine names.
bool valid_name(std::string_view s);
// [A-Za-z_][A-Za-z0-9_]*, the spelling of a repeat variable.
bool valid_identifier(std::string_view s);
// An NTSTATUS name (STATUS_...), a hex code, TRUE or FALSE.
bool valid_status(std::string_view s);

}  // namespace kesim::scenario::detail
