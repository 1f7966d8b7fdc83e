// sim/api/simulator.cpp — the public C++ API over one machine (include/kesim/simulator.hpp).
#include "include/kesim/simulator.hpp"

#include <stdexcept>

namespace kesim {

machine::Config machine_config(const SimulatorOptions& opt) {
  machine::Config c;
  c.version = opt.version;
  c.autoboost = opt.autoboost;
  c.seed = opt.seed;
  c.io_latency = opt.io_latency;
  c.processors = opt.processors;
  c.quantum = opt.quantum;
  c.time_limit = opt.time_limit;
  c.max_steps = opt.max_steps;
  c.stack_size = opt.stack_size;
  return c;
}

Simulator::Simulator(const SimulatorOptions& opt)
    : opt_(opt), machine_(std::make_unique<machine::Machine>(machine_config(opt))) {}

Simulator::~Simulator() = default;

void Simulator::run_body(ke::KTHREAD&, void* context) {
  (*static_cast<std::function<void()>*>(context))();
}

ke::KTHREAD& Simulator::spawn(std::string name, std::function<void()> body, int priority,
                              engine::Time start, std::uint64_t affinity) {
  ke::KTHREAD& t = create_thread(std::move(name), std::move(body), priority, affinity);
  kernel().start_thread_at(t, start);
  return t;
}

ke::KTHREAD& Simulator::create_thread(std::string name, std::function<void()> body, int priority,
                                      std::uint64_t affinity) {
  auto& fn = bodies_.emplace_back(std::move(body));
  return kernel().create_thread(std::move(name), priority, affinity, &Simulator::run_body, &fn);
}

RunResult Simulator::run() { return machine_->run(); }

std::string Simulator::view(std::string_view command) const {
  const auto v = report::parse_view(command);
  if (!v) throw std::invalid_argument("unknown view '" + std::string(command) + "'");
  return machine_->view(*v);
}

}  // namespace kesim
