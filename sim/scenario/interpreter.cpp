// sim/scenario/interpreter.cpp — scenario steps → Ke/Ex/Io calls on the thread's own fiber.
// Every operation is one call of the NT routine it names; the routine itself is the scheduling
// point. The step being executed is published in KTHREAD::current_step for reports.
#include "sim/scenario/interpreter.hpp"

#include <fmt/format.h>

#include "sim/autoboost/autoboost.hpp"
#include "sim/ex/fmutex.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/io/io.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/scenario/interp_detail.hpp"

namespace kesim::scenario {

using namespace kesim::ke;

namespace {
ke::Version to_ke(Version v) {
  switch (v) {
    case Version::xp: return ke::Version::xp;
    case Version::server2003: return ke::Version::server2003;
    case Version::win10: return ke::Version::win10;
  }
  return ke::Version::win10;
}
}  // namespace

Interpreter::Interpreter(const Program& p, RunOptions opt)
    : program_(p), opt_(std::move(opt)), machine_(p.machine) {
  if (opt_.seed) machine_.seed = *opt_.seed;
  if (opt_.processors) machine_.processors = *opt_.processors;
  if (opt_.time_limit) machine_.time_limit = *opt_.time_limit;
  seed_ = machine_.seed;
  KernelConfig c;
  c.version = to_ke(machine_.version);
  c.autoboost = machine_.autoboost_enabled();
  c.seed = machine_.seed;
  c.io_latency = machine_.io_latency;
  c.engine.processors = machine_.processors;
  c.engine.quantum = machine_.quantum;
  c.engine.time_limit = machine_.time_limit;
  c.engine.max_steps = machine_.max_steps;
  c.engine.stack_size = fiber_stack_size(machine_.stack_size);
  kernel_ = std::make_unique<Kernel>(c);
  kernel_->engine().trace().set_keep_all(opt_.keep_trace);
  if (opt_.strategy) kernel_->engine().set_strategy(opt_.strategy);
  io_ = std::make_unique<io::IoManager>(*kernel_);
  if (c.autoboost) {
    autoboost_ = std::make_unique<autoboost::AutoBoost>(*kernel_);
    kernel_->set_lock_tracker(autoboost_.get());
  }
  for (Observer* o : opt_.observers) kernel_->add_observer(o);
  validate_version();
  if (!setup_errors_.empty()) return;
  create_objects();
  instances_.resize(program_.threads.size());
  for (std::size_t i = 0; i < program_.threads.size(); ++i) {
    const ThreadDecl& d = program_.threads[i];
    if (d.start == StartKind::manual) continue;
    for (int n = 0; n < d.count; ++n) {
      KTHREAD& t = create_instance(static_cast<int>(i), n, false);
      kernel_->start_thread_at(t, d.start_time);
    }
  }
}

Interpreter::~Interpreter() = default;

void Interpreter::validate_version() {
  if (machine_.version != Version::xp) return;
  // Guarded regions and mutexes arrived with Server 2003 (SEMANTICS.md §4, §15).
  std::function<void(const std::vector<Step>&)> walk = [&](const std::vector<Step>& steps) {
    for (const Step& s : steps) {
      switch (s.op) {
        case Op::KeEnterGuardedRegion:
        case Op::KeLeaveGuardedRegion:
        case Op::KeAcquireGuardedMutex:
        case Op::KeTryToAcquireGuardedMutex:
        case Op::KeReleaseGuardedMutex:
          setup_errors_.push_back({s.loc, fmt::format("{} does not exist on xp: guarded regions "
                                                      "and guarded mutexes arrived with Windows "
                                                      "Server 2003 (machine.version)",
                                                      op_name(s.op))});
          break;
        case Op::assert_:
          if (s.assertion && s.assertion->KeAreAllApcsDisabled)
            setup_errors_.push_back({s.loc, "KeAreAllApcsDisabled does not exist on xp "
                                            "(it arrived with Windows Server 2003)"});
          break;
        default:
          break;
      }
      walk(s.body);
    }
  };
  for (const ThreadDecl& d : program_.threads) walk(d.steps);
  for (const Routine& r : program_.routines) walk(r.steps);
  for (const ObjectDecl& o : program_.objects)
    if (o.type == ObjectType::guarded_mutex)
      setup_errors_.push_back({o.loc, fmt::format("object '{}': guarded mutexes do not exist on xp "
                                                  "(they arrived with Windows Server 2003)",
                                                  o.name)});
}

void Interpreter::create_objects() {
  for (const ObjectDecl& o : program_.objects) {
    KOBJECT_BASE* obj = nullptr;
    switch (o.type) {
      case ObjectType::push_lock: obj = &ex::create_push_lock(*kernel_, o.name); break;
      case ObjectType::cache_aware_push_lock:
        obj = &ex::create_cache_aware_push_lock(*kernel_, o.name);
        break;
      case ObjectType::event:
        obj = &kernel_->create_event(o.name, o.kind == EventKind::notification, o.signaled);
        break;
      case ObjectType::semaphore: obj = &kernel_->create_semaphore(o.name, o.count, o.limit); break;
      case ObjectType::timer:
        obj = &kernel_->create_timer(o.name, o.kind == EventKind::notification);
        break;
      case ObjectType::mutex: {
        KMUTANT& m = kernel_->create_mutex(o.name);
        if (o.mutant) m.ApcDisable = 0;  // KeInitializeMutant(FALSE): no critical region
        obj = &m;
        break;
      }
      case ObjectType::guarded_mutex:
        obj = &kernel_->create_guarded_mutex(o.name, KOBJECTS::GuardedMutexObject);
        break;
      case ObjectType::fast_mutex: obj = &ex::create_fast_mutex(*kernel_, o.name); break;
      case ObjectType::gate: obj = &kernel_->create_gate(o.name); break;
      case ObjectType::spin_lock: obj = &kernel_->create_spin_lock(o.name); break;
    }
    objects_.push_back(obj);
  }
}

KTHREAD& Interpreter::create_instance(int decl, int instance, bool manual) {
  const ThreadDecl& d = program_.threads[static_cast<std::size_t>(decl)];
  auto& list = instances_[static_cast<std::size_t>(decl)];
  std::string name = d.name;
  if (d.count > 1) name += fmt::format("[{}]", instance);
  if (manual && list.size() >= static_cast<std::size_t>(d.count))
    name += fmt::format("#{}", list.size() / static_cast<std::size_t>(d.count));
  std::uint64_t affinity = 0;
  for (int cpu : d.affinity) affinity |= std::uint64_t{1} << cpu;
  if (d.affinity.empty()) affinity = ~std::uint64_t{0};
  ThreadCtx& ctx = contexts_.emplace_back();
  ctx.interp = this;
  ctx.decl = decl;
  ctx.instance = instance;
  KTHREAD& t = kernel_->create_thread(std::move(name), d.priority, affinity,
                                      &Interpreter::thread_body, &ctx);
  t.template_index = decl;
  t.instance = instance;
  ctx.thread = &t;
  list.push_back(&t);
  return t;
}

void Interpreter::start_manual(int decl) {
  const ThreadDecl& d = program_.threads[static_cast<std::size_t>(decl)];
  for (int n = 0; n < d.count; ++n) PsCreateSystemThread(create_instance(decl, n, true));
}

void Interpreter::thread_body(KTHREAD& self, void* context) {
  auto& ctx = *static_cast<ThreadCtx*>(context);
  const ThreadDecl& d = ctx.interp->program_.threads[static_cast<std::size_t>(ctx.decl)];
  Exec::run_list(ctx, d.steps);
}

check::RunResult Interpreter::run() { return check::analyse(*kernel_, kernel_->run()); }

}  // namespace kesim::scenario
