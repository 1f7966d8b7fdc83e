// sim/explore/dfs.hpp — bounded depth-first schedule exploration (CHESS-style preemption
// bounding). A schedule is the sequence of picks at the scheduling points where more than one
// task could run. PrefixStrategy replays a prefix of picks, then follows kesim's default policy
// (keep the current task, else the one ready longest) and records every choice point it met;
// next_dfs_prefix() turns one run's record into the next schedule to try, in DFS order,
// skipping schedules with more than `bound` preemptions (switching away from a task that could
// have continued) — or, with delay bounding (Emmi, Qadeer, Rakamarić, POPL 2011), more than
// `bound` delays (a pick costs its rank among the alternatives after the default one). Picks
// after the prefix follow the default, which is never a preemption or a delay, so a schedule's
// cost is its prefix's. Token: "dfs:P0.P1.P2…" (the prefix of picks).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/explore/footprint.hpp"

namespace kesim::explore {

inline constexpr std::size_t kDporCandidates = 16;  // candidates whose task a point records

struct ChoicePoint {
  std::uint32_t n = 0;        // candidates
  std::int32_t current = -1;  // index of the task that was running, -1 if none could continue
  std::uint32_t pick = 0;     // what ran
  std::uint32_t dflt = 0;     // what the default policy would have picked
  std::uint32_t executing = 0;  // candidates [0, executing) run on a CPU; the rest are quantum ends
  // dpor only (a PrefixStrategy made by a "dpor:" token): the task of each executing candidate
  // (the first kDporCandidates; -1 beyond them), kQuantumEndCandidate for a quantum end (the same
  // ready task may end either CPU's quantum: no stable identity, so dpor always explores them);
  // the task that ran (-1 at an instant); what the transition from here to the next point touched.
  static constexpr std::int32_t kQuantumEndCandidate = -2;
  std::array<std::int32_t, kDporCandidates> task{};
  std::int32_t picked_task = -1;
  Footprint fp;
  // Time as a choice (engine::Strategy::choose_instant): candidates [0, n) are the events due
  // at this instant in posting order, then, if tasks could run first, "the tasks first". The
  // default is 0 (queue order); any other pick counts as a preemption.
  bool instant = false;
  // dpor only: not a choice but a switch to the only task that could run (the previous one
  // blocked or ended); it starts a new transition, of that task. No token counts it.
  bool forced = false;
};

enum class BoundKind { preemptions, delays };

class PrefixStrategy final : public engine::Strategy, private engine::AccessSink {
 public:
  explicit PrefixStrategy(std::vector<std::uint32_t> prefix) : prefix_(std::move(prefix)) {
    points_.reserve(kPointsReserved);  // a run's choice points, recorded without allocating
  }
  // Past the prefix, `after` picks instead of the default policy: the run of any strategy,
  // recorded as choice points (a found random/PCT/POS schedule becomes a dfs prefix to shrink).
  // `after` must offer quantum ends too, so the candidates are the same with and without this.
  PrefixStrategy(std::vector<std::uint32_t> prefix, std::unique_ptr<engine::Strategy> after)
      : prefix_(std::move(prefix)), after_(std::move(after)) {
    points_.reserve(kPointsReserved);
  }
  // dpor: also record every point's footprint; `sleep` is the sleep set at the last point of
  // the prefix; after the prefix, pick the default unless its task sleeps (then the first
  // candidate that does not), tracking the sleep set as transitions run (sim/explore/dpor.hpp).
  PrefixStrategy(std::vector<std::uint32_t> prefix, std::vector<SleepEntry> sleep)
      : prefix_(std::move(prefix)), sleep_(std::move(sleep)), dpor_(true) {
    points_.reserve(kPointsReserved);
  }
  static constexpr std::size_t kPointsReserved = 1024;
  std::size_t choose(std::span<engine::Task* const> candidates, int current) override;
  bool quantum_ends() const override { return true; }
  // Always: a dfs token replays with same-instant choice points, so a recording must meet the
  // same points; where `after` does not choose instants (PCT, POS) the queue order is taken,
  // pick 0, which is what the engine does when it offers no choice.
  bool instants() const override { return true; }
  std::size_t choose_instant(std::size_t events, bool tasks) override;
  // Jitter (engine::Engine::vary): recorded like an instant — a point of `options` picks whose
  // default is 0 (the nominal duration), any other pick counting as a preemption, and no
  // thread's (dpor explores every alternative).
  std::size_t choose_duration(std::size_t options) override;
  engine::AccessSink* access_sink() override { return dpor_ ? this : nullptr; }
  void on_yield(const engine::Task& t) override {
    if (after_) after_->on_yield(t);
  }
  const std::vector<ChoicePoint>& points() const { return points_; }
  // 1 + the highest task index seen among the candidates (the threads that took part in a choice).
  std::uint32_t tasks_seen() const { return tasks_seen_; }

 private:
  void on_access(std::uint32_t object, bool write) override {
    if (!points_.empty()) points_.back().fp.add(object, write);
  }
  void on_task(std::int32_t index) override {
    if (!points_.empty()) points_.back().fp.add_task(index);
  }
  void on_switch(std::int32_t index) override;
  std::uint32_t dpor_pick(const ChoicePoint& p);
  void wake_sleepers();
  // A point of time as a choice (an instant or a duration): `chosen` is what `after` picks.
  template <class After>
  std::size_t timing_point(std::uint32_t n, After chosen);

  std::vector<std::uint32_t> prefix_;
  std::unique_ptr<engine::Strategy> after_;
  std::vector<ChoicePoint> points_;
  std::uint32_t tasks_seen_ = 0;
  std::vector<SleepEntry> sleep_;
  bool dpor_ = false;
  std::size_t choices_ = 0;
  bool tracking_ = false;       // the sleep set is tracked (from the prefix's last point on)     // points that are choices (not forced): the prefix's index
  bool sleep_blocked_ = false;  // every candidate slept once: the rest is not tracked
};

// The next prefix after a run that recorded `run`, or nullopt when the bounded tree is done.
// `floor`: the picks before it are fixed (a subtree's root, for sharding): only points at
// index >= floor change.
std::optional<std::vector<std::uint32_t>> next_dfs_prefix(const std::vector<ChoicePoint>& run,
                                                          int bound,
                                                          BoundKind kind = BoundKind::preemptions,
                                                          std::size_t floor = 0);
// The cost of picking `pick` at point `p` (a preemption, or its delay rank).
int pick_cost(const ChoicePoint& p, std::uint32_t pick, BoundKind kind);
// The cost of one schedule (its recorded choice points) under `kind`.
int schedule_cost(const std::vector<ChoicePoint>& run, BoundKind kind);

std::string dfs_token(const std::vector<std::uint32_t>& prefix);
std::optional<std::vector<std::uint32_t>> parse_dfs_token(const std::string& token);

}  // namespace kesim::explore
