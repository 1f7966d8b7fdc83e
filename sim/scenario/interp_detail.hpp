// sim/scenario/interp_detail.hpp — the interpreter's per-thread context and step execution
// (internal to sim/scenario).
#pragma once

#include <utility>
#include <vector>

#include "sim/ex/pushlock.hpp"
#include "sim/scenario/interpreter.hpp"

namespace kesim::scenario {

struct ThreadCtx {
  Interpreter* interp = nullptr;
  int decl = -1;
  int instance = 0;
  ke::KTHREAD* thread = nullptr;
  // Repeat variables in scope, innermost last (name → value).
  std::vector<std::pair<const std::string*, std::int64_t>> vars;
  // What a release needs from its acquire: the old IRQL of a spin lock, the slot of a
  // cache-aware shared acquire (by program object index).
  std::vector<std::pair<int, ke::KIRQL>> spin_irqls;
  std::vector<std::pair<int, ke::KIRQL>> queued_irqls;  // KLOCK_QUEUE_HANDLE.OldIrql per lock
  std::vector<std::pair<int, ex::EX_PUSH_LOCK*>> cache_slots;
  // §7: the value the last routine returned, and the thread's `as:` locals.
  std::int64_t result = 0;
  std::vector<std::int64_t> locals;
};

// What the executors of the routine rows (routines_*.cpp) use; a friend of the Interpreter.
struct Exec {
  static void run_list(ThreadCtx& c, const std::vector<Step>& steps);
  // One step: the indirect call through its row, then the result rule and the invariants.
  static void run_step(ThreadCtx& c, const Step& s);
  static std::string expand(const ThreadCtx& c, const Text& t);
  static void check_assert(ThreadCtx& c, const Step& s);  // interp_assert.cpp
  // Every key of an assertion compared with the state now: (key, expected, actual) as text.
  static std::vector<AssertComparison> compare_assert(ThreadCtx& c, const Assertion& a);
  static void ask(ThreadCtx& c, const Step& s);  // interp_ask.cpp
  static void run_apc(ke::KAPC& apc);
  // interp_words.cpp (§7)
  static bool test(ThreadCtx& c, const Condition& cond, const Step* at);
  static void set_result(ThreadCtx& c, const Step& s, std::int64_t value);
  static void check_invariants(ThreadCtx& c, const Step& s);
  static void pause();
  static std::int64_t operand(const ThreadCtx& c, const Operand& o);

  static const Program& program(const ThreadCtx& c) { return c.interp->program_; }
  static void start_manual(ThreadCtx& c, int decl) { c.interp->start_manual(decl); }
  static std::int64_t& word(ThreadCtx& c, int variable) {
    return c.interp->words_[static_cast<std::size_t>(variable)];
  }
  // The race detector's name of a word ("variable W").
  static const std::string& word_name(const ThreadCtx& c, int variable) {
    return c.interp->word_names_[static_cast<std::size_t>(variable)];
  }
};

}  // namespace kesim::scenario
