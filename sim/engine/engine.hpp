// sim/engine/engine.hpp — the discrete-event engine: virtual clock, event queue ordered by
// (time, sequence), simulated CPUs with ready queues by priority, quantum and preemption,
// affinity, the scheduling-point hook, and the trace. It knows tasks, time and choices,
// never NT (ns-3 scheduler.h: key = timestamp + sequence, FIFO ties).
//
// How time works. A task on a CPU is either Executing (it can run its next operation at the
// current virtual time), Working (burning CPU until an event), or Stalled (spinning until
// poked). Operations take no virtual time; only `work` and spinning do. At every scheduling
// point the engine may switch to another Executing task — that is how CPUs interleave. When
// no task is Executing, the clock jumps to the next event.
//
// Switching is direct, fiber to fiber, and the scheduler's bookkeeping runs on the stack of
// whichever fiber is switching away. The main (OS thread) fiber gets control back only when
// the run stops.
#pragma once

#include <array>
#include <exception>
#include <utility>
#include <cstdint>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "sim/engine/list.hpp"
#include "sim/engine/prng.hpp"
#include "sim/engine/trace.hpp"
#include "sim/fiber/fiber.hpp"

namespace kesim::engine {

inline constexpr int kMaxProcessors = 64;
inline constexpr int kPriorities = 32;

enum class TaskState : std::uint8_t { Created, Ready, Running, Blocked, Finished };
enum class Activity : std::uint8_t { Executing, Working, Stalled };

struct Task {
  fiber::Fiber fiber;
  std::int32_t index = -1;       // position in the engine's task table: deterministic id
  std::uint8_t priority = 8;     // current priority, 0..31
  std::uint64_t affinity = ~std::uint64_t{0};
  bool preemptible = true;       // false while the task runs at IRQL >= DISPATCH_LEVEL
  TaskState state = TaskState::Created;
  Activity activity = Activity::Executing;
  std::int16_t cpu = -1;         // CPU while Running
  std::int16_t last_cpu = -1;    // where it last ran (its "ideal" processor for queueing)
  Time work_end = 0;
  Time work_left = 0;            // unfinished work after a preemption or interrupt
  std::uint32_t work_gen = 0;    // invalidates stale WorkDone events
  Time state_since = 0;          // when the task entered its current state
  std::uint64_t exec_stamp = 0;  // order in which tasks became Executing (oldest first)
  bool live = false;             // counted in the engine's live tasks
  std::int16_t exec_pos = -1;    // index in the engine's list of Executing tasks, or -1
  std::uint32_t points_since_dispatch = 0;  // scheduling points passed since it got its CPU
  ListLink ready_link;
  // What the fiber runs, set by the layer above. When it returns the task exits.
  void (*body)(Task&) = nullptr;
  class Engine* engine = nullptr;
};

class EventHandler {
 public:
  virtual void on_event(std::uint64_t a, std::uint64_t b) = 0;
  // Time as a choice: may an exploring strategy order this event among others due at the same
  // instant, and after work the CPUs do at that instant? True for what Windows does not order
  // (a timer or timeout expiry, the end of a piece of work, an I/O completion); false for what
  // the model itself orders (a thread's declared start, the clock's quantum end, which
  // exploration already chooses through quantum-end candidates).
  virtual bool orderable() const { return true; }
  // What a person would call this event (`kesim play` lists same-instant events by it), in the
  // words of the layer that posted it; "" when it has none.
  virtual std::string describe(std::uint64_t a, std::uint64_t b) const { return {}; }
  // For dpor (AccessSink): may the handler touch kernel objects? Then firing it is reported as
  // a write of the whole kernel state; otherwise (it only readies or reschedules tasks, which
  // the engine reports itself) as a write of the dispatcher.
  virtual bool touches_objects() const { return true; }

 protected:
  ~EventHandler() = default;
};

// What a transition touches, for partial-order reduction (sim/explore/dpor.hpp). A DPOR
// strategy listens; otherwise nothing is recorded (one predictable branch per hook). Objects
// are small deterministic ids:
//   kAccessGlobal      the kernel's state as a whole: every kernel object *and* the dispatcher —
//                      what a routine that does not report its objects touches (conservative);
//   kAccessDispatcher  the dispatcher alone: ready queues, CPUs, the clock and the event queue
//                      (readying, blocking, preempting, posting an event, time advancing);
//   kAccessAllWords    a read of every memory word (a check whose reads kesim cannot see);
//   kAccessAllObjects  a read of every kernel object (an assertion naming one, a C++ invariant);
//   kAccessFirstWord + i   memory word i (a scenario variable or a C++ InterlockedWord);
//   access_object(i)   kernel object i (its index in the kernel's object table).
// A thread's own kernel state (IRQL, regions, APC queue, wait status) is its task (on_task).
inline constexpr std::uint32_t kAccessGlobal = 0;
inline constexpr std::uint32_t kAccessAllWords = 1;
inline constexpr std::uint32_t kAccessFirstWord = 2;
inline constexpr std::uint32_t kAccessFirstObject = 0x8000'0000u;
inline constexpr std::uint32_t kAccessDispatcher = 0xFFFF'FFFEu;
inline constexpr std::uint32_t kAccessAllObjects = 0xFFFF'FFFFu;
inline constexpr std::uint32_t access_object(std::uint32_t index) { return kAccessFirstObject + index; }
class AccessSink {
 public:
  virtual void on_access(std::uint32_t object, bool write) = 0;
  // Task `index`'s scheduling state was changed (readied, preempted, woken...).
  virtual void on_task(std::int32_t index) = 0;
  // The CPU switches to task `index` (after a choice, or because it alone can run).
  virtual void on_switch(std::int32_t index) = 0;

 protected:
  ~AccessSink() = default;
};

// The scheduling-point hook: every choice of what runs next passes through here.
class Strategy {
 public:
  virtual ~Strategy() = default;
  // candidates: the Executing tasks in CPU order (size >= 2); current: the index of the task
  // that was running when the choice arose, or -1. Returns an index into candidates.
  virtual std::size_t choose(std::span<Task* const> candidates, int current) = 0;
  // True if the strategy always keeps an Executing current task (lets point() skip the choice).
  virtual bool sticky() const { return false; }
  // True if the strategy also chooses quantum ends (exploration: Windows' dispatcher may end a
  // quantum at any instant). The candidates then hold, after the Executing tasks (state
  // Running), for each CPU whose running task may be preempted (below DISPATCH_LEVEL) and has a
  // ready task of the same priority that may run there, that ready task (state Ready): picking
  // it ends the running task's quantum and dispatches it, as KiQuantumEnd would. A ready task of
  // higher priority never waits for a choice: it has preempted already.
  virtual bool quantum_ends() const { return false; }
  // The current task spins (YieldProcessor, an empty `while`): a priority-based strategy lets
  // the others go first, so a spin loop gives way and spin-based designs terminate under every
  // strategy (a thread that spins on a lock its holder cannot release otherwise starves it).
  virtual void on_yield(const Task& t) {}
  // A strategy that wants to know what each transition touches (DPOR) returns its sink.
  virtual AccessSink* access_sink() { return nullptr; }
  // Time as a choice (exploring strategies only; the default keeps the event queue's order).
  // `events` orderable events are due at this instant (>= 1), in posting order; `tasks` is
  // true when some task could execute at this instant before them. Returns the event to fire
  // next (0 = the oldest, as the queue would), or `events` to let the tasks run first (the
  // question comes back at their next scheduling point while the events are still due).
  virtual bool instants() const { return false; }
  virtual std::size_t choose_instant(std::size_t events, bool tasks) { return 0; }
  // Time as a choice, too (`--jitter`, machine.jitter): a duration the scenario declares may
  // vary (a `work` step, an I/O latency) takes one of `options` values (Engine::vary): 0 is the
  // nominal one, the default; the others are its tolerance's ends. Only asked while jitter is
  // on, so a strategy that ignores it keeps every duration nominal.
  virtual std::size_t choose_duration(std::size_t options) { return 0; }
};

// Seed 0: keep running the current task until it blocks or works; else the task that has
// been ready to execute the longest (so creation and wake-up order decide, not CPU numbers).
class StickyStrategy final : public Strategy {
 public:
  std::size_t choose(std::span<Task* const> c, int current) override {
    if (current >= 0) return static_cast<std::size_t>(current);
    std::size_t best = 0;
    for (std::size_t i = 1; i < c.size(); ++i)
      if (c[i]->exec_stamp < c[best]->exec_stamp) best = i;
    return best;
  }
  bool sticky() const override { return true; }
};

// Any other seed: uniformly random over every choice the dispatcher has at every scheduling
// point — which CPU's task runs next, or a quantum end in favour of a ready task.
class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : prng_(seed) {}
  bool quantum_ends() const override { return true; }
  std::size_t choose(std::span<Task* const> c, int) override { return prng_.below(c.size()); }
  bool instants() const override { return true; }
  std::size_t choose_instant(std::size_t events, bool tasks) override { return prng_.below(events + tasks); }
  std::size_t choose_duration(std::size_t options) override { return prng_.below(options); }

 private:
  Prng prng_;
};

struct Cpu {
  Task* running = nullptr;
  Time quantum_end = 0;
  std::uint32_t quantum_gen = 0;
  bool dispatch_pending = false;  // a higher-priority task waits for IRQL to drop
  std::array<IntrusiveList<Task, &Task::ready_link>, kPriorities> queue;
  std::uint32_t summary = 0;      // bit p set: queue[p] non-empty
};

struct EngineConfig {
  int processors = 2;
  Time quantum = 30'000'000;
  Time time_limit = 60'000'000'000;
  std::uint64_t max_steps = 200'000'000;
  std::size_t stack_size = 64 * 1024;
};

// StepLimit: max_steps reached; ResourceLimit: one of the run's memory or stack limits (which
// one: Engine::limit_name()).
enum class StopReason : std::uint8_t { AllFinished, Stalled, TimeLimit, StepLimit, Requested,
                                       ResourceLimit };

// Virtual time never wraps: a + d saturates at kTimeMax (d >= 0). Durations up to 2^63-1 ns
// can reach the engine through the C++ API; the scenario loader rejects those above
// kMaxDuration.
inline constexpr Time kTimeMax = INT64_MAX;
constexpr Time sat_add(Time a, Time d) {
  if (d <= 0) return a;
  return a > kTimeMax - d ? kTimeMax : a + d;
}

// A step deeper than this many bytes from the bottom of its fiber stack stops the run
// (ResourceLimit "stack") instead of overflowing into the guard page. The loader's nesting
// bound keeps every scenario it accepts far from it; this catches what no static bound sees
// (APCs nested through IRQL misuse). It covers the deepest frames one step can add below
// count_step (a wait, a bugcheck report, an exception unwinding).
inline constexpr std::size_t kStackReserve = 12 * 1024;

class Engine {
 public:
  explicit Engine(const EngineConfig& cfg);
  ~Engine();  // calls unwind_all()
  // Unwinds every fiber still suspended mid-run so destructors on its stack run. The owner of
  // the tasks calls this before the tasks are destroyed.
  void unwind_all();
  // Back to the state of a newly built engine with the same configuration, keeping its memory:
  // unwinds the tasks (their stacks go back to the pool, which stays mapped), forgets them, clears
  // the CPUs, the event queue (capacity kept), the counters and the trace, and restores the
  // default strategy. The owner re-initializes and re-adds its tasks (ke::Kernel::reset).
  void reset();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Registers a task (state Created); it runs once ready() is called.
  void add_task(Task& t);
  // Counts a Created task as live before it is ready (a start event is pending), so the run
  // does not end before it starts.
  void mark_live(Task& t) {
    if (!t.live) ++live_tasks_;
    t.live = true;
  }
  void set_strategy(Strategy* s) {
    strategy_ = s;
    sticky_ = s->sticky();
    quantum_ends_ = s->quantum_ends();
    access_ = s->access_sink();
    instants_ = s->instants();
  }
  // Access recording for DPOR (see AccessSink); free when no strategy listens.
  // (Not while fibers are unwound: the strategy that listened may be gone by then.)
  bool recording_accesses() const { return access_ != nullptr && !unwinding_; }
  void note_access(std::uint32_t object, bool write) {
    if (access_) [[unlikely]] access_->on_access(object, write);
  }
  void note_task(const Task& t) {
    if (access_) [[unlikely]] note_task_slow(t);
  }
  // Called (only while an AccessSink listens) on the current task's fiber each time it goes on
  // after a scheduling decision — a new transition may have started there — so the layer above
  // can report what its routine in progress touches from here on (the kernel's access scope).
  using ResumeHook = void (*)(Task& t);
  void set_resume_hook(ResumeHook h) { resume_hook_ = h; }
  // Called when a task's quantum ends while it runs; returns the task's new priority (the
  // kernel decays boosts here). The engine applies it before choosing whether to rotate.
  using QuantumEndHook = int (*)(Task& t);
  void set_quantum_end_hook(QuantumEndHook h) { quantum_end_hook_ = h; }
  Trace& trace() { return trace_; }

  // Runs until every task finished, nothing can run, a limit is hit, or stop() was called.
  // An exception thrown by a task body (not caught by the layer above) stops the run and is
  // rethrown here: the engine never ends the process for it.
  StopReason run();

  // --- called on the current task's fiber -------------------------------------------------
  Task* current() const { return current_; }
  // A scheduling point: returns at once unless another task should run now.
  void point() {
    ++steps_;
    if (++counted_ > max_steps_) step_limit();
    Task* self = current_;
    ++self->points_since_dispatch;
    if (sticky_ && self->state == TaskState::Running && self->activity == Activity::Executing &&
        (events_.empty() || events_.front().time > now_))
      return;
    // Inline down to the jump: the switch then happens in the caller's own frame (each extra
    // frame around a switch costs a few ns of call/return overhead per switch).
    Task* next = pick_next();
    if (next != self) switch_from(self, next);
    if (access_) [[unlikely]] note_resume(*self);
  }
  // One step of the layer above (a scenario step), counted toward max_steps whether or not it
  // reaches a scheduling point, so a loop of steps that never switch (log, assert, call...) is
  // bounded too. Also stops the run (ResourceLimit "stack") when the current fiber's stack has
  // less than kStackReserve left below the caller's frame.
  // A limit requested outside the running fiber (an event handler) stops the run here.
  void count_step() {
    if (++counted_ > max_steps_) step_limit();
    if (stop_requested_) [[unlikely]] leave_stopped();
    if (current_->fiber.stack_left(__builtin_frame_address(0)) < kStackReserve) [[unlikely]]
      limit_reached("stack");
  }
  // One of the run's limits (`which`: "threads", "apcs", "output", "stack"; see limits.hpp)
  // was reached: the run stops with StopReason::ResourceLimit. Called on the running task's
  // fiber it never returns; elsewhere (an event handler, setup) it returns and the run stops
  // at the next scheduling decision, so the caller must still produce its result.
  void limit_reached(const char* which);
  const char* limit_name() const { return limit_name_; }
  // now() + d, saturated (never wraps).
  Time after(Time d) const { return sat_add(now_, d); }
  // A duration that may vary by up to `tolerance` either way (jitter): the strategy picks d
  // (pick 0, the default), d - tolerance (1, never below 0) or d + tolerance (2). Only the ends
  // and the middle: the orders a tolerance can produce between two durations are already all
  // there, and a dfs token names the pick. tolerance <= 0: d, and no choice point.
  static constexpr std::size_t kDurationOptions = 3;
  Time vary(Time d, Time tolerance);
  // The duration being varied, valid during Strategy::choose_duration (kesim play shows it).
  struct Variation {
    Time nominal = 0, tolerance = 0;
  };
  Variation variation() const { return variation_; }
  // Events due at this instant as the last Strategy::choose_instant saw them (its indices), so
  // a strategy can say what they are (kesim play). Valid during that call.
  struct DueEvent {
    const EventHandler* handler;
    std::uint64_t a, b;
  };
  std::span<const DueEvent> instant_events() const { return {instant_due_.data(), instant_count_}; }
  // The task whose `work` a due event ends, or -1 when it is another kind of event.
  std::int32_t work_end_task(const DueEvent& e) const {
    return e.handler == &work_done_ ? static_cast<std::int32_t>(e.a) : -1;
  }
  // Burns d ns of CPU. Returns the unfinished remainder if the task was preempted or
  // interrupted on the way (call again to continue), 0 when done.
  Time work(Time d);
  void block();                  // leave the CPU until ready()
  void spin();                   // stay on the CPU, burning time, until poke()
  [[noreturn]] void exit_current();
  [[noreturn]] void stop();      // stop the run now (bugcheck, failed assertion)

  // --- callable from fibers and event handlers --------------------------------------------
  void ready(Task& t);           // Created/Blocked -> Ready (may preempt)
  void poke(Task& t);            // Stalled -> Executing
  void interrupt(Task& t);       // cut a Working task short so it reaches a scheduling point
  void set_priority(Task& t, int priority);
  void set_preemptible(Task& t, bool on);
  void post(Time at, EventHandler* h, std::uint64_t a, std::uint64_t b);
  void request_stop() { stop_requested_ = true; stop_reason_ = StopReason::Requested; }
  void yield_hint() { if (current_) strategy_->on_yield(*current_); }
  void record(TraceKind k, std::int32_t thread, std::int32_t object, std::int64_t a = 0,
              std::int64_t b = 0) {
    trace_.record({now_, 0, current_cpu(), k, thread, object, a, b});
  }

  Time now() const { return now_; }
  int processors() const { return static_cast<int>(cpus_.size()); }
  const Cpu& cpu(int i) const { return cpus_[static_cast<std::size_t>(i)]; }
  std::int16_t current_cpu() const { return current_ ? current_->cpu : -1; }
  std::uint64_t steps() const { return steps_; }
  // What max_steps bounds: scheduling points + count_step() calls + processed events.
  std::uint64_t counted() const { return counted_; }
  std::uint64_t context_switches() const { return context_switches_; }
  std::uint64_t events_processed() const { return events_processed_; }
  StopReason stop_reason() const { return stop_reason_; }
  std::span<Task* const> tasks() const { return tasks_; }
  Time quantum() const { return quantum_; }
  const fiber::StackPool& stacks() const { return stacks_; }

 private:
  struct Event {
    Time time;
    std::uint64_t seq;
    EventHandler* handler;
    std::uint64_t a, b;
  };
  struct Later {
    bool operator()(const Event& x, const Event& y) const {
      return x.time != y.time ? x.time > y.time : x.seq > y.seq;
    }
  };
  struct WorkDone final : EventHandler {
    Engine* e;
    void on_event(std::uint64_t a, std::uint64_t b) override;
    bool touches_objects() const override { return false; }
  };
  // The quantum-end hook may edit a lock's waiter counts: the kernel reports that itself.
  struct QuantumEnd final : EventHandler {
    Engine* e;
    void on_event(std::uint64_t a, std::uint64_t b) override;
    bool orderable() const override { return false; }
    bool touches_objects() const override { return false; }
  };

  static void task_entry(fiber::Fiber& f);
  void reschedule() {
    Task* self = current_;
    Task* next = pick_next();
    if (next != self) switch_from(self, next);
    if (access_) [[unlikely]] note_resume(*self);
  }
  void note_resume(Task& t) {
    if (resume_hook_ && current_ == &t) resume_hook_(t);
  }
  // The task to run now: choose() among the Executing tasks, or find_next() when events are due
  // or nothing can run at this instant. Inline: it is most of every switch.
  Task* pick_next() {
    if (!stop_requested_ && (events_.empty() || events_.front().time > now_)) [[likely]]
      if (Task* t = choose()) return t;
    return find_next();
  }
  Task* find_next();
  // Exploration's order of the events due now (Strategy::instants): fires one, or returns false
  // when the strategy lets the executing tasks run first.
  bool fire_due_event();
  void fire(const Event& ev);
  // The Executing task that runs next (the strategy decides when there are several), or null.
  Task* choose() {
    if (quantum_ends_) [[unlikely]] return choose_with_quantum_ends();
    const std::size_t n = exec_count_;
    if (n <= 1) return n ? exec_list_[0] : nullptr;
    const int cur = current_ ? current_->exec_pos : -1;
    const std::size_t i = strategy_->choose(std::span<Task* const>(exec_list_.data(), n), cur);
    return exec_list_[i < n ? i : n - 1];
  }
  void switch_from(Task* self, Task* next) {
    current_ = next;
    if (next) note_switch(*next);
    fiber::Fiber& to = next ? next->fiber : main_;
    if (self) {
      fiber::switch_to(self->fiber, to);
      current_ = self;
      if (unwinding_) [[unlikely]] throw fiber::Unwind{};
    } else {
      fiber::switch_to(main_, to);
    }
  }
  [[noreturn]] void step_limit();
  void note_task_slow(const Task& t) { access_->on_task(t.index); }
  void note_switch(const Task& t) {
    if (access_) [[unlikely]] access_->on_switch(t.index);
  }
  // A change of the scheduler's shared state that concerns task t (readied, preempted, ...).
  void note_sched(const Task& t) {
    if (access_) [[unlikely]] {
      access_->on_task(t.index);
      access_->on_access(kAccessDispatcher, true);
    }
  }
  Task* choose_with_quantum_ends();
  bool end_quantum(int cpu);
  [[noreturn]] void leave_stopped();

  void leave_cpu(Task& t);
  void detach(Task& t);
  void dispatch(int cpu);
  void run_on(int cpu, Task& t);
  void preempt(int cpu, bool to_front);
  void enqueue(Task& t, int cpu, bool front);
  void dequeue(Task& t);
  Task* best_ready(int cpu, int min_priority);
  // True if some task is ready at a priority strictly above p (p = 31: never; the shift by 32
  // that `ready_summary_ >> (p + 1)` would do is undefined).
  bool ready_above(int p) const {
    return p + 1 < kPriorities && (ready_summary_ >> (p + 1)) != 0;
  }
  int home_cpu(const Task& t) const;
  bool eligible(const Task& t, int cpu) const { return (t.affinity >> cpu) & 1; }
  void set_activity(Task& t, Activity a) {
    t.activity = a;
    if (t.cpu >= 0 && a == Activity::Executing) exec_insert(t);
    else exec_remove(t);
  }
  // The Executing tasks on CPUs, kept in CPU order as tasks start and stop executing, so a
  // scheduling point finds its candidates without scanning the CPUs.
  void exec_insert(Task& t) {
    if (t.exec_pos >= 0) return;
    std::size_t i = exec_count_++;
    for (; i > 0 && exec_list_[i - 1]->cpu > t.cpu; --i) {
      exec_list_[i] = exec_list_[i - 1];
      exec_list_[i]->exec_pos = static_cast<std::int16_t>(i);
    }
    exec_list_[i] = &t;
    t.exec_pos = static_cast<std::int16_t>(i);
  }
  void exec_remove(Task& t) {
    if (t.exec_pos < 0) return;
    for (auto i = static_cast<std::size_t>(t.exec_pos); i + 1 < exec_count_; ++i) {
      exec_list_[i] = exec_list_[i + 1];
      exec_list_[i]->exec_pos = static_cast<std::int16_t>(i);
    }
    --exec_count_;
    t.exec_pos = -1;
  }
  void set_state(Task& t, TaskState s) {
    t.state = s;
    t.state_since = now_;
  }

  std::vector<Cpu> cpus_;
  std::vector<Task*> tasks_;
  std::vector<Event> events_;  // binary heap (std::push_heap with Later)
  std::uint64_t event_seq_ = 0;
  std::uint64_t exec_seq_ = 0;
  std::array<std::uint32_t, kPriorities> ready_count_{};
  std::uint32_t ready_summary_ = 0;
  std::array<Task*, kMaxProcessors> exec_list_{};
  std::size_t exec_count_ = 0;
  static constexpr std::size_t kMaxTied = 16;  // same-instant events a choice offers at most
  std::array<DueEvent, kMaxTied> instant_due_{};
  std::size_t instant_count_ = 0;
  Variation variation_;

  Time now_ = 0;
  Time quantum_;
  Time time_limit_;
  std::uint64_t max_steps_;
  std::uint64_t steps_ = 0;
  std::uint64_t counted_ = 0;
  const char* limit_name_ = "";
  std::uint64_t context_switches_ = 0;
  std::uint64_t events_processed_ = 0;
  std::int64_t live_tasks_ = 0;

  Task* current_ = nullptr;
  fiber::Fiber main_;
  fiber::StackPool stacks_;
  StickyStrategy default_strategy_;
  Strategy* strategy_ = &default_strategy_;
  AccessSink* access_ = nullptr;
  ResumeHook resume_hook_ = nullptr;
  QuantumEndHook quantum_end_hook_ = nullptr;
  std::exception_ptr error_;  // thrown by a task body, rethrown by run()
  bool sticky_ = true;
  bool quantum_ends_ = false;
  bool instants_ = false;
  bool stop_requested_ = false;
  bool unwinding_ = false;
  StopReason stop_reason_ = StopReason::AllFinished;
  Trace trace_;
  WorkDone work_done_;
  QuantumEnd quantum_end_;
};

}  // namespace kesim::engine
