// sim/scenario/interpreter.hpp — runs a validated Program on a simulated kernel: creates the
// objects and threads it declares, and executes each thread's step list on that thread's own
// fiber by calling the Ke/Ex/Io routines. Holds no kernel state of its own beyond the mapping
// from program indices to kernel objects.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/analysis.hpp"
#include "sim/ke/kernel.hpp"
#include "sim/scenario/program.hpp"

namespace kesim::io { class IoManager; }
namespace kesim::autoboost { class AutoBoost; }

namespace kesim::scenario {

struct RunOptions {
  std::optional<std::uint64_t> seed;    // --seed overrides machine.seed
  std::optional<int> processors;        // --processors overrides machine.processors
  bool keep_trace = false;              // record every event (for --trace-out)
  // Renders a `dump` step's views; the report layer provides it. `current` is the dumping thread.
  std::function<std::string(const ke::Kernel&, const Program&, const View&, const ke::KTHREAD*)>
      render_view;
  std::vector<ke::Observer*> observers;  // checkers (findings) that watch the run
  engine::Strategy* strategy = nullptr;  // exploration: replaces the seed's strategy
  std::optional<std::int64_t> time_limit;  // overrides machine.time_limit (explore --time)
};

// A problem with the program that only the machine can reveal (an op that does not exist in
// the chosen version): reported like a load error, exit 2.
struct SetupError {
  Loc loc;
  std::string message;
};

class Interpreter {
 public:
  Interpreter(const Program& p, RunOptions opt);
  ~Interpreter();

  // Errors that make the run impossible (e.g. a guarded mutex on xp). Empty: run() may be called.
  const std::vector<SetupError>& setup_errors() const { return setup_errors_; }

  check::RunResult run();

  ke::Kernel& kernel() { return *kernel_; }
  const io::IoManager& io() const { return *io_; }
  const std::vector<std::string>& output() const { return output_; }
  std::uint64_t seed() const { return seed_; }
  const Machine& machine() const { return machine_; }

  ke::KOBJECT_BASE* object_at(int program_index) const {
    return objects_[static_cast<std::size_t>(program_index)];
  }
  const std::vector<ke::KTHREAD*>& instances_of(int program_thread) const {
    return instances_[static_cast<std::size_t>(program_thread)];
  }

  // Used by the step functions.
  struct ThreadCtx;

 private:
  friend struct Exec;
  void validate_version();
  void create_objects();
  ke::KTHREAD& create_instance(int decl, int instance, bool manual);
  void start_manual(int decl);
  static void thread_body(ke::KTHREAD& self, void* context);

  const Program& program_;
  RunOptions opt_;
  Machine machine_;
  std::uint64_t seed_ = 0;
  std::unique_ptr<ke::Kernel> kernel_;
  std::unique_ptr<io::IoManager> io_;
  std::unique_ptr<autoboost::AutoBoost> autoboost_;
  std::vector<ke::KOBJECT_BASE*> objects_;            // by program object index
  std::vector<std::vector<ke::KTHREAD*>> instances_;   // by program thread index
  std::deque<ThreadCtx> contexts_;
  std::vector<std::string> output_;
  std::vector<SetupError> setup_errors_;
};

}  // namespace kesim::scenario
