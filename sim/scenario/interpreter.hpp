// sim/scenario/interpreter.hpp — runs a validated Program on a machine (sim/machine): creates
// the objects and threads it declares in the machine's kernel, and executes each thread's step
// list on that thread's own fiber by calling the Ke/Ex/Io routines. A thin client of the
// machine: it holds no kernel state beyond the mapping from program indices to kernel objects.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/analysis.hpp"
#include "sim/ke/kernel.hpp"
#include "sim/machine/machine.hpp"
#include "sim/scenario/program.hpp"

namespace kesim::scenario {

// What the command line may override in a scenario's `machine:` section, and what the run
// needs beyond it.
struct Overrides {
  std::optional<std::uint64_t> seed;        // --seed overrides machine.seed
  std::optional<int> processors;            // --processors overrides machine.processors
  std::optional<std::int64_t> time_limit;   // overrides machine.time_limit
  std::optional<bool> verifier;             // --verifier overrides machine.verifier
  std::optional<int> jitter;                // --jitter PCT overrides machine.jitter
  bool keep_trace = false;                  // record every event (for --trace-out)
  bool recent_trace = true;                 // false: hash-only trace (no text report follows)
  engine::Strategy* strategy = nullptr;     // exploration: replaces the seed's strategy
};

// The machine a scenario describes. The happens-before race detector costs O(threads) per
// synchronization, so it is attached to the scenarios that touch files, the only resources it
// watches.
machine::Config machine_config(const Program& p, const Overrides& o = {});
bool does_io(const Program& p);

struct ThreadCtx;  // interp_detail.hpp

// A problem with the program that only the machine can reveal (an op that does not exist in
// the chosen version): reported like a load error, exit 2.
struct SetupError {
  Loc loc;
  std::string message;
};

// One key of an assertion compared with the simulated state, both as text.
struct AssertComparison {
  std::string key;       // "KernelApcDisable", "irql", "signaled", ...
  std::string expected;  // as the scenario wrote it, formatted like the report's messages
  std::string actual;    // the simulated state at that point
  bool holds() const { return expected == actual; }
};

// An `ask` step reached in predict mode (README "Play"): the question, and its answer checked
// against the state of the thread that reached it.
struct AskEvent {
  const Step* step = nullptr;
  const ke::KTHREAD* thread = nullptr;
  std::string question;
  std::string why;            // optional explanation, "" if none
  AssertComparison answer;    // the one key to predict: the scenario's answer and the truth
};
// Who listens to `ask` steps (kesim play --predict). Called on the asking thread's fiber with
// the machine stopped at that step; it must not change the simulated state.
class AskHandler {
 public:
  virtual ~AskHandler() = default;
  virtual void on_ask(const AskEvent& e) = 0;
};

class Interpreter {
 public:
  Interpreter(const Program& p, machine::Machine& m);
  ~Interpreter();

  // Errors that make the run impossible (e.g. a guarded mutex on xp). Empty: run() may be called.
  const std::vector<SetupError>& setup_errors() const { return setup_errors_; }

  machine::Machine& machine() { return machine_; }
  ke::Kernel& kernel() { return machine_.kernel(); }

  ke::KOBJECT_BASE* object_at(int program_index) const {
    return objects_[static_cast<std::size_t>(program_index)];
  }
  const std::vector<ke::KTHREAD*>& instances_of(int program_thread) const {
    return instances_[static_cast<std::size_t>(program_thread)];
  }
  // The value of a memory word (`variables:`), for reports and tests.
  std::int64_t word(int variable) const { return words_[static_cast<std::size_t>(variable)]; }

  // Predict mode: `ask` steps call h (null: they do nothing, as in `kesim run`).
  void set_ask_handler(AskHandler* h) { ask_handler_ = h; }
  AskHandler* ask_handler() const { return ask_handler_; }

  // Used by the step functions.
  using ThreadCtx = scenario::ThreadCtx;

 private:
  friend struct Exec;
  void validate_version();
  void create_objects();
  void set_initial_owners();
  ke::KTHREAD& create_instance(int decl, int instance, bool manual);
  void start_manual(int decl);
  static void thread_body(ke::KTHREAD& self, void* context);

  const Program& program_;
  machine::Machine& machine_;
  std::vector<ke::KOBJECT_BASE*> objects_;            // by program object index
  std::vector<std::vector<ke::KTHREAD*>> instances_;   // by program thread index
  std::deque<ThreadCtx> contexts_;
  std::vector<SetupError> setup_errors_;
  // §7 memory words by variable index, and the race detector's name for each ("variable W").
  std::vector<std::int64_t> words_;
  std::vector<std::string> word_names_;
  AskHandler* ask_handler_ = nullptr;
};

}  // namespace kesim::scenario
