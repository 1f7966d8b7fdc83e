// sim/scenario/routine.hpp — one descriptor per operation a step can name (ARCHITECTURE.md,
// "One routine, one place"). A row holds everything about one NT routine (or control step):
// its YAML name, its argument schema, the object kinds it accepts, the first version it exists
// on, how it sets the thread's result and last status, its executor, whether it does I/O and
// whether `kesim explain` has an entry for it. The parser, the interpreter, the version check,
// does_io and the tests are derived from the rows; adding a routine is one row (README,
// "Adding a routine") plus its Ke/Ex code.
//
// Rows live in routines_*.cpp, grouped as SCENARIO-FORMAT.md §2 groups them; descriptor(op)
// finds a row in O(1) without allocating (the interpreter calls it on every step).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "sim/scenario/program.hpp"

namespace kesim::scenario {

struct ThreadCtx;  // interp_detail.hpp: the running thread's interpreter context
namespace detail {
class StepParser;
struct Field;
struct Fields;
struct Scope;
}  // namespace detail

// The type of an argument: what a bare scalar means (RoutineDescriptor::scalar), or the value
// of one named key of the map form (KeySpec::type). Each type has one destination in Step.
enum class Arg : std::uint8_t {
  none,           // no scalar form (scalar), or unused
  object,         // an object of the row's kinds -> object
  irql,           // PASSIVE_LEVEL..HIGH_LEVEL or 0..15 -> number
  manual_thread,  // a thread declared `start: manual` -> thread
  thread,         // any declared thread -> thread
  waitable,       // an object or thread a KeWaitFor* can name -> object or thread
  waitables,      // a non-empty list of them -> objects, wait_threads
  duration,       // -> duration
  period,         // a duration -> period
  number,         // an integer in [KeySpec::min, KeySpec::max] -> number
  flag,           // true/false -> flag (the Wait argument)
  abandon,        // true/false -> abandon (KeReleaseMutant)
  wait_flag,      // true/false -> number: a Wait argument whose default (the row's number) is TRUE
  alertable,      // true/false -> alertable
  mode,           // KernelMode / UserMode -> mode
  wait_type,      // WaitAll / WaitAny -> wait_type
  reason,         // a KWAIT_REASON -> reason
  text,           // a text with ${name} references -> text
  text2,          // -> text2 (rename_to)
  routine,        // a routine name -> routine
  variable,       // a memory word of `variables:` -> variable
  operand,        // an integer or {local: L, add: N} -> operand
  comparand,      // the same -> comparand
  bit,            // 0..63 -> operand.value
};

// One named key of a routine's map form, e.g. KeSetEvent's {event, increment, wait}. Keys are
// read, and missing required keys reported, in the order of the row's list.
struct KeySpec {
  std::string_view key;
  Arg type = Arg::none;
  bool required = false;
  std::int64_t min = 0, max = 0;  // Arg::number
};

// What a step does to the thread's result and last status (SCENARIO-FORMAT §7).
enum class Result : std::uint8_t {
  control,   // a control step: result and last status unchanged, no `as:`
  ntstatus,  // returns an NTSTATUS: it is the result and the last status
  boolean,   // returns a BOOLEAN: 1/0 is the result, TRUE/FALSE the last status
  value,     // returns a value (old IRQL, previous state...): the result; status SUCCESS
  none,      // VOID: result 0; status SUCCESS
};

enum class Explain : std::uint8_t {
  entry,  // check::find_operation(name) has the routine's `kesim explain` text
  none,   // no catalogue entry yet (a new routine whose teaching entry is still to be written)
};

using Executor = std::int64_t (*)(ThreadCtx& c, const Step& s);
using ArgumentParser = void (detail::StepParser::*)(Step& step, const detail::Field& f,
                                                    const detail::Scope& scope);
using StepListParser = void (detail::StepParser::*)(std::vector<Step>& out, const detail::Fields& fs,
                                                    Loc loc, const detail::Scope& scope);

struct RoutineDescriptor {
  Op op;
  std::string_view name;             // the YAML spelling (NT spelling for routines); a literal
  Result result = Result::none;
  // The argument. A routine takes no argument when all three are empty; otherwise a bare
  // scalar is parsed as `scalar` (when set), a map by `keys` (when any), and `parse` replaces
  // both. A routine whose only argument is an object, IRQL or thread also takes the map form
  // {object|irql|thread: X, as: LOCAL}.
  Arg scalar = Arg::none;
  std::span<const KeySpec> keys;
  ArgumentParser parse = nullptr;    // a special argument parser (waits, APCs, repeat, ...)
  StepListParser parse_step = nullptr;  // if/while: a step of several keys
  unsigned kinds = 0;                // object kinds accepted (bit 1 << ObjectType)
  std::int64_t number = 0;           // Step::number before parsing (a default argument)
  const char* usage = nullptr;       // word operations: how the step is written
  Executor exec = nullptr;
  Version since = Version::xp;       // the first version that has the routine
  const char* since_why = nullptr;   // why not before `since` (the setup error's reason)
  bool io = false;                   // a synchronous I/O request (turns on the race detector)
  Explain explain = Explain::entry;
};

// The row of `op`; every Op has exactly one (tests/scenario/routines_test.cpp).
const RoutineDescriptor& descriptor(Op op);
// Every row, in Op order.
std::span<const RoutineDescriptor* const> all_descriptors();
// The `kesim explain` topic of a row (its name), or nullptr when the catalogue has none.
const char* explain_key(const RoutineDescriptor& d);
// The key of the map form {KEY: X, as: LOCAL} of a routine whose only argument is a scalar
// of type `scalar`; nullptr when there is no such form.
const char* single_argument_key(const RoutineDescriptor& d);
bool takes_no_argument(const RoutineDescriptor& d);

}  // namespace kesim::scenario
