// include/kesim/simulator.hpp — the public C++ API: build a simulated Windows machine, create
// kernel objects, spawn kernel threads from lambdas, call the Ke/Ex routines (kesim/nt/*.hpp)
// from them, run, and read the outcome and the same reports a YAML scenario gets. Everything
// runs on the calling OS thread; the same inputs give the same trace hash. Machines are
// values: two Simulators may run at once on two OS threads.
//
//   kesim::Simulator sim({.processors = 2});
//   auto& done = sim.create_event("Done", kesim::NotificationEvent, false);
//   sim.spawn("Waiter", [&] { KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr); });
//   sim.spawn("Setter", [&] { KeSetEvent(done, 0, false); });
//   kesim::RunResult r = sim.run();   // r.outcome == Outcome::completed
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kesim/nt/ex.hpp"
#include "kesim/nt/ke.hpp"
#include "kesim/result.hpp"

namespace kesim {

namespace machine { class Machine; }
namespace ke { class Kernel; }
namespace engine { class Strategy; }
namespace explore { class PrefixStrategy; }
namespace detail { struct SimulatorAccess; }

struct SimulatorOptions {
  int processors = 2;
  ke::Version version = ke::Version::win10;
  std::optional<bool> autoboost;   // default: on for win10 (as Windows 8.1 and later), off before
  std::uint64_t seed = 0;          // 0: kesim's default schedule; else a random schedule
  ke::Time quantum = 30'000'000;
  ke::Time time_limit = 60'000'000'000;
  ke::Time io_latency = 100'000;
  std::uint64_t max_steps = 200'000'000;
  std::size_t stack_size = 0;      // 0: 64 KiB (256 KiB under ASan)
  // A schedule token from exploration ("seed:N", "pct:S:D:K", "dfs:...") to replay exactly;
  // empty: the schedule `seed` gives. kesim::explore sets it for each schedule it tries.
  std::string schedule;
  bool keep_trace = false;         // keep every event, for trace()
  // Keep the last events for report()'s recent history. explore_model turns it off for the
  // schedules it tries (a hash-only trace: the same trace hash, nothing stored).
  bool recent_trace = true;
};

enum EventType : std::uint8_t { NotificationEvent, SynchronizationEvent };

class Simulator {
 public:
  explicit Simulator(const SimulatorOptions& opt = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  const SimulatorOptions& options() const { return opt_; }

  // ---- objects (before run()) -----------------------------------------------------------------
  ke::KEVENT& create_event(std::string name, EventType type, bool signaled);
  ke::KSEMAPHORE& create_semaphore(std::string name, ke::LONG count, ke::LONG limit);
  ke::KMUTEX& create_mutex(std::string name);  // KeInitializeMutex
  ke::KTIMER& create_timer(std::string name, EventType type);
  ke::KGATE& create_gate(std::string name);
  ke::KSPIN_LOCK& create_spin_lock(std::string name);
  ke::KGUARDED_MUTEX& create_guarded_mutex(std::string name);
  ex::FAST_MUTEX& create_fast_mutex(std::string name);
  ex::EX_PUSH_LOCK& create_push_lock(std::string name);
  ex::EX_PUSH_LOCK_CACHE_AWARE& create_cache_aware_push_lock(std::string name);
  ex::ERESOURCE& create_resource(std::string name);  // ExInitializeResourceLite'd; Ex*ResourceLite in nt/ex.hpp

  // ---- threads --------------------------------------------------------------------------------
  // A thread that starts at `start` (virtual ns).
  ke::KTHREAD& spawn(std::string name, std::function<void()> body, int priority = 8,
                     ke::Time start = 0, std::uint64_t affinity = ~std::uint64_t{0});
  // A thread that starts only when some thread calls PsCreateSystemThread on it.
  ke::KTHREAD& create_thread(std::string name, std::function<void()> body, int priority = 8,
                             std::uint64_t affinity = ~std::uint64_t{0});

  // Checked after every operation on a kesim::nt::InterlockedWord and at every KESIM_ASSERT:
  // when `holds` returns false the run ends with outcome assertion_failed naming `name`.
  void add_invariant(std::string name, std::function<bool()> holds);

  // ---- the run --------------------------------------------------------------------------------
  // Runs to the end and analyses the outcome (deadlock cycle, hang explanation, bugcheck). An
  // exception thrown by a thread's body stops the run and is rethrown here.
  RunResult run();

  // After run(): the text report (`!analyze -v` for a bugcheck, the views of a run that did not
  // complete), the JSON report (SCENARIO-FORMAT section 6), a debugger view ("!thread Worker",
  // "!locks", "!pushlock L", "!apc", "!ready", "!waiters"), the Chrome/Perfetto trace (needs
  // SimulatorOptions::keep_trace).
  std::string report() const;
  std::string json() const;
  std::string view(std::string_view command) const;
  std::string trace() const;

  // Back to a newly built simulator (same options) that will follow `schedule` (a token as in
  // SimulatorOptions::schedule), keeping the machine's memory: threads, objects, fiber stacks and
  // buffers are reused (machine::Machine::reset). Then create the same objects and spawn the
  // same threads again, in the same order, and run(): the run is exactly the one a new
  // Simulator would make. explore_model does this between schedules. Invalidates the references
  // returned before.
  void reset(const std::string& schedule);

  // For kesim's own layer tests.
  ke::Kernel& kernel();
  machine::Machine& machine() { return *machine_; }

 private:
  friend struct detail::SimulatorAccess;
  static void run_body(ke::KTHREAD& self, void* context);
  SimulatorOptions opt_;
  std::unique_ptr<engine::Strategy> strategy_;
  explore::PrefixStrategy* prefix_ = nullptr;  // a dfs schedule: its choice points
  std::unique_ptr<machine::Machine> machine_;
  std::deque<std::function<void()>> bodies_;
  std::size_t bodies_used_ = 0;  // after reset(): bodies_ from here on are spares
};

}  // namespace kesim
