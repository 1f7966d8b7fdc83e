// sim/scenario/routines_control.cpp — the control steps (SCENARIO-FORMAT.md §2 "control",
// §3 assert/dump, §7 if/while). They call no NT routine: the thread's result and last status
// stay as they were, and they take no `as:`.
#include <fmt/format.h>

#include "sim/ke/ki.hpp"
#include "sim/scenario/routine_rows.hpp"

namespace kesim::scenario::rows {
namespace {

using Ctx = ThreadCtx;

std::int64_t work(Ctx&, const Step& s) {
  ke::KiRunOnCpu(*s.duration);
  return 0;
}

std::int64_t repeat(Ctx& c, const Step& s) {
  c.vars.emplace_back(&s.var, 0);
  for (std::int64_t i = 0; i < s.number; ++i) {
    c.vars.back().second = i;
    Exec::run_list(c, s.body);
    c.thread->current_step = &s;
  }
  c.vars.pop_back();
  return 0;
}

std::int64_t call(Ctx& c, const Step& s) {
  c.thread->push_frame(&s, nullptr);  // the report's step stack (no allocation)
  Exec::run_list(c, Exec::program(c).routines[static_cast<std::size_t>(s.routine)].steps);
  c.thread->pop_frame();
  return 0;
}

std::int64_t log(Ctx& c, const Step& s) {
  Interpreter& in = *c.interp;
  in.machine().print(c.thread, fmt::format("[{:>12}] {}: {}", fmt::format("{} ns", in.kernel().engine().now()),
                                           c.thread->name, Exec::expand(c, s.text)));
  return 0;
}

std::int64_t dump(Ctx& c, const Step& s) {
  machine::Machine& m = c.interp->machine();
  for (const View& v : s.views) m.print(c.thread, m.view(v, c.thread));
  return 0;
}

std::int64_t assert_(Ctx& c, const Step& s) {
  // An assertion reads words and kernel state without a scheduling point: for partial-order
  // reduction it reads everything.
  c.thread->engine->note_access(engine::kAccessAllWords, false);
  Exec::check_assert(c, s);
  return 0;
}

std::int64_t if_(Ctx& c, const Step& s) {
  // Reading a word in a condition is a plain load: a scheduling point first.
  if (s.cond->source == CondSource::variable)
    ke::KiSchedulingPointWord(static_cast<std::uint32_t>(s.cond->index), false);
  Exec::run_list(c, Exec::test(c, *s.cond, &s) ? s.body : s.else_steps);
  c.thread->current_step = &s;
  return 0;
}

std::int64_t while_(Ctx& c, const Step& s) {
  for (;;) {
    c.thread->current_step = &s;
    if (s.cond->source == CondSource::variable)
    ke::KiSchedulingPointWord(static_cast<std::uint32_t>(s.cond->index), false);
    if (!Exec::test(c, *s.cond, &s)) break;
    Exec::run_list(c, s.body);
    if (s.body.empty()) Exec::pause();  // an empty body spins on the CPU like YieldProcessor
  }
  return 0;
}

constexpr RoutineDescriptor kRows[] = {
    {.op = Op::work, .name = "work", .result = Result::control, .scalar = Arg::duration, .exec = work},
    {.op = Op::repeat, .name = "repeat", .result = Result::control, .parse = &StepParser::parse_repeat,
     .exec = repeat},
    {.op = Op::call, .name = "call", .result = Result::control, .scalar = Arg::routine, .exec = call},
    {.op = Op::log, .name = "log", .result = Result::control, .scalar = Arg::text, .exec = log},
    {.op = Op::dump, .name = "dump", .result = Result::control, .parse = &StepParser::parse_dump,
     .exec = dump},
    {.op = Op::assert_, .name = "assert", .result = Result::control, .parse = &StepParser::parse_assert,
     .exec = assert_},
    {.op = Op::if_, .name = "if", .result = Result::control, .parse_step = &StepParser::parse_if,
     .exec = if_, .explain = Explain::none},
    {.op = Op::while_, .name = "while", .result = Result::control, .parse_step = &StepParser::parse_while,
     .exec = while_, .explain = Explain::none},
};

}  // namespace

std::span<const RoutineDescriptor> control() { return kRows; }

}  // namespace kesim::scenario::rows
