// sim/machine/machine.cpp — building, running and reporting one simulated machine.
#include "sim/machine/machine.hpp"

#include <fmt/format.h>

#include <memory>
#include <utility>

#include "sim/autoboost/autoboost.hpp"
#include "sim/check/apc_context.hpp"
#include "sim/check/observers.hpp"
#include "sim/io/io.hpp"
#include "sim/ke/ki.hpp"
#include "sim/report/html.hpp"

namespace kesim::machine {

ke::KernelConfig kernel_config(const Config& cfg) {
  ke::KernelConfig c;
  c.version = cfg.version;
  c.autoboost = cfg.autoboost_enabled();
  c.verifier = cfg.verifier;
  c.seed = cfg.seed;
  c.io_latency = cfg.io_latency;
  c.jitter_percent = cfg.jitter_percent;
  c.engine.processors = cfg.processors;
  c.engine.quantum = cfg.quantum;
  c.engine.time_limit = cfg.time_limit;
  c.engine.max_steps = cfg.max_steps;
  c.engine.stack_size = ke::fiber_stack_size(cfg.stack_size);
  return c;
}

Machine::Machine(const Config& cfg, const report::SourceMap* source)
    : cfg_(cfg), source_(source), kernel_(std::make_unique<ke::Kernel>(kernel_config(cfg))) {
  kernel_->engine().trace().set_keep_all(cfg.keep_trace);
  kernel_->engine().trace().set_keep_recent(cfg.recent_trace);
  if (cfg.strategy) kernel_->engine().set_strategy(cfg.strategy);
  io_ = std::make_unique<io::IoManager>(*kernel_);
  if (cfg.autoboost_enabled()) {
    autoboost_ = std::make_unique<autoboost::AutoBoost>(*kernel_);
    kernel_->set_lock_tracker(autoboost_.get());
  }
  // Driver Verifier's Deadlock Detection runs on the lock-order graph (verifier_deadlock.cpp).
  if (cfg.lock_order || cfg.verifier) {
    lock_order_ = std::make_unique<check::LockOrder>(&Machine::name_step, this);
    kernel_->add_observer(lock_order_.get());
  }
  if (cfg.race_detector) {
    races_ = std::make_unique<check::RaceDetector>(&Machine::name_step, this);
    kernel_->add_observer(races_.get());
  }
  if (cfg.apc_context) {
    apc_context_ = std::make_unique<check::ApcContext>(&Machine::name_step, this);
    kernel_->add_observer(apc_context_.get());
  }
}

// The kernel goes first: unwinding its fibers runs destructors that may still reach the I/O
// manager or AutoBoost through the kernel's hooks.
Machine::~Machine() {
  if (views_) views_->stop();
  kernel_.reset();
}

namespace {
// Destroys `obj` and constructs it again in the same storage (nothing points into its old
// state any more: the kernel was reset first).
template <class T, class... Args>
void renew(T& obj, Args&&... args) {
  std::destroy_at(&obj);
  std::construct_at(&obj, std::forward<Args>(args)...);
}
}  // namespace

void Machine::reset(std::uint64_t seed, engine::Strategy* strategy) {
  if (views_) {
    views_->stop();
    views_.reset();
  }
  // The kernel first, as in the destructor: unwinding its fibers may reach the I/O manager or
  // AutoBoost through the kernel's hooks.
  kernel_->reset(seed);
  cfg_.seed = seed;
  cfg_.strategy = strategy;
  if (strategy) kernel_->engine().set_strategy(strategy);
  renew(*io_, *kernel_);
  if (autoboost_) {
    renew(*autoboost_, *kernel_);
    kernel_->set_lock_tracker(autoboost_.get());
  }
  if (lock_order_) {
    renew(*lock_order_, &Machine::name_step, this);
    kernel_->add_observer(lock_order_.get());
  }
  if (races_) {
    renew(*races_, &Machine::name_step, this);
    kernel_->add_observer(races_.get());
  }
  output_.clear();
  result_ = {};
  findings_.clear();
  ran_ = false;
}

void Machine::add_observer(ke::Observer* o) { kernel_->add_observer(o); }

std::string Machine::name_step(const void* step, const void* self) {
  return report::describe_step(static_cast<const Machine*>(self)->source(), step);
}

const check::RunResult& Machine::run() {
  const engine::StopReason stop = kernel_->run();
  ran_ = true;
  if (views_) views_->finish();
  if (std::exception_ptr e = kernel_->thread_exception()) std::rethrow_exception(e);
  result_ = check::analyse(*kernel_, stop);
  findings_.clear();
  if (lock_order_) findings_ = lock_order_->findings();
  if (apc_context_)
    findings_.insert(findings_.end(), apc_context_->findings().begin(), apc_context_->findings().end());
  if (races_) findings_.insert(findings_.end(), races_->findings().begin(), races_->findings().end());
  return result_;
}

check::Findings Machine::findings() const { return findings_; }

void Machine::print(const ke::KTHREAD* by, std::string text) {
  ke::KiCountOutput(text.size());  // bounded: sim/engine/limits.hpp
  output_.push_back(std::move(text));
  kernel_->record(engine::TraceKind::Log, by, nullptr, static_cast<std::int64_t>(output_.size() - 1));
}

std::string Machine::view(const report::View& v, const ke::KTHREAD* current) const {
  return report::render_view(*kernel_, source(), v, current);
}

report::RunInfo Machine::report_info(const report::ExpectResult& expect) const {
  report::RunInfo info;
  info.source = &source();
  info.kernel = kernel_.get();
  info.result = &result_;
  info.findings = &findings_;
  info.expect = expect;
  info.seed = cfg_.seed;
  info.output = output_;
  for (const auto& [key, f] : io().file_system().files()) info.files.push_back({f.path, f.size});
  return info;
}

std::string Machine::render_text(const report::ExpectResult& expect) const {
  return report::render_text(report_info(expect));
}

nlohmann::json Machine::to_json(const report::ExpectResult& expect) const {
  return report::to_json(report_info(expect));
}

void Machine::record_views() {
  if (views_) return;
  views_ = std::make_unique<report::ViewRecorder>(*kernel_, source());
  kernel_->add_observer(views_.get());
}

std::string Machine::render_html(const report::ExpectResult& expect) const {
  static const std::vector<report::ViewSnapshot> kNone;
  return report::render_html(report_info(expect), views_ ? views_->snapshots() : kNone);
}

std::string Machine::render_trace() const {
  return report::render_chrome_trace(report_info());
}

}  // namespace kesim::machine
