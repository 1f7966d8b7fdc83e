// sim/explore/narrate.hpp — a schedule's choice points in words, for a person reading a
// counterexample. NarratingStrategy wraps the PrefixStrategy that replays a dfs token and, at
// every choice point it meets, notes who ran and who kesim's default would have run instead:
// the thread, the step it was at ("t.yaml:14: ExAcquirePushLockExclusive: A"), its CPU, the
// virtual time, and for a quantum end the thread whose quantum ended. describe_choice() turns a
// note into the vocabulary of the exploration choice set (engine::Strategy): "CPU 1 steps Bob
// before CPU 0's Alice", "preempt Alice (quantum end) on CPU 0 for Bob", "the 2nd of 3 events
// due now fires first".
//
// Only the analysis of a replayed counterexample narrates (sim/run/schedule_analysis.hpp): the
// notes hold strings, so exploration's own runs never use this wrapper.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/explore/dfs.hpp"

namespace kesim::explore {

// What the explore layer needs to know about a task to name it; the run layer implements it
// over KTHREAD and the scenario's source map (explore does not depend on the kernel).
class TaskDescriber {
 public:
  virtual ~TaskDescriber() = default;
  virtual std::string name(const engine::Task& t) const = 0;
  // "file:line: OpName" of the step the task is at, or "" when unknown.
  virtual std::string step(const engine::Task& t) const = 0;
};

// One candidate of a choice point, as a person would name it.
struct Actor {
  std::string thread;     // "" for an event (time as a choice)
  std::string step;       // where the thread was: "t.yaml:14: ExAcquirePushLockExclusive: A"
  int cpu = -1;           // the CPU it executes on, or (quantum end) the CPU it takes over
  std::string preempted;  // a quantum end: the thread whose quantum ends there
  bool quantum_end() const { return !preempted.empty(); }
};

struct PointNote {
  std::int64_t time = 0;     // virtual ns
  ChoicePoint point;         // n, current, pick, dflt, executing, instant (as PrefixStrategy saw it)
  Actor chosen;              // what ran
  Actor fallback;            // what kesim's default would have run
  // Time as a choice: `events` orderable events were due, and the tasks could run first.
  std::uint32_t events = 0;
  bool tasks = false;
  bool duration = false;  // a jitter choice (engine::Strategy::choose_duration): 0 as written,
                          // 1 the tolerance's lower end, 2 its upper end
  bool is_default() const { return point.pick == point.dflt; }
};

// What kind of choice a non-default pick is: a preemption (a quantum end, or switching away
// from a thread that could go on), another CPU's order (the running thread had stopped: the
// default is the thread executing longest), or the order of events due at one instant.
enum class ChoiceKind : std::uint8_t { preemption, cpu_order, event_order, duration };
ChoiceKind choice_kind(const PointNote& n);
const char* choice_kind_name(ChoiceKind k);  // "preemption", "cpu_order", "event_order", "duration"

// The pick as a sentence ("preempt Alice (quantum end) on CPU 0 for Bob").
std::string describe_choice(const PointNote& n);
// What ran at the point, for "after …": "Bob's `t.yaml:21: ExAcquirePushLockExclusive: B`",
// "the quantum end that preempts Alice on CPU 0 for Hog", or for an event "the 2nd of the 3
// events due fired".
std::string describe_pick(const PointNote& n);

class NarratingStrategy final : public engine::Strategy {
 public:
  NarratingStrategy(PrefixStrategy& inner, const TaskDescriber& describer) : inner_(inner), describer_(describer) {}
  // The engine whose clock the notes read (set once the machine exists).
  void attach(const engine::Engine& e) { engine_ = &e; }

  std::size_t choose(std::span<engine::Task* const> c, int current) override;
  bool sticky() const override { return inner_.sticky(); }
  bool quantum_ends() const override { return inner_.quantum_ends(); }
  void on_yield(const engine::Task& t) override { inner_.on_yield(t); }
  engine::AccessSink* access_sink() override { return inner_.access_sink(); }
  bool instants() const override { return inner_.instants(); }
  std::size_t choose_instant(std::size_t events, bool tasks) override;
  std::size_t choose_duration(std::size_t options) override;

  const std::vector<PointNote>& notes() const { return notes_; }

 private:
  Actor actor(std::span<engine::Task* const> c, std::uint32_t i, std::uint32_t executing) const;

  PrefixStrategy& inner_;
  const TaskDescriber& describer_;
  const engine::Engine* engine_ = nullptr;
  std::vector<PointNote> notes_;
};

// Which running task a quantum-end candidate (index `i` >= executing) preempts, or nullptr. The
// engine (Engine::choose_with_quantum_ends) lists after the Executing tasks, in their CPU order,
// one ready task per running task that is preemptible, has passed two scheduling points since
// it was dispatched and has a ready task of its priority allowed on its CPU: walking both lists
// together pairs each candidate with its running task.
const engine::Task* quantum_end_victim(std::span<engine::Task* const> c, std::uint32_t executing, std::uint32_t i);

}  // namespace kesim::explore
