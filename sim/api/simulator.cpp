// sim/api/simulator.cpp — the public C++ API over the kernel (include/kesim/simulator.hpp).
#include "include/kesim/simulator.hpp"

namespace kesim {

ke::KernelConfig make_kernel_config(const SimulatorOptions& opt) {
  ke::KernelConfig c;
  c.version = opt.version;
  c.autoboost = opt.autoboost.value_or(opt.version == ke::Version::win10);
  c.seed = opt.seed;
  c.io_latency = opt.io_latency;
  c.engine.processors = opt.processors;
  c.engine.quantum = opt.quantum;
  c.engine.time_limit = opt.time_limit;
  c.engine.max_steps = opt.max_steps;
  c.engine.stack_size = ke::fiber_stack_size(opt.stack_size);
  return c;
}

Simulator::Simulator(const SimulatorOptions& opt)
    : opt_(opt), kernel_(std::make_unique<ke::Kernel>(make_kernel_config(opt))) {}

Simulator::~Simulator() = default;

void Simulator::run_body(ke::KTHREAD&, void* context) {
  (*static_cast<std::function<void()>*>(context))();
}

ke::KTHREAD& Simulator::spawn(std::string name, std::function<void()> body, int priority,
                              engine::Time start, std::uint64_t affinity) {
  ke::KTHREAD& t = create_thread(std::move(name), std::move(body), priority, affinity);
  kernel_->start_thread_at(t, start);
  return t;
}

ke::KTHREAD& Simulator::create_thread(std::string name, std::function<void()> body, int priority,
                                      std::uint64_t affinity) {
  auto& fn = bodies_.emplace_back(std::move(body));
  return kernel_->create_thread(std::move(name), priority, affinity, &Simulator::run_body, &fn);
}

RunResult Simulator::run() { return check::analyse(*kernel_, kernel_->run()); }

}  // namespace kesim
