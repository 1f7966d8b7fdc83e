// sim/scenario/interp_detail.hpp — the interpreter's per-thread context and step execution
// (internal to sim/scenario).
#pragma once

#include <utility>
#include <vector>

#include "sim/ex/pushlock.hpp"
#include "sim/scenario/interpreter.hpp"

namespace kesim::scenario {

struct Interpreter::ThreadCtx {
  Interpreter* interp = nullptr;
  int decl = -1;
  int instance = 0;
  ke::KTHREAD* thread = nullptr;
  // Repeat variables in scope, innermost last (name → value).
  std::vector<std::pair<const std::string*, std::int64_t>> vars;
  // What a release needs from its acquire: the old IRQL of a spin lock, the slot of a
  // cache-aware shared acquire (by program object index).
  std::vector<std::pair<int, ke::KIRQL>> spin_irqls;
  std::vector<std::pair<int, ex::EX_PUSH_LOCK*>> cache_slots;
  // §7: the value the last routine returned, and the thread's `as:` locals.
  std::int64_t result = 0;
  std::vector<std::int64_t> locals;
};

struct Exec {
  static void run_list(Interpreter::ThreadCtx& c, const std::vector<Step>& steps);
  static void run_step(Interpreter::ThreadCtx& c, const Step& s);
  static std::string expand(const Interpreter::ThreadCtx& c, const Text& t);
  static void check_assert(Interpreter::ThreadCtx& c, const Step& s);  // interp_assert.cpp
  static void run_apc(ke::KAPC& apc);
  // A routine (not a control step): its return value, with the last status set.
  static std::int64_t run_routine(Interpreter::ThreadCtx& c, const Step& s);
  // interp_words.cpp (§7)
  static std::int64_t run_word_op(Interpreter::ThreadCtx& c, const Step& s);
  static bool test(Interpreter::ThreadCtx& c, const Condition& cond, const Step* at);
  static void set_result(Interpreter::ThreadCtx& c, const Step& s, std::int64_t value);
  static void check_invariants(Interpreter::ThreadCtx& c, const Step& s);
  static void pause();
  static std::int64_t operand(const Interpreter::ThreadCtx& c, const Operand& o);
};

}  // namespace kesim::scenario
