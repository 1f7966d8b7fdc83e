// sim/machine/machine.hpp — the one composition root. From one Config it builds the kernel (and
// its engine), AutoBoost, the I/O manager, the checkers (lock order, happens-before races), the
// trace and the scheduling strategy; it runs, carries a thread's exception out of run(), and
// renders every report through a report::SourceMap. The YAML interpreter, the C++ Simulator,
// explore, replay, play and the CLI are its clients: none of them assembles a machine.
//
// A machine is a value: it holds no global state, so two machines may run side by side on two
// OS threads. While run() executes, the Ke routines reach this machine's kernel through a
// thread_local "current kernel" that run() sets and restores (like loom's scoped execution).
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/check/analysis.hpp"
#include "sim/check/findings.hpp"
#include "sim/ke/kernel.hpp"
#include "sim/report/report.hpp"
#include "sim/report/source_map.hpp"

namespace kesim::io { class IoManager; }
namespace kesim::autoboost { class AutoBoost; }
namespace kesim::check { class LockOrder; class RaceDetector; class ApcContext; }
namespace kesim::report { class ViewRecorder; }

namespace kesim::machine {

struct Config {
  ke::Version version = ke::Version::win10;
  std::optional<bool> autoboost;            // default: on for win10, off before (SEMANTICS §11)
  bool verifier = false;                    // Driver Verifier's checks (off: a free build)
  int processors = 2;
  std::uint64_t seed = 0;                   // 0: kesim's default schedule; else random choices
  engine::Time quantum = 30'000'000;        // 30 ms
  engine::Time io_latency = 100'000;        // 100 us
  int jitter_percent = 0;                   // machine.jitter / --jitter: work and I/O vary +-%
  engine::Time time_limit = 60'000'000'000; // 60 s of virtual time
  std::uint64_t max_steps = 200'000'000;    // scheduling points
  std::size_t stack_size = 0;               // fiber stack; 0 = 64 KiB (x4 under ASan)
  bool keep_trace = false;                  // keep every trace record (timeline, HTML)
  bool recent_trace = true;                 // keep the last records for the text report; off:
                                            // hash-only (exploration), the same trace hash
  bool lock_order = true;                   // the lockdep-style lock_order checker (always
                                            // on with verifier: its graph is Verifier's)
  bool apc_context = true;                  // the apc_context checker (APC re-entrancy)
  bool race_detector = false;               // happens-before data_race checker
  engine::Strategy* strategy = nullptr;     // exploration or play; null: by seed

  bool autoboost_enabled() const { return autoboost.value_or(version == ke::Version::win10); }
};

class Machine {
 public:
  // `source` (may be null) outlives the machine; reports use it to name steps.
  explicit Machine(const Config& cfg, const report::SourceMap* source = nullptr);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  const Config& config() const { return cfg_; }

  // Restores the machine in place to the state the constructor left it in, for another
  // schedule of the same setup (exploration): same configuration but `seed` and `strategy`
  // (the next schedule's). The kernel keeps its threads, objects, fiber stacks and buffers for
  // the setup to re-initialize (ke::Kernel::reset); the checkers, the I/O manager and AutoBoost
  // start over; output, result and findings are cleared; the trace hash restarts. The client
  // then repeats its setup (the same object and thread creations) and calls run(): the run is
  // byte-identical to one on a newly built machine (tests/machine/reset_test.cpp).
  void reset(std::uint64_t seed, engine::Strategy* strategy);
  ke::Kernel& kernel() { return *kernel_; }
  const ke::Kernel& kernel() const { return *kernel_; }
  io::IoManager& io() { return *io_; }
  const io::IoManager& io() const { return *io_; }
  const report::SourceMap& source() const { return source_ ? *source_ : report::no_source(); }
  void add_observer(ke::Observer* o);

  // Runs until the machine stops, then analyses the outcome. If a thread body threw (a C++
  // exception that is not the kernel's own), the run stops there and run() rethrows it.
  const check::RunResult& run();
  const check::RunResult& result() const { return result_; }
  bool finished() const { return ran_; }
  // Findings of the checkers, lock order first, in the order they were found.
  check::Findings findings() const;

  // What log and dump steps print, in order (also recorded in the trace).
  void print(const ke::KTHREAD* by, std::string text);
  const std::vector<std::string>& output() const { return output_; }

  // Reports, during the run (views, at a dump step) or after it.
  std::string view(const report::View& v, const ke::KTHREAD* current = nullptr) const;
  report::RunInfo report_info(const report::ExpectResult& expect = {}) const;
  std::string render_text(const report::ExpectResult& expect = {}) const;
  nlohmann::json to_json(const report::ExpectResult& expect = {}) const;
  std::string render_trace() const;  // Chrome/Perfetto JSON; needs Config::keep_trace
  // The self-contained HTML report (--html); needs Config::keep_trace for its lanes. Its step
  // slider shows the view snapshots taken when record_views() was called before run().
  void record_views();
  std::string render_html(const report::ExpectResult& expect = {}) const;

 private:
  static std::string name_step(const void* step, const void* self);

  Config cfg_;
  const report::SourceMap* source_;
  std::unique_ptr<ke::Kernel> kernel_;
  std::unique_ptr<io::IoManager> io_;
  std::unique_ptr<autoboost::AutoBoost> autoboost_;
  std::unique_ptr<check::LockOrder> lock_order_;
  std::unique_ptr<check::RaceDetector> races_;
  std::unique_ptr<check::ApcContext> apc_context_;
  std::unique_ptr<report::ViewRecorder> views_;  // only with record_views()
  std::vector<std::string> output_;
  check::RunResult result_;
  check::Findings findings_;
  bool ran_ = false;
};

// The kernel configuration a machine config implies (for layer tests that build a bare kernel).
ke::KernelConfig kernel_config(const Config& cfg);

}  // namespace kesim::machine
