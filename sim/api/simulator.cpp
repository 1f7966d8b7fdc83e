// sim/api/simulator.cpp — the public C++ API over one machine (include/kesim/simulator.hpp).
#include "kesim/simulator.hpp"

#include <stdexcept>
#include <utility>

#include "sim/ex/eresource.hpp"
#include "sim/ex/fmutex.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/explore/driver.hpp"
#include "sim/machine/machine.hpp"

namespace kesim {

namespace {
machine::Config machine_config(const SimulatorOptions& opt, engine::Strategy* strategy,
                               std::optional<std::uint64_t> seed) {
  machine::Config c;
  c.version = opt.version;
  c.autoboost = opt.autoboost;
  c.seed = seed.value_or(opt.seed);
  c.io_latency = opt.io_latency;
  c.processors = opt.processors;
  c.quantum = opt.quantum;
  c.time_limit = opt.time_limit;
  c.max_steps = opt.max_steps;
  c.stack_size = opt.stack_size;
  c.keep_trace = opt.keep_trace;
  c.recent_trace = opt.recent_trace;
  c.strategy = strategy;
  return c;
}
}  // namespace

Simulator::Simulator(const SimulatorOptions& opt) : opt_(opt) {
  std::optional<explore::Schedule> schedule = explore::make_schedule(opt.schedule);
  if (!schedule)
    throw std::invalid_argument("bad schedule token '" + opt.schedule + "' (expected " +
                                explore::kTokenForms + ")");
  strategy_ = std::move(schedule->strategy);
  prefix_ = schedule->prefix;
  machine_ = std::make_unique<machine::Machine>(machine_config(opt, strategy_.get(), schedule->seed));
}

Simulator::~Simulator() = default;

void Simulator::reset(const std::string& schedule) {
  std::optional<explore::Schedule> s = explore::make_schedule(schedule);
  if (!s)
    throw std::invalid_argument("bad schedule token '" + schedule + "' (expected " +
                                explore::kTokenForms + ")");
  opt_.schedule = schedule;
  // The old strategy outlives the reset (the engine points at it until then).
  std::unique_ptr<engine::Strategy> old = std::exchange(strategy_, std::move(s->strategy));
  prefix_ = s->prefix;
  machine_->reset(s->seed.value_or(opt_.seed), strategy_.get());
  bodies_used_ = 0;
}

ke::Kernel& Simulator::kernel() { return machine_->kernel(); }

ke::KEVENT& Simulator::create_event(std::string name, EventType type, bool signaled) {
  return kernel().create_event(std::move(name), type == NotificationEvent, signaled);
}
ke::KSEMAPHORE& Simulator::create_semaphore(std::string name, ke::LONG count, ke::LONG limit) {
  return kernel().create_semaphore(std::move(name), count, limit);
}
ke::KMUTEX& Simulator::create_mutex(std::string name) { return kernel().create_mutex(std::move(name)); }
ke::KTIMER& Simulator::create_timer(std::string name, EventType type) {
  return kernel().create_timer(std::move(name), type == NotificationEvent);
}
ke::KGATE& Simulator::create_gate(std::string name) { return kernel().create_gate(std::move(name)); }
ke::KSPIN_LOCK& Simulator::create_spin_lock(std::string name) {
  return kernel().create_spin_lock(std::move(name));
}
ke::KGUARDED_MUTEX& Simulator::create_guarded_mutex(std::string name) {
  return kernel().create_guarded_mutex(std::move(name), ke::KOBJECTS::GuardedMutexObject);
}
ex::FAST_MUTEX& Simulator::create_fast_mutex(std::string name) {
  return ex::create_fast_mutex(kernel(), std::move(name));
}
ex::EX_PUSH_LOCK& Simulator::create_push_lock(std::string name) {
  return ex::create_push_lock(kernel(), std::move(name));
}
ex::ERESOURCE& Simulator::create_resource(std::string name) {
  return ex::create_resource(kernel(), std::move(name));
}
ex::EX_PUSH_LOCK_CACHE_AWARE& Simulator::create_cache_aware_push_lock(std::string name) {
  return ex::create_cache_aware_push_lock(kernel(), std::move(name));
}

void Simulator::run_body(ke::KTHREAD&, void* context) {
  (*static_cast<std::function<void()>*>(context))();
}

ke::KTHREAD& Simulator::spawn(std::string name, std::function<void()> body, int priority,
                              ke::Time start, std::uint64_t affinity) {
  ke::KTHREAD& t = create_thread(std::move(name), std::move(body), priority, affinity);
  kernel().start_thread_at(t, start);
  return t;
}

ke::KTHREAD& Simulator::create_thread(std::string name, std::function<void()> body, int priority,
                                      std::uint64_t affinity) {
  // After reset() the body is stored where the same thread's was (its context pointer).
  std::function<void()>& fn = bodies_used_ < bodies_.size()
                                  ? (bodies_[bodies_used_] = std::move(body))
                                  : bodies_.emplace_back(std::move(body));
  ++bodies_used_;
  return kernel().create_thread(std::move(name), priority, affinity, &Simulator::run_body, &fn);
}

void Simulator::add_invariant(std::string name, std::function<bool()> holds) {
  kernel().add_invariant(std::move(name), std::move(holds));
}

RunResult Simulator::run() { return machine_->run(); }

std::string Simulator::report() const { return machine_->render_text(); }
std::string Simulator::json() const {
  return machine_->to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string Simulator::trace() const { return machine_->render_trace(); }

std::string Simulator::view(std::string_view command) const {
  const auto v = report::parse_view(command);
  if (!v) throw std::invalid_argument("unknown view '" + std::string(command) + "'");
  return machine_->view(*v);
}

}  // namespace kesim
