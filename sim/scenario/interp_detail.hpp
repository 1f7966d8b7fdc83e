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
};

struct Exec {
  static void run_list(Interpreter::ThreadCtx& c, const std::vector<Step>& steps);
  static void run_step(Interpreter::ThreadCtx& c, const Step& s);
  static std::string expand(const Interpreter::ThreadCtx& c, const Text& t);
  static void check_assert(Interpreter::ThreadCtx& c, const Step& s);  // interp_assert.cpp
  static void run_apc(ke::KAPC& apc);
};

}  // namespace kesim::scenario
