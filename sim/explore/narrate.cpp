// sim/explore/narrate.cpp — see narrate.hpp.
#include "sim/explore/narrate.hpp"

#include <fmt/format.h>

namespace kesim::explore {

const engine::Task* quantum_end_victim(std::span<engine::Task* const> c, std::uint32_t executing, std::uint32_t i) {
  std::uint32_t cursor = 0;
  for (std::uint32_t q = executing; q < c.size(); ++q) {
    const engine::Task& r = *c[q];
    const engine::Task* victim = nullptr;
    while (cursor < executing) {
      const engine::Task& t = *c[cursor++];
      if (t.preemptible && t.points_since_dispatch >= 2 && t.priority == r.priority && ((r.affinity >> t.cpu) & 1)) {
        victim = &t;
        break;
      }
    }
    if (q == i) return victim;
  }
  return nullptr;
}

Actor NarratingStrategy::actor(std::span<engine::Task* const> c, std::uint32_t i, std::uint32_t executing) const {
  Actor a;
  const engine::Task& t = *c[i];
  a.thread = describer_.name(t);
  a.step = describer_.step(t);
  a.cpu = t.cpu;
  if (i >= executing) {
    if (const engine::Task* v = quantum_end_victim(c, executing, i)) {
      a.preempted = describer_.name(*v);
      a.cpu = v->cpu;
    } else {
      a.preempted = "?";  // cannot happen with the engine's candidate rule; keep the kind visible
    }
  }
  return a;
}

std::size_t NarratingStrategy::choose(std::span<engine::Task* const> c, int current) {
  const std::size_t pick = inner_.choose(c, current);
  PointNote n;
  n.time = engine_ ? engine_->now() : 0;
  n.point = inner_.points().back();
  n.chosen = actor(c, n.point.pick, n.point.executing);
  n.fallback = actor(c, n.point.dflt, n.point.executing);
  notes_.push_back(std::move(n));
  return pick;
}

std::size_t NarratingStrategy::choose_instant(std::size_t events, bool tasks) {
  const std::size_t pick = inner_.choose_instant(events, tasks);
  PointNote n;
  n.time = engine_ ? engine_->now() : 0;
  n.point = inner_.points().back();
  n.events = static_cast<std::uint32_t>(events);
  n.tasks = tasks;
  notes_.push_back(std::move(n));
  return pick;
}

std::size_t NarratingStrategy::choose_duration(std::size_t options) {
  const std::size_t pick = inner_.choose_duration(options);
  PointNote n;
  n.time = engine_ ? engine_->now() : 0;
  n.point = inner_.points().back();
  n.events = static_cast<std::uint32_t>(options);
  n.duration = true;
  notes_.push_back(std::move(n));
  return pick;
}

ChoiceKind choice_kind(const PointNote& n) {
  if (n.duration) return ChoiceKind::duration;
  if (n.point.instant) return ChoiceKind::event_order;
  if (n.chosen.quantum_end() || n.point.current >= 0) return ChoiceKind::preemption;
  return ChoiceKind::cpu_order;
}

const char* choice_kind_name(ChoiceKind k) {
  switch (k) {
    case ChoiceKind::preemption: return "preemption";
    case ChoiceKind::cpu_order: return "cpu_order";
    case ChoiceKind::event_order: return "event_order";
    case ChoiceKind::duration: return "duration";
  }
  return "?";
}

namespace {

std::string ordinal(std::uint32_t i) {  // 0 -> "1st"
  const std::uint32_t k = i + 1;
  const char* suffix = (k % 100 >= 11 && k % 100 <= 13) ? "th" : k % 10 == 1 ? "st" : k % 10 == 2 ? "nd" : k % 10 == 3 ? "rd" : "th";
  return fmt::format("{}{}", k, suffix);
}

std::string events_due(const PointNote& n) {
  return n.events == 1 ? "the event due" : fmt::format("the {} events due", n.events);
}

}  // namespace

std::string describe_choice(const PointNote& n) {
  const ChoicePoint& p = n.point;
  if (n.duration) {
    // Jitter (sim/engine Engine::vary): a `work` duration or an I/O latency.
    if (p.pick == 1) return "a work duration or I/O latency takes the lower end of its jitter tolerance";
    if (p.pick == 2) return "a work duration or I/O latency takes the upper end of its jitter tolerance";
    return "a work duration or I/O latency takes its nominal value (kesim's default)";
  }
  if (p.instant) {
    // Orderable events: timer and timeout expiries, ends of work, I/O completions; kesim's
    // default fires them in posting order before the tasks run on.
    if (p.pick >= n.events) return fmt::format("the threads run before {} now", events_due(n));
    if (p.pick == 0) return fmt::format("{} now fire in posting order", events_due(n));
    return fmt::format("the {} of {} now fires first (kesim fires them in posting order)", ordinal(p.pick),
                       events_due(n));
  }
  if (n.chosen.quantum_end())
    return fmt::format("preempt {} (quantum end) on CPU {} for {}", n.chosen.preempted, n.chosen.cpu, n.chosen.thread);
  if (p.pick == p.dflt) return fmt::format("CPU {} steps {} (kesim's default)", n.chosen.cpu, n.chosen.thread);
  if (p.current >= 0)
    return fmt::format("CPU {} steps {} before CPU {}'s {} goes on", n.chosen.cpu, n.chosen.thread, n.fallback.cpu,
                       n.fallback.thread);
  // The running thread stopped (blocked, ended, started work): kesim's default is the thread
  // that has been executing longest.
  return fmt::format("CPU {} steps {} before CPU {}'s {} (executing longer)", n.chosen.cpu, n.chosen.thread,
                     n.fallback.cpu, n.fallback.thread);
}

std::string describe_pick(const PointNote& n) {
  const ChoicePoint& p = n.point;
  if (n.duration)
    return p.pick == 0 ? "a work duration or I/O latency was taken as written"
                       : fmt::format("a work duration or I/O latency took the {} end of its jitter tolerance",
                                     p.pick == 1 ? "lower" : "upper");
  if (p.instant) {
    if (p.pick >= n.events) return fmt::format("the threads ran ahead of {}", events_due(n));
    return fmt::format("the {} of {} fired", ordinal(p.pick), events_due(n));
  }
  // A quantum end is itself the event: the preempted thread loses its CPU to the ready one.
  if (n.chosen.quantum_end())
    return fmt::format("the quantum end that preempts {} on CPU {} for {}", n.chosen.preempted, n.chosen.cpu,
                       n.chosen.thread);
  const std::string step = n.chosen.step.empty() ? std::string("first step") : fmt::format("`{}`", n.chosen.step);
  return fmt::format("{}'s {}", n.chosen.thread, step);
}

}  // namespace kesim::explore
