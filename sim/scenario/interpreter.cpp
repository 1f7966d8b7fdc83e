// sim/scenario/interpreter.cpp — scenario steps → Ke/Ex/Io calls on the thread's own fiber.
// Every operation is one call of the NT routine it names; the routine itself is the scheduling
// point. The step being executed is published in KTHREAD::current_step for reports.
#include "sim/scenario/interpreter.hpp"

#include <fmt/format.h>

#include "sim/autoboost/autoboost.hpp"
#include "sim/ex/eresource.hpp"
#include "sim/ex/fmutex.hpp"
#include "sim/ex/keyed_event.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/io/io.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/scenario/interp_detail.hpp"
#include "sim/scenario/routine.hpp"

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

bool does_io(const std::vector<Step>& steps) {
  for (const Step& s : steps)
    if (descriptor(s.op).io || does_io(s.body) || does_io(s.else_steps)) return true;
  return false;
}
}  // namespace

bool does_io(const Program& p) {
  for (const auto& t : p.threads)
    if (does_io(t.steps)) return true;
  for (const auto& r : p.routines)
    if (does_io(r.steps)) return true;
  return false;
}

machine::Config machine_config(const Program& p, const Overrides& o) {
  const Machine& m = p.machine;
  machine::Config c;
  c.version = to_ke(m.version);
  c.autoboost = m.autoboost;
  c.verifier = o.verifier.value_or(m.verifier);
  c.processors = o.processors.value_or(m.processors);
  c.seed = o.seed.value_or(m.seed);
  c.quantum = m.quantum;
  c.io_latency = m.io_latency;
  c.jitter_percent = o.jitter.value_or(m.jitter);
  c.time_limit = o.time_limit.value_or(m.time_limit);
  c.max_steps = m.max_steps;
  c.stack_size = m.stack_size;
  c.keep_trace = o.keep_trace;
  c.recent_trace = o.recent_trace;
  c.race_detector = does_io(p) || p.has_plain_accesses();
  c.strategy = o.strategy;
  return c;
}

Interpreter::Interpreter(const Program& p, machine::Machine& m) : program_(p), machine_(m) {
  validate_version();
  if (!setup_errors_.empty()) return;
  for (const VariableDecl& v : program_.variables) {
    words_.push_back(v.initial);
    word_names_.push_back("variable " + v.name);
  }
  create_objects();
  instances_.resize(program_.threads.size());
  for (std::size_t i = 0; i < program_.threads.size(); ++i) {
    const ThreadDecl& d = program_.threads[i];
    if (d.start == StartKind::manual) continue;
    for (int n = 0; n < d.count; ++n) {
      KTHREAD& t = create_instance(static_cast<int>(i), n, false);
      kernel().start_thread_at(t, d.start_time);
    }
  }
  set_initial_owners();
}

// `owner: THREAD` of a mutant: KeInitializeMutant(Mutant, TRUE) as that thread would have run it
// before the scenario starts (ReactOS ke/mutex.c): OwnerThread set, the mutant at the tail of
// the thread's MutantListHead, SignalState 0, no critical region (a mutant's ApcDisable is 0).
// kesim's holder bookkeeping records it too (no acquiring step); the observers see no acquire,
// as no wait acquired it.
void Interpreter::set_initial_owners() {
  for (std::size_t i = 0; i < program_.objects.size(); ++i) {
    const ObjectDecl& o = program_.objects[i];
    if (o.owner.empty()) continue;
    KTHREAD* owner = nullptr;
    for (const auto& list : instances_)
      for (KTHREAD* t : list)
        if (t->name == o.owner) owner = t;
    if (!owner) continue;  // the loader checked the name; a manual thread cannot be named
    auto& m = static_cast<KMUTANT&>(*objects_[i]);
    m.OwnerThread = owner;
    m.SignalState = 0;
    owner->MutantListHead.push_back(m);
    m.holders.push_back(owner);
    m.holder_steps.push_back(nullptr);
  }
}

Interpreter::~Interpreter() = default;

void Interpreter::validate_version() {
  const Version version = program_.machine.version;
  // A routine before the version that introduced it (guarded regions and mutexes: Server 2003,
  // SEMANTICS.md §4, §15); KeAreAllApcsDisabled likewise.
  std::function<void(const std::vector<Step>&)> walk = [&](const std::vector<Step>& steps) {
    for (const Step& s : steps) {
      const RoutineDescriptor& d = descriptor(s.op);
      if (version < d.since)
        setup_errors_.push_back({s.loc, fmt::format("{} does not exist on {}: {} (machine.version)", d.name,
                                                    version_name(version), d.since_why)});
      if (version == Version::xp && s.op == Op::assert_ && s.assertion && s.assertion->KeAreAllApcsDisabled)
        setup_errors_.push_back({s.loc, "KeAreAllApcsDisabled does not exist on xp "
                                        "(it arrived with Windows Server 2003)"});
      walk(s.body);
      walk(s.else_steps);
    }
  };
  for (const ThreadDecl& d : program_.threads) walk(d.steps);
  for (const Routine& r : program_.routines) walk(r.steps);
  if (version != Version::xp) return;
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
      case ObjectType::push_lock: obj = &ex::create_push_lock(kernel(), o.name); break;
      case ObjectType::cache_aware_push_lock:
        obj = &ex::create_cache_aware_push_lock(kernel(), o.name);
        break;
      case ObjectType::event:
        obj = &kernel().create_event(o.name, o.kind == EventKind::notification, o.signaled);
        break;
      case ObjectType::semaphore: obj = &kernel().create_semaphore(o.name, o.count, o.limit); break;
      case ObjectType::timer:
        obj = &kernel().create_timer(o.name, o.kind == EventKind::notification);
        break;
      case ObjectType::mutex: {
        KMUTANT& m = kernel().create_mutex(o.name);
        if (o.mutant) m.ApcDisable = 0;  // KeInitializeMutant(FALSE): no critical region
        obj = &m;
        break;
      }
      case ObjectType::guarded_mutex:
        obj = &kernel().create_guarded_mutex(o.name, KOBJECTS::GuardedMutexObject);
        break;
      case ObjectType::fast_mutex: obj = &ex::create_fast_mutex(kernel(), o.name); break;
      case ObjectType::gate: obj = &kernel().create_gate(o.name); break;
      case ObjectType::spin_lock: obj = &kernel().create_spin_lock(o.name); break;
      case ObjectType::resource: obj = &ex::create_resource(kernel(), o.name); break;
      case ObjectType::keyed_event: obj = &ex::create_keyed_event(kernel(), o.name); break;
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
  ctx.locals.assign(program_.locals.size(), 0);
  KTHREAD& t = kernel().create_thread(std::move(name), d.priority, affinity,
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


}  // namespace kesim::scenario
