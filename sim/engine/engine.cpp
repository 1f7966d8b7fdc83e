// sim/engine/engine.cpp — scheduling: ready queues per CPU, preemption, quantum, the choice
// hook and the event loop. NT-like dispatching rules, kept kernel-agnostic:
//   - a readied task takes an idle eligible CPU (its last CPU first, then the lowest index);
//   - else it preempts the lowest-priority running task of strictly lower priority, unless that
//     task is not preemptible (IRQL >= DISPATCH_LEVEL): then the dispatch is pending until the
//     task becomes preemptible again (SEMANTICS.md §2, "requests a dispatch interrupt");
//   - a preempted task goes to the head of its priority queue, a task at quantum end to the tail
//     (ReactOS KiExitDispatcher / KiQuantumEnd).
#include "sim/engine/engine.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>

namespace kesim::engine {

Engine::Engine(const EngineConfig& cfg)
    : cpus_(static_cast<std::size_t>(std::clamp(cfg.processors, 1, kMaxProcessors))),
      quantum_(cfg.quantum > 0 ? cfg.quantum : 30'000'000),
      time_limit_(cfg.time_limit),
      max_steps_(cfg.max_steps),
      stacks_(cfg.stack_size) {
  work_done_.e = this;
  quantum_end_.e = this;
  events_.reserve(256);
}

Engine::~Engine() { unwind_all(); }

void Engine::unwind_all() {
  unwinding_ = true;
  for (Task* t : tasks_) {
    if (t->fiber.has_stack() && !t->fiber.finished()) {
      current_ = t;
      fiber::switch_to(main_, t->fiber);
    }
  }
  current_ = nullptr;
  tasks_.clear();  // their owner may free them now; a second unwind_all() must not touch them
}

void Engine::reset() {
  unwind_all();
  unwinding_ = false;
  for (Cpu& c : cpus_) {
    c.running = nullptr;
    c.quantum_end = 0;
    c.quantum_gen = 0;
    c.dispatch_pending = false;
    for (auto& q : c.queue) q.reset_unlinked();
    c.summary = 0;
  }
  events_.clear();
  event_seq_ = 0;
  exec_seq_ = 0;
  ready_count_.fill(0);
  ready_summary_ = 0;
  exec_list_.fill(nullptr);
  exec_count_ = 0;
  now_ = 0;
  steps_ = 0;
  counted_ = 0;
  limit_name_ = "";
  context_switches_ = 0;
  events_processed_ = 0;
  live_tasks_ = 0;
  current_ = nullptr;
  strategy_ = &default_strategy_;
  access_ = nullptr;
  error_ = nullptr;
  sticky_ = true;
  quantum_ends_ = false;
  instants_ = false;
  stop_requested_ = false;
  stop_reason_ = StopReason::AllFinished;
  trace_.reset();
}

void Engine::add_task(Task& t) {
  t.index = static_cast<std::int32_t>(tasks_.size());
  t.engine = this;
  tasks_.push_back(&t);
  t.fiber.prepare(&stacks_, &Engine::task_entry, &t);
  t.state = TaskState::Created;
  t.state_since = now_;
}

void Engine::task_entry(fiber::Fiber& f) {
  Task& t = *static_cast<Task*>(f.user());
  Engine& e = *t.engine;
  bool unwound = false;
  std::exception_ptr error;
  try {
    t.body(t);
  } catch (const fiber::Unwind&) {
    unwound = true;
  } catch (...) {
    error = std::current_exception();  // a task body's own exception: carried to run()
  }
  if (error) {
    e.error_ = std::move(error);
    try {
      e.stop();  // run() rethrows the error; this fiber comes back only to be unwound
    } catch (const fiber::Unwind&) {
      unwound = true;
    }
  }
  // Outside the handlers: switching away inside one would never end the catch, leaking the
  // exception and leaving it on this OS thread's caught-exception stack.
  if (unwound) {
    t.state = TaskState::Finished;
    fiber::finish_and_switch(t.fiber, e.main_);
  }
  e.exit_current();
}

StopReason Engine::run() {
  stop_requested_ = false;
  current_ = nullptr;
  if (Task* next = find_next()) {
    current_ = next;
    fiber::switch_to(main_, next->fiber);
  }
  current_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  return stop_reason_;
}

// ---- the scheduler core ------------------------------------------------------------------


Task* Engine::find_next() {
  for (;;) {
    while (!events_.empty() && events_.front().time <= now_) {
      if (instants_) [[unlikely]] {
        if (!fire_due_event()) break;  // the executing tasks go first
      } else {
        std::pop_heap(events_.begin(), events_.end(), Later{});
        const Event ev = events_.back();
        events_.pop_back();
        fire(ev);
      }
      if (stop_requested_) return nullptr;
    }
    if (stop_requested_) return nullptr;
    if (Task* t = choose()) return t;
    if (live_tasks_ == 0) {
      stop_reason_ = StopReason::AllFinished;
      return nullptr;
    }
    if (events_.empty()) {
      stop_reason_ = StopReason::Stalled;
      return nullptr;
    }
    const Time next = events_.front().time;
    if (next > time_limit_) {
      now_ = time_limit_;
      stop_reason_ = StopReason::TimeLimit;
      return nullptr;
    }
    now_ = next;
    note_access(kAccessDispatcher, true);  // the clock
  }
}


void Engine::fire(const Event& ev) {
  // Events count toward max_steps: a 1 ns periodic timer is a loop of events alone.
  if (++counted_ > max_steps_) [[unlikely]] {
    stop_reason_ = StopReason::StepLimit;
    stop_requested_ = true;
    return;
  }
  ++events_processed_;
  // A timer, a wait's timeout or an I/O completion may touch any kernel object: the whole
  // kernel state. The engine's own events and a thread's start touch the dispatcher and the
  // task concerned (which they report).
  note_access(ev.handler->touches_objects() ? kAccessGlobal : kAccessDispatcher, true);
  ev.handler->on_event(ev.a, ev.b);
}

// Time as a choice. Events the model orders itself (declared starts, quantum ends) due now go
// first, in queue order. Among the orderable ones due now the strategy picks which fires next —
// or, when some task can execute at this instant, lets the tasks run first: on another CPU a
// thread may call KeSetEvent before a timeout due at the same instant expires.
bool Engine::fire_due_event() {
  // Further ties (beyond kMaxTied) keep queue order.
  std::array<std::size_t, kMaxTied> due;
  std::size_t n = 0;
  std::size_t fixed = events_.size();
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    if (e.time > now_) continue;
    if (!e.handler->orderable()) {
      if (fixed == events_.size() || Later{}(events_[fixed], e)) fixed = i;
      continue;
    }
    if (n < kMaxTied) {
      due[n++] = i;
    } else {
      // Keep the kMaxTied oldest: replace the youngest kept if this one is older.
      std::size_t youngest = 0;
      for (std::size_t j = 1; j < n; ++j)
        if (Later{}(events_[due[j]], events_[due[youngest]])) youngest = j;
      if (Later{}(events_[due[youngest]], e)) due[youngest] = i;
    }
  }
  std::size_t pick = fixed;
  if (pick == events_.size()) {
    std::sort(due.begin(), due.begin() + static_cast<std::ptrdiff_t>(n),
              [&](std::size_t a, std::size_t b) { return Later{}(events_[b], events_[a]); });
    const bool tasks = exec_count_ > 0;
    std::size_t k = 0;
    if (n + (tasks ? 1 : 0) >= 2) {
      for (std::size_t i = 0; i < n; ++i) {
        const Event& e = events_[due[i]];
        instant_due_[i] = {e.handler, e.a, e.b};
      }
      instant_count_ = n;
      k = std::min(strategy_->choose_instant(n, tasks), n - (tasks ? 0 : 1));
      instant_count_ = 0;
    }
    if (k == n) return false;
    pick = due[k];
  }
  const Event ev = events_[pick];
  events_[pick] = events_.back();
  events_.pop_back();
  std::make_heap(events_.begin(), events_.end(), Later{});
  fire(ev);
  return true;
}

Time Engine::vary(Time d, Time tolerance) {
  if (tolerance <= 0 || d <= 0) return d;
  variation_ = {d, tolerance};
  const std::size_t k = strategy_->choose_duration(kDurationOptions);
  variation_ = {};
  switch (k) {
    case 1: return d - std::min(tolerance, d);
    case 2: return sat_add(d, tolerance);
    default: return d;
  }
}

void Engine::step_limit() {
  stop_reason_ = StopReason::StepLimit;
  stop_requested_ = true;
  switch_from(current_, nullptr);
  throw fiber::Unwind{};
}

void Engine::limit_reached(const char* which) {
  if (!stop_requested_) {  // the first limit reached is the one reported
    limit_name_ = which;
    stop_reason_ = StopReason::ResourceLimit;
    stop_requested_ = true;
  }
  if (current_ && fiber::running_fiber() == &current_->fiber) leave_stopped();
}

void Engine::leave_stopped() {
  switch_from(current_, nullptr);
  throw fiber::Unwind{};
}

void Engine::stop() {
  stop_requested_ = true;
  stop_reason_ = StopReason::Requested;
  switch_from(current_, nullptr);
  throw fiber::Unwind{};  // only reached when the engine unwinds this fiber
}

// ---- operations of the current task --------------------------------------------------------

Time Engine::work(Time d) {
  Task& t = *current_;
  while (t.state != TaskState::Running) reschedule();
  if (d <= 0) {
    point();
    return 0;
  }
  // A quantum used up in short pieces of work (a spin loop's YieldProcessor, 10 ns at a time)
  // ends like a long one: the clock interrupt does not care how the time was spent. Without
  // this a spinner would keep its CPU for ever while the lock holder waits, ready, behind it.
  if (now_ >= cpus_[static_cast<std::size_t>(t.cpu)].quantum_end && end_quantum(t.cpu)) [[unlikely]]
    while (t.state != TaskState::Running) reschedule();
  Cpu& c = cpus_[static_cast<std::size_t>(t.cpu)];
  note_sched(t);
  set_activity(t, Activity::Working);
  t.work_end = sat_add(now_, d);
  t.work_left = 0;
  post(t.work_end, &work_done_, static_cast<std::uint64_t>(t.index), ++t.work_gen);
  if (t.work_end > c.quantum_end)
    post(c.quantum_end, &quantum_end_, static_cast<std::uint64_t>(t.cpu), ++c.quantum_gen);
  reschedule();
  const Time left = t.work_left;
  t.work_left = 0;
  return left;
}

void Engine::WorkDone::on_event(std::uint64_t a, std::uint64_t gen) {
  Task& t = *e->tasks_[a];
  if (t.work_gen != gen || t.state != TaskState::Running || t.activity != Activity::Working)
    return;
  e->note_task(t);
  e->set_activity(t, Activity::Executing);
  t.exec_stamp = ++e->exec_seq_;
  t.work_left = 0;
}

// Exploration's view of a scheduling point (Strategy::quantum_ends): the Executing tasks, then
// one quantum-end alternative per CPU that Windows could switch at this instant.
Task* Engine::choose_with_quantum_ends() {
  const std::size_t n = exec_count_;
  std::array<Task*, 2 * kMaxProcessors> candidates;
  std::array<int, kMaxProcessors> cpu_of;
  std::size_t m = n;
  for (std::size_t i = 0; i < n; ++i) candidates[i] = exec_list_[i];
  for (std::size_t i = 0; i < n; ++i) {
    const Task& t = *exec_list_[i];
    // A quantum is never empty: a task just dispatched runs at least one operation before its
    // quantum may end (else an adversarial strategy could starve it, which no clock would).
    if (!t.preemptible || t.points_since_dispatch < 2) continue;
    Task* r = best_ready(t.cpu, t.priority);
    if (!r || r->priority != t.priority) continue;
    cpu_of[m - n] = t.cpu;
    candidates[m++] = r;
  }
  if (m <= 1) return m ? candidates[0] : nullptr;
  const int cur = current_ ? current_->exec_pos : -1;
  std::size_t i = strategy_->choose(std::span<Task* const>(candidates.data(), m), cur);
  if (i >= m) i = m - 1;
  if (i < n) return candidates[i];
  // A quantum end on that CPU: its task goes to the tail of its ready queue and the head runs.
  const int cpu = cpu_of[i - n];
  preempt(cpu, /*to_front=*/false);
  dispatch(cpu);
  if (Task* r = cpus_[static_cast<std::size_t>(cpu)].running; r && r->activity == Activity::Executing)
    return r;
  // The dispatched task resumed work it had left: choose among the Executing tasks again.
  if (exec_count_ == 0) return nullptr;
  if (exec_count_ == 1) return exec_list_[0];
  const int now_cur = current_ ? current_->exec_pos : -1;
  const std::size_t j = strategy_->choose(std::span<Task* const>(exec_list_.data(), exec_count_), now_cur);
  return exec_list_[j < exec_count_ ? j : exec_count_ - 1];
}

void Engine::QuantumEnd::on_event(std::uint64_t a, std::uint64_t gen) {
  Cpu& c = e->cpus_[a];
  if (c.quantum_gen != gen) return;
  Task* t = c.running;
  if (!t || t->activity != Activity::Working) return;
  if (!e->end_quantum(static_cast<int>(a)) && t->work_end > c.quantum_end)
    e->post(c.quantum_end, this, a, ++c.quantum_gen);
}

// The running task of `cpu` has used up its quantum: its boost decays (the hook), and a ready
// task of at least its priority takes the CPU (KiQuantumEnd); otherwise a new quantum starts.
// Returns true if the task was preempted.
bool Engine::end_quantum(int cpu) {
  Cpu& c = cpus_[static_cast<std::size_t>(cpu)];
  Task* t = c.running;
  note_sched(*t);
  if (quantum_end_hook_) {
    // The task is on its CPU, in no ready queue: its priority can change in place.
    const auto p = static_cast<std::uint8_t>(std::clamp(quantum_end_hook_(*t), 0, kPriorities - 1));
    if (p != t->priority) {
      trace_.record({now_, 0, static_cast<std::int16_t>(cpu), TraceKind::Priority, t->index, -1, p,
                     t->priority});
      t->priority = p;
    }
  }
  if (t->preemptible && best_ready(cpu, t->priority)) {
    preempt(cpu, /*to_front=*/false);
    dispatch(cpu);
    return true;
  }
  c.quantum_end = sat_add(now_, quantum_);
  return false;
}

// Takes the current task off its CPU (or out of its ready queue, if it was preempted but has
// not switched away yet) and gives the CPU to the next ready task.
void Engine::detach(Task& t) {
  if (t.state == TaskState::Ready) {
    dequeue(t);
  } else if (t.state == TaskState::Running) {
    const int c = t.cpu;
    leave_cpu(t);
    dispatch(c);
  }
}

void Engine::block() {
  Task& t = *current_;
  note_sched(t);
  detach(t);
  set_state(t, TaskState::Blocked);
  reschedule();
  while (t.state != TaskState::Running || t.activity != Activity::Executing) reschedule();
}

void Engine::spin() {
  Task& t = *current_;
  note_sched(t);
  while (t.state != TaskState::Running) reschedule();
  set_activity(t, Activity::Stalled);
  reschedule();
}

void Engine::poke(Task& t) {
  if (t.state == TaskState::Running && t.activity == Activity::Stalled) {
    note_sched(t);
    set_activity(t, Activity::Executing);
    t.exec_stamp = ++exec_seq_;
  }
}

void Engine::interrupt(Task& t) {
  if (t.state != TaskState::Running || t.activity != Activity::Working) return;
  note_sched(t);
  t.work_left = t.work_end - now_;
  ++t.work_gen;
  set_activity(t, Activity::Executing);
  t.exec_stamp = ++exec_seq_;
}

void Engine::exit_current() {
  Task& t = *current_;
  note_sched(t);
  detach(t);
  set_state(t, TaskState::Finished);
  --live_tasks_;
  Task* next = unwinding_ ? nullptr : find_next();
  current_ = next;
  if (next) note_switch(*next);
  fiber::finish_and_switch(t.fiber, next ? next->fiber : main_);
}

// ---- placement -------------------------------------------------------------------------------

void Engine::leave_cpu(Task& t) {
  Cpu& c = cpus_[static_cast<std::size_t>(t.cpu)];
  c.running = nullptr;
  exec_remove(t);
  ++c.quantum_gen;
  t.last_cpu = t.cpu;
  t.cpu = -1;
}

void Engine::run_on(int cpu, Task& t) {
  Cpu& c = cpus_[static_cast<std::size_t>(cpu)];
  note_sched(t);
  c.running = &t;
  c.quantum_end = sat_add(now_, quantum_);
  ++c.quantum_gen;
  t.cpu = static_cast<std::int16_t>(cpu);
  t.last_cpu = t.cpu;
  t.points_since_dispatch = 0;
  set_state(t, TaskState::Running);
  set_activity(t, Activity::Executing);
  t.exec_stamp = ++exec_seq_;
  ++context_switches_;
  trace_.record({now_, 0, static_cast<std::int16_t>(cpu), TraceKind::Dispatch, t.index, -1,
                 t.priority, 0});
}

void Engine::dispatch(int cpu) {
  Cpu& c = cpus_[static_cast<std::size_t>(cpu)];
  c.dispatch_pending = false;
  if (c.running) return;
  if (Task* t = best_ready(cpu, 0)) {
    dequeue(*t);
    run_on(cpu, *t);
  }
}

void Engine::preempt(int cpu, bool to_front) {
  Cpu& c = cpus_[static_cast<std::size_t>(cpu)];
  Task& v = *c.running;
  note_sched(v);
  if (v.activity == Activity::Working) {
    v.work_left = v.work_end - now_;
    ++v.work_gen;
  }
  v.activity = Activity::Executing;
  trace_.record({now_, 0, static_cast<std::int16_t>(cpu), TraceKind::Preempt, v.index, -1,
                 v.priority, 0});
  leave_cpu(v);
  set_state(v, TaskState::Ready);
  enqueue(v, cpu, to_front);
}

int Engine::home_cpu(const Task& t) const {
  if (t.last_cpu >= 0 && eligible(t, t.last_cpu)) return t.last_cpu;
  for (int i = 0; i < processors(); ++i)
    if (eligible(t, i)) return i;
  return 0;
}

void Engine::ready(Task& t) {
  if (t.state != TaskState::Created && t.state != TaskState::Blocked) return;  // nothing to do
  note_sched(t);
  if (t.state == TaskState::Created) mark_live(t);
  set_state(t, TaskState::Ready);
  trace_.record({now_, 0, current_cpu(), TraceKind::Ready, t.index, -1, t.priority, 0});
  // 1. An idle eligible CPU, the last one first.
  int idle = -1;
  if (t.last_cpu >= 0 && eligible(t, t.last_cpu) && !cpus_[t.last_cpu].running) idle = t.last_cpu;
  for (int i = 0; idle < 0 && i < processors(); ++i)
    if (eligible(t, i) && !cpus_[i].running) idle = i;
  if (idle >= 0) {
    run_on(idle, t);
    return;
  }
  // 2. Preempt the lowest-priority running task of strictly lower priority.
  int victim = -1;
  for (int i = 0; i < processors(); ++i) {
    if (!eligible(t, i)) continue;
    const Task* r = cpus_[i].running;
    if (r->priority < t.priority &&
        (victim < 0 || r->priority < cpus_[victim].running->priority))
      victim = i;
  }
  if (victim >= 0) {
    if (cpus_[victim].running->preemptible) {
      preempt(victim, /*to_front=*/true);
      run_on(victim, t);
      return;
    }
    cpus_[victim].dispatch_pending = true;
    enqueue(t, victim, false);
    return;
  }
  enqueue(t, home_cpu(t), false);
}

void Engine::set_preemptible(Task& t, bool on) {
  // Whether a quantum end may preempt t: part of t's scheduling state (its own transitions
  // and any quantum end on its CPU already touch t).
  if (t.preemptible != on) note_task(t);
  t.preemptible = on;
  if (!on || t.state != TaskState::Running) return;
  // Becoming preemptible looks at the ready queues (a dispatch left pending, a better thread
  // readied meanwhile): the outcome depends on every readying before it.
  note_access(kAccessDispatcher, false);
  Cpu& c = cpus_[static_cast<std::size_t>(t.cpu)];
  c.dispatch_pending = false;
  if (!ready_above(t.priority)) return;
  if (best_ready(t.cpu, t.priority + 1)) {
    const int cpu = t.cpu;
    preempt(cpu, true);
    dispatch(cpu);
  }
}

void Engine::set_priority(Task& t, int priority) {
  const auto p = static_cast<std::uint8_t>(std::clamp(priority, 0, kPriorities - 1));
  if (p == t.priority) return;
  note_sched(t);
  trace_.record({now_, 0, current_cpu(), TraceKind::Priority, t.index, -1, p, t.priority});
  switch (t.state) {
    case TaskState::Ready: {
      dequeue(t);
      t.priority = p;
      set_state(t, TaskState::Blocked);
      ready(t);  // re-place: it may now preempt
      break;
    }
    case TaskState::Running: {
      t.priority = p;
      if (t.preemptible && ready_above(p) && best_ready(t.cpu, p + 1)) {
        const int cpu = t.cpu;
        preempt(cpu, true);
        dispatch(cpu);
      }
      break;
    }
    default:
      t.priority = p;
  }
}

void Engine::enqueue(Task& t, int cpu, bool front) {
  Cpu& c = cpus_[static_cast<std::size_t>(cpu)];
  auto& q = c.queue[t.priority];
  if (front) q.push_front(t); else q.push_back(t);
  t.last_cpu = static_cast<std::int16_t>(cpu);
  c.summary |= 1u << t.priority;
  if (ready_count_[t.priority]++ == 0) ready_summary_ |= 1u << t.priority;
}

void Engine::dequeue(Task& t) {
  Cpu& c = cpus_[static_cast<std::size_t>(t.last_cpu)];
  auto& q = c.queue[t.priority];
  q.remove(t);
  if (q.empty()) c.summary &= ~(1u << t.priority);
  if (--ready_count_[t.priority] == 0) ready_summary_ &= ~(1u << t.priority);
}

Task* Engine::best_ready(int cpu, int min_priority) {
  // Nothing ranks above priority 31; and a shift by 32 would be undefined (x86 masks it to 0,
  // which made every ready task "better" than a priority-31 thread).
  if (min_priority >= kPriorities) return nullptr;
  std::uint32_t s = ready_summary_ & (~0u << min_priority);
  while (s) {
    const int p = 31 - std::countl_zero(s);
    s &= ~(1u << p);
    // Own queue first, then the others in CPU order.
    for (Task& t : cpus_[static_cast<std::size_t>(cpu)].queue[p])
      if (eligible(t, cpu)) return &t;
    for (int i = 0; i < processors(); ++i) {
      if (i == cpu || !(cpus_[i].summary & (1u << p))) continue;
      for (Task& t : cpus_[i].queue[p])
        if (eligible(t, cpu)) return &t;
    }
  }
  return nullptr;
}

void Engine::post(Time at, EventHandler* h, std::uint64_t a, std::uint64_t b) {
  note_access(kAccessDispatcher, true);  // the event queue
  events_.push_back({at < now_ ? now_ : at, event_seq_++, h, a, b});
  std::push_heap(events_.begin(), events_.end(), Later{});
}

}  // namespace kesim::engine
