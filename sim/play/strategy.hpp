// sim/play/strategy.hpp — the scheduling strategy of `kesim play`: a person makes the choices.
// It replays a prefix of picks (what the person chose before an `undo`, on a fresh machine),
// then asks a ChoiceSink at every further choice point. After `quit` it follows kesim's
// default policy, exactly as explore::PrefixStrategy does after its prefix, so the token
// "dfs:P0.P1…" of the picks replays the very same run (tests/play: same trace hash).
//
// The choice set is the engine's (engine.hpp, Strategy::quantum_ends): the Executing tasks in
// CPU order, then one quantum end per CPU whose running task may be preempted in favour of a
// ready task of the same priority. A choice point only exists where there are two or more.
// Time is a choice too (Strategy::choose_instant): when several events are due at one instant
// (a timer, a wait's timeout, an I/O completion, the end of a `work`), the person picks which
// fires first, each worded by the layer that posted it, in the engine's order (the events in
// posting order, then "the threads run first"), so a typed number is always the token's pick
// plus one. With jitter on (machine.jitter, --jitter) the person also picks how long a varied
// duration takes (Strategy::choose_duration).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/ke/objects.hpp"

namespace kesim::play {

// One numbered choice as the person sees it.
struct Choice {
  enum Kind : std::uint8_t {
    thread,         // `who` runs its next step
    quantum_end,    // `preempted`'s quantum ends, `who` is dispatched
    event,          // a same-instant event fires first: `text` says which
    threads_first,  // the threads that can execute now go before the events still due
    duration,       // a varied duration (jitter): it takes `takes`
  } kind = thread;
  const ke::KTHREAD* who = nullptr;        // thread, quantum_end; duration: whose duration
  const ke::KTHREAD* preempted = nullptr;  // quantum_end: the thread whose quantum ends
  std::string text;                        // event: in the person's words
  engine::Time takes = 0;                  // duration: how long it would take
};

struct Decision {
  enum Kind : std::uint8_t { pick, undo, quit } kind = pick;
  std::uint32_t index = 0;  // pick: an index into the choices
};

// Where the person's decisions come from (a terminal, a script, a test).
class ChoiceSink {
 public:
  virtual ~ChoiceSink() = default;
  // A choice point after the replayed prefix: `choices` has at least two entries, `dflt` is
  // what kesim would run by itself. Called on a simulated thread's fiber or the engine's loop,
  // with the machine stopped at that point (views may be rendered). Must return a valid index
  // for `pick`.
  virtual Decision decide(std::span<const Choice> choices, std::uint32_t dflt) = 0;
};

class PlayStrategy final : public engine::Strategy {
 public:
  PlayStrategy(std::vector<std::uint32_t> prefix, ChoiceSink* sink)
      : picks_(std::move(prefix)), replay_(picks_.size()), sink_(sink) {}
  // The engine to stop when the person undoes (set once the machine exists).
  void attach(engine::Engine& e) { engine_ = &e; }

  std::size_t choose(std::span<engine::Task* const> c, int current) override;
  bool quantum_ends() const override { return true; }
  // Events due at the same instant are a choice point too (as under exploration), so tokens
  // and replay agree; the person is asked which fires first.
  bool instants() const override { return true; }
  std::size_t choose_instant(std::size_t events, bool tasks) override;
  // Jitter: how long a varied duration takes (0 as written, 1 shorter, 2 longer).
  std::size_t choose_duration(std::size_t options) override;

  // The picks made so far: the replayed prefix, then each decision (not the default picks
  // taken after a quit, which the token leaves to the default policy as well).
  const std::vector<std::uint32_t>& picks() const { return picks_; }
  // What ran at each choice point met, without the trailing picks that equal kesim's default:
  // what a token needs, since a dfs token follows the default after its prefix.
  std::vector<std::uint32_t> token_picks() const;
  bool undo_requested() const { return undo_; }
  bool quit() const { return quit_; }
  // Choice points met so far in this run (replayed ones included).
  std::size_t points() const { return points_; }
  // Scheduling points passed since the previous choice point (or the start), this one
  // included: those in between had a single choice and ran by themselves.
  std::uint64_t points_since_last() const { return since_last_; }

 private:
  std::size_t choose_pick(std::span<engine::Task* const> c, int current);
  // A choice point whose choices_ are filled in (or are filled in by `fill` once the person is
  // to be asked): replays the prefix's pick, or asks; returns the pick and records it.
  template <class Fill>
  std::uint32_t ask(std::uint32_t n, std::uint32_t dflt, Fill fill);
  void count_point();

  std::vector<std::uint32_t> picks_;
  std::vector<std::uint32_t> taken_;     // what ran at each choice point met
  std::vector<std::uint32_t> defaults_;  // kesim's default there
  std::size_t replay_;  // picks_[0, replay_) are replayed without asking
  ChoiceSink* sink_;
  engine::Engine* engine_ = nullptr;
  std::vector<Choice> choices_;  // reused: no allocation once it has grown
  std::size_t points_ = 0;
  std::uint64_t last_steps_ = 0, since_last_ = 0;
  bool undo_ = false;
  bool quit_ = false;
};

// kesim's default pick (engine::StickyStrategy, explore::PrefixStrategy): keep the current
// task, else the one executing longest. `executing` counts the candidates on a CPU.
std::uint32_t default_pick(std::span<engine::Task* const> c, int current, std::uint32_t executing);

}  // namespace kesim::play
