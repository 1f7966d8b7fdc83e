// include/kesim/simulator.hpp — the public C++ API: build a simulated machine, spawn kernel
// threads from lambdas, call the Ke/Ex routines (kesim/nt/*.hpp) from them, run, and read the
// outcome. Everything runs on one OS thread; the same inputs give the same trace hash.
//
//   kesim::Simulator sim({.processors = 2});
//   auto& done = sim.kernel().create_event("Done", /*notification=*/true, false);
//   sim.spawn("Waiter", [&] { KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr); });
//   sim.spawn("Setter", [&] { KeSetEvent(done, 0, false); });
//   kesim::RunResult r = sim.run();   // r.outcome == Outcome::completed
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "sim/check/analysis.hpp"
#include "sim/ke/ke.hpp"
#include "sim/machine/machine.hpp"

namespace kesim {

struct SimulatorOptions {
  int processors = 2;
  ke::Version version = ke::Version::win10;
  std::optional<bool> autoboost;   // default: on for win10
  std::uint64_t seed = 0;
  engine::Time quantum = 30'000'000;
  engine::Time time_limit = 60'000'000'000;
  engine::Time io_latency = 100'000;
  std::uint64_t max_steps = 200'000'000;
  std::size_t stack_size = 0;      // 0: 64 KiB (256 KiB under ASan)
};

using check::Outcome;
using check::RunResult;

class Simulator {
 public:
  explicit Simulator(const SimulatorOptions& opt = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  ke::Kernel& kernel() { return machine_->kernel(); }
  machine::Machine& machine() { return *machine_; }
  const SimulatorOptions& options() const { return opt_; }

  // A thread that starts at `start` (virtual ns).
  ke::KTHREAD& spawn(std::string name, std::function<void()> body, int priority = 8,
                     engine::Time start = 0, std::uint64_t affinity = ~std::uint64_t{0});
  // A thread that starts only when some thread calls PsCreateSystemThread on it.
  ke::KTHREAD& create_thread(std::string name, std::function<void()> body, int priority = 8,
                             std::uint64_t affinity = ~std::uint64_t{0});

  // Runs to the end and analyses the outcome (deadlock cycle, hang explanation, bugcheck). An
  // exception thrown by a thread's lambda stops the run and is rethrown here.
  RunResult run();
  // After run(): the text report (`!analyze -v` for a bugcheck), the JSON report, a view.
  std::string report() const { return machine_->render_text(); }
  std::string view(std::string_view command) const;

 private:
  static void run_body(ke::KTHREAD& self, void* context);
  SimulatorOptions opt_;
  std::unique_ptr<machine::Machine> machine_;
  std::deque<std::function<void()>> bodies_;
};

machine::Config machine_config(const SimulatorOptions& opt);

}  // namespace kesim
