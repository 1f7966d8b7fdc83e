// sim/scenario/loader_limits.cpp — the load-time limits of sim/engine/limits.hpp: file size,
// steps after alias expansion, threads a scenario starts, and the nesting of repeat/call/APC
// steps against machine.stack_size. Each is a file:line:column error, so a scenario that
// would exhaust memory or overflow a fiber stack is refused before it runs.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "sim/scenario/loader.hpp"

namespace kesim::scenario::detail {

bool check_file_size(std::size_t bytes, std::vector<Diagnostic>& errors) {
  if (bytes <= limits::kMaxFileBytes) return true;
  errors.push_back({{1, 1}, fmt::format("the file is larger than kesim reads ({} MiB); a scenario "
                                        "is a hand-written file of a few KB",
                                        limits::kMaxFileBytes >> 20)});
  return false;
}

bool StepParser::charge_step(Loc loc) {
  if (++steps_parsed_ <= limits::kMaxSteps) return true;
  if (steps_parsed_ == limits::kMaxSteps + 1) {
    r_.error(loc, fmt::format("more than {} steps once YAML aliases are expanded (kesim's limit; "
                              "use 'repeat' for repetition)", limits::kMaxSteps));
  }
  return false;
}

void Loader::check_limits() {
  if (r_.error_count() != 0) return;  // the counts below assume a consistent program
  check_thread_total();
  check_stack_depth();
}

void Loader::check_thread_total() {
  std::size_t total = 0;
  for (const ThreadDecl& t : p_.threads) {
    if (t.start == StartKind::manual) continue;
    total += static_cast<std::size_t>(t.count);
    if (total > limits::kMaxThreads) {
      r_.error(t.loc, fmt::format("the threads started by the scenario reach {} instances here, "
                                  "more than kesim's limit of {} threads in a run",
                                  total, limits::kMaxThreads));
      return;
    }
  }
}

namespace {

// The deepest chain of nested steps in a list: how many levels (a repeat, a call, any step with
// a body) and where its innermost nesting step is written.
struct Depth {
  int levels = 0;
  Loc at;
};

class DepthWalker {
 public:
  explicit DepthWalker(const Program& p) : p_(p), memo_(p.routines.size()) {}

  Depth of_list(const std::vector<Step>& steps) {
    Depth best;
    for (const Step& s : steps) {
      std::optional<Depth> inner;
      if (s.op == Op::call && s.routine >= 0) inner = of_routine(s.routine);
      else if (!s.body.empty() || s.op == Op::repeat) inner = of_list(s.body);
      if (!inner) continue;
      Depth d{inner->levels + 1, inner->levels ? inner->at : s.loc};
      if (d.levels > best.levels) best = d;
    }
    return best;
  }

  Depth of_routine(int r) {
    auto& m = memo_[static_cast<std::size_t>(r)];
    if (m.state == 2) return m.depth;
    if (m.state == 1) return {};  // a cycle: check_recursion reports it
    m.state = 1;
    m.depth = of_list(p_.routines[static_cast<std::size_t>(r)].steps);
    m.state = 2;
    return m.depth;
  }

 private:
  struct Memo {
    int state = 0;  // 0 new, 1 in progress, 2 done
    Depth depth;
  };
  const Program& p_;
  std::vector<Memo> memo_;
};

bool is_io(Op op) {
  return op == Op::ZwCreateFile || op == Op::ZwWriteFile || op == Op::ZwOpenFile ||
         op == Op::ZwSetInformationFile || op == Op::ZwClose;
}

// Which APC kinds the program can deliver (bit per ApcKind) and the routines they run.
void collect_apcs(const std::vector<Step>& steps, unsigned& kinds, std::vector<int>& routines) {
  for (const Step& s : steps) {
    if (s.op == Op::KeInsertQueueApc && s.routine >= 0) {
      kinds |= 1u << static_cast<unsigned>(s.apc_kind);
      routines.push_back(s.routine);
    }
    // I/O completes with a special kernel APC of kesim's own (sim/io).
    if (is_io(s.op)) kinds |= 1u << static_cast<unsigned>(ApcKind::special);
    collect_apcs(s.body, kinds, routines);
  }
}

}  // namespace

// Fixed per-level costs (limits.hpp) make the verdict the same in every build. An APC runs on
// the stack of the thread it interrupts, at whatever depth that thread is, and one APC of each
// kind can be in progress at once (special inside normal inside user), so the deepest APC
// routine counts once per kind the program uses.
void Loader::check_stack_depth() {
  DepthWalker walk(p_);
  Depth thread;
  for (const ThreadDecl& t : p_.threads) {
    const Depth d = walk.of_list(t.steps);
    if (d.levels > thread.levels) thread = d;
  }
  unsigned kinds = 0;
  std::vector<int> apc_routines;
  for (const ThreadDecl& t : p_.threads) collect_apcs(t.steps, kinds, apc_routines);
  for (const Routine& r : p_.routines) collect_apcs(r.steps, kinds, apc_routines);
  Depth apc;
  for (int r : apc_routines) {
    const Depth d = walk.of_routine(r);
    if (d.levels > apc.levels) apc = d;
  }
  const int apc_kinds = __builtin_popcount(kinds);
  const std::size_t need = limits::kStackBase + static_cast<std::size_t>(thread.levels) * limits::kStackPerLevel +
                           static_cast<std::size_t>(apc_kinds) *
                               (limits::kStackPerApc + static_cast<std::size_t>(apc.levels) * limits::kStackPerLevel);
  const std::size_t have = p_.machine.stack_size ? p_.machine.stack_size : limits::kDefaultStackSize;
  if (need <= have) return;
  const std::size_t need_kib = (need + 1023) / 1024;
  if (thread.levels == 0 && apc.levels == 0) {
    r_.error(stack_size_loc_.line ? stack_size_loc_ : Loc{1, 1},
             fmt::format("machine.stack_size {} KiB is too small: this scenario needs at least {} KiB "
                         "of fiber stack per thread", have / 1024, need_kib));
    return;
  }
  const Depth& at = thread.levels >= apc.levels ? thread : apc;
  r_.error(at.at, fmt::format("steps nested {} levels deep{} need about {} KiB of fiber stack, more "
                              "than machine.stack_size ({} KiB): raise machine.stack_size or nest "
                              "less (README, \"Limits\")",
                              thread.levels,
                              apc_kinds ? fmt::format(" with APC routines {} levels deep", apc.levels) : "",
                              need_kib, have / 1024));
}

}  // namespace kesim::scenario::detail
