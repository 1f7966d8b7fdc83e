// sim/scenario/routines_control.cpp — the control steps (SCENARIO-FORMAT.md §2 "control",
// §3 assert/dump, §7 if/while). They call no NT routine: the thread's result and last status
// stay as they were, and they take no `as:`.
#include <fmt/format.h>

#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/scenario/routine_rows.hpp"

namespace kesim::scenario::rows {
namespace {

using Ctx = ThreadCtx;

std::int64_t work(Ctx&, const Step& s) {
  // With jitter on, the duration is the schedule's choice within the tolerance (README "Jitter").
  ke::KiRunOnCpu(ke::current_kernel().jittered(*s.duration));
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
  // An assertion reads words and kernel objects without a scheduling point: for partial-order
  // reduction it reads every word and every object (its own thread's state is its task).
  c.thread->engine->note_access(engine::kAccessAllWords, false);
  c.thread->engine->note_access(engine::kAccessAllObjects, false);
  Exec::check_assert(c, s);
  return 0;
}

std::int64_t ask(Ctx& c, const Step& s) {
  Exec::ask(c, s);  // interp_ask.cpp: nothing unless play --predict listens
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

// Does the `except:` list of try step `context` name `status`?
bool except_filter(const void* context, ke::NTSTATUS status) {
  const Step& s = *static_cast<const Step*>(context);
  for (const std::string& name : s.except) {
    if (name.starts_with("0x") || name.starts_with("0X")) {
      if (std::stoull(name, nullptr, 16) == static_cast<std::uint32_t>(status)) return true;
    } else if (name == ke::status_name(status)) {
      return true;
    }
  }
  return false;
}

// `try: [steps]` / `except: STATUS_...`: a status raised in the body (ExRaiseStatus) that the
// list names ends the body; the thread goes on after the step with that status as its last
// status. Anything else raised still stops the machine with 0x7E. What the body's unwound
// steps had pushed (repeat variables, call frames) is dropped, as unwinding a C frame would.
std::int64_t try_(Ctx& c, const Step& s) {
  ke::KTHREAD& t = *c.thread;
  ke::KiExceptionFrame frame{t.exception_frames, &except_filter, &s, t.apc_depth};
  // Unlinks the frame however the body ends: a caught status, a status for an outer handler,
  // or the thread leaving for good (PsTerminateSystemThread, a stopped run) — its exit code
  // may still raise, and must not find a frame on a stack that is gone.
  struct Unlink {
    ke::KTHREAD& t;
    ke::KiExceptionFrame& f;
    ~Unlink() { t.exception_frames = f.prev; }
  } unlink{t, frame};
  t.exception_frames = &frame;
  const std::size_t vars = c.vars.size();
  const std::uint32_t frames = t.frame_count;
  bool caught = false;
  try {
    Exec::run_list(c, s.body);
  } catch (const ke::KiRaisedException& e) {
    // Nothing here may switch fibers (the runtime's caught-exception state is per OS thread).
    if (e.frame != &frame) throw;
    caught = true;
  }
  if (caught) {
    c.vars.resize(vars);
    t.frame_count = frames;
    t.current_step = &s;
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
    {.op = Op::ask, .name = "ask", .result = Result::control, .parse = &StepParser::parse_ask, .exec = ask},
    {.op = Op::if_, .name = "if", .result = Result::control, .parse_step = &StepParser::parse_if,
     .exec = if_},
    {.op = Op::while_, .name = "while", .result = Result::control, .parse_step = &StepParser::parse_while,
     .exec = while_},
    {.op = Op::try_, .name = "try", .result = Result::control, .parse_step = &StepParser::parse_try,
     .exec = try_},
};

}  // namespace

std::span<const RoutineDescriptor> control() { return kRows; }

}  // namespace kesim::scenario::rows
