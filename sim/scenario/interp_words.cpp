// sim/scenario/interp_words.cpp — results, conditions and invariants (SCENARIO-FORMAT §7).
// The word operations themselves are rows in routines_words.cpp.
#include <fmt/format.h>

#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/scenario/interp_detail.hpp"

namespace kesim::scenario {

using namespace kesim::ke;
using Ctx = ThreadCtx;

// YieldProcessor and an empty `while` body spin like the `pause` instruction: KiYieldProcessor
// (sim/ke/apc.cpp) charges 10 ns of CPU and tells exploration strategies the thread spins.
void Exec::pause() { KiYieldProcessor(); }

std::int64_t Exec::operand(const Ctx& c, const Operand& o) {
  const std::int64_t base = o.local >= 0 ? c.locals[static_cast<std::size_t>(o.local)] : 0;
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(o.value));
}

namespace {
bool compare(CmpOp op, std::int64_t a, std::int64_t b) {
  switch (op) {
    case CmpOp::eq: return a == b;
    case CmpOp::ne: return a != b;
    case CmpOp::lt: return a < b;
    case CmpOp::le: return a <= b;
    case CmpOp::gt: return a > b;
    case CmpOp::ge: return a >= b;
    case CmpOp::and_: return (static_cast<std::uint64_t>(a) & static_cast<std::uint64_t>(b)) != 0;
  }
  return false;
}
}  // namespace

bool Exec::test(Ctx& c, const Condition& cond, const Step* at) {
  Interpreter& in = *c.interp;
  const KTHREAD& t = *c.thread;
  switch (cond.source) {
    case CondSource::status_success: {
      // NT_SUCCESS: the status is 0..0x7FFFFFFF; a BOOLEAN routine's TRUE counts as success.
      const bool ok = t.last_boolean >= 0 ? t.last_boolean == 1 : static_cast<std::int32_t>(t.last_status) >= 0;
      return ok != cond.negate;
    }
    case CondSource::last_status: {
      if (cond.status == "TRUE" || cond.status == "FALSE")
        return t.last_boolean == (cond.status == "TRUE" ? 1 : 0);
      if (t.last_boolean >= 0) return false;
      if (cond.status.starts_with("0x") || cond.status.starts_with("0X"))
        return static_cast<std::uint32_t>(t.last_status) == std::stoull(cond.status, nullptr, 16);
      return cond.status == status_name(t.last_status);
    }
    case CondSource::variable:
      if (at) {  // a condition's read of a word is a plain load (ReadNoFence)
        const std::string& name = in.word_names_[static_cast<std::size_t>(cond.index)];
        for (Observer* o : in.kernel().observers())
          o->on_access(*c.thread, name, false, at);
      }
      return compare(cond.op, in.words_[static_cast<std::size_t>(cond.index)], cond.value);
    case CondSource::local:
      return compare(cond.op, c.locals[static_cast<std::size_t>(cond.index)], cond.value);
    case CondSource::result:
      return compare(cond.op, c.result, cond.value);
  }
  return false;
}

void Exec::set_result(Ctx& c, const Step& s, std::int64_t value) {
  c.result = value;
  if (s.as_local >= 0) c.locals[static_cast<std::size_t>(s.as_local)] = value;
}

void Exec::check_invariants(Ctx& c, const Step& s) {
  const Program& p = c.interp->program_;
  for (const Condition& inv : p.invariants) {
    if (test(c, inv, nullptr)) continue;
    const std::int64_t v = c.interp->words_[static_cast<std::size_t>(inv.index)];
    c.interp->kernel().fail_assertion(
        fmt::format("invariant at line {} violated: {} {} {} does not hold (it is {}) after this step of {}",
                    inv.loc.line, p.variables[static_cast<std::size_t>(inv.index)].name, cmp_name(inv.op),
                    inv.value, v, c.thread->name),
        &s);
  }
}

}  // namespace kesim::scenario
