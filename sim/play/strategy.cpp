// sim/play/strategy.cpp — picks from a prefix, then from a person; the default after quit.
#include "sim/play/strategy.hpp"

#include <algorithm>

namespace kesim::play {

std::uint32_t default_pick(std::span<engine::Task* const> c, int current, std::uint32_t executing) {
  if (current >= 0) return static_cast<std::uint32_t>(current);
  std::uint32_t best = 0;
  for (std::uint32_t i = 1; i < executing; ++i)
    if (c[i]->exec_stamp < c[best]->exec_stamp) best = i;
  return best;
}

namespace {

// Which running thread a quantum-end candidate preempts. The engine lists, after the
// Executing tasks and in their CPU order, one candidate per CPU whose running task is
// preemptible, has passed at least two scheduling points since it was dispatched, and has a
// ready task of the same priority that may run there (Engine::choose_with_quantum_ends). A
// ready task of higher priority would have preempted already, so the running task that the
// k-th such candidate belongs to is the next Executing task, in order, that meets these
// conditions for it: walk both lists together.
void name_preempted(std::span<engine::Task* const> c, std::uint32_t executing, std::vector<Choice>& out) {
  std::uint32_t cursor = 0;
  for (std::uint32_t i = executing; i < c.size(); ++i) {
    const engine::Task& r = *c[i];
    while (cursor < executing) {
      const engine::Task& t = *c[cursor++];
      if (t.preemptible && t.points_since_dispatch >= 2 && t.priority == r.priority &&
          ((r.affinity >> t.cpu) & 1)) {
        out[i].preempted = static_cast<const ke::KTHREAD*>(&t);
        break;
      }
    }
  }
}

}  // namespace

std::size_t PlayStrategy::choose(std::span<engine::Task* const> c, int current) {
  const std::size_t pick = choose_pick(c, current);
  taken_.push_back(static_cast<std::uint32_t>(pick));
  return pick;
}

void PlayStrategy::count_point() {
  ++points_;
  if (engine_) {
    const std::uint64_t now = engine_->steps();
    since_last_ = now - std::min(now, last_steps_);
    last_steps_ = now;
  }
}

template <class Fill>
std::uint32_t PlayStrategy::ask(std::uint32_t n, std::uint32_t dflt, Fill fill) {
  const std::size_t k = points_ - 1;
  defaults_.push_back(dflt);
  // The same rule as explore::PrefixStrategy: a prefix pick out of range falls back to the
  // default (it cannot happen with picks the person made on this scenario).
  if (k < replay_) return picks_[k] < n ? picks_[k] : dflt;
  if (quit_ || undo_ || !sink_) return dflt;
  choices_.assign(n, Choice{});
  fill();
  const Decision d = sink_->decide(choices_, dflt);
  switch (d.kind) {
    case Decision::pick:
      picks_.push_back(d.index < n ? d.index : dflt);
      return picks_.back();
    case Decision::undo:
      // The machine is thrown away: stop it as soon as possible (the pick below runs at most
      // one more operation, whose effects nobody sees).
      undo_ = true;
      if (engine_) engine_->request_stop();
      return dflt;
    case Decision::quit:
      quit_ = true;
      return dflt;
  }
  return dflt;
}

std::size_t PlayStrategy::choose_pick(std::span<engine::Task* const> c, int current) {
  count_point();
  const auto n = static_cast<std::uint32_t>(c.size());
  std::uint32_t executing = 0;
  while (executing < n && c[executing]->state == engine::TaskState::Running) ++executing;
  const std::uint32_t dflt = default_pick(c, current, executing);
  return ask(n, dflt, [&] {
    for (std::uint32_t i = 0; i < n; ++i) {
      choices_[i].who = static_cast<const ke::KTHREAD*>(c[i]);
      if (i >= executing) choices_[i].kind = Choice::quantum_end;
    }
    name_preempted(c, executing, choices_);
  });
}

// Which event is which: the engine's due events in the order it offers them (posting order).
std::size_t PlayStrategy::choose_instant(std::size_t events, bool tasks) {
  count_point();
  const auto n = static_cast<std::uint32_t>(events + (tasks ? 1 : 0));
  const std::uint32_t pick = ask(n, 0, [&] {  // 0: queue order, kesim's default
    const auto due = engine_ ? engine_->instant_events() : std::span<const engine::Engine::DueEvent>{};
    for (std::uint32_t i = 0; i < events; ++i) {
      Choice& ch = choices_[i];
      ch.kind = Choice::event;
      if (i >= due.size()) {
        ch.text = "an event due now fires";
        continue;
      }
      const std::int32_t worker = engine_->work_end_task(due[i]);
      if (worker >= 0) {
        ch.who = static_cast<const ke::KTHREAD*>(engine_->tasks()[static_cast<std::size_t>(worker)]);
        // Work preempted or interrupted since leaves an event that does nothing when it fires
        // (engine WorkDone: its generation no longer matches).
        const bool current = ch.who->work_gen == due[i].b && ch.who->state == engine::TaskState::Running &&
                             ch.who->activity == engine::Activity::Working;
        ch.text = current
                      ? ch.who->name + "'s work ends (it goes on with its next step)"
                      : ch.who->name + "'s earlier work end, no longer current (nothing happens)";
      } else {
        ch.text = due[i].handler->describe(due[i].a, due[i].b);
        if (ch.text.empty()) ch.text = "an event due now fires";
      }
    }
    if (tasks) choices_[events].kind = Choice::threads_first;
  });
  taken_.push_back(pick);
  return pick;
}

std::size_t PlayStrategy::choose_duration(std::size_t options) {
  count_point();
  const auto n = static_cast<std::uint32_t>(options);
  const std::uint32_t pick = ask(n, 0, [&] {  // 0: as written
    const engine::Engine::Variation v = engine_ ? engine_->variation() : engine::Engine::Variation{};
    const auto* who = engine_ ? static_cast<const ke::KTHREAD*>(engine_->current()) : nullptr;
    for (std::uint32_t i = 0; i < n; ++i) {
      choices_[i].kind = Choice::duration;
      choices_[i].who = who;
      choices_[i].takes = i == 1 ? v.nominal - std::min(v.tolerance, v.nominal)
                           : i == 2 ? engine::sat_add(v.nominal, v.tolerance) : v.nominal;
    }
  });
  taken_.push_back(pick);
  return pick;
}

std::vector<std::uint32_t> PlayStrategy::token_picks() const {
  std::size_t n = taken_.size();
  while (n > 0 && taken_[n - 1] == defaults_[n - 1]) --n;
  return {taken_.begin(), taken_.begin() + static_cast<std::ptrdiff_t>(n)};
}

}  // namespace kesim::play
