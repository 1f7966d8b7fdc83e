// sim/explore/counterexample.cpp — see counterexample.hpp.
#include "sim/explore/counterexample.hpp"

#include <map>

namespace kesim::explore {

namespace {

// What next_dfs_prefix and schedule_cost read of a choice point: a run kept in the cache costs
// 20 bytes a point instead of a whole ChoicePoint (dpor's task array and footprint).
struct CompactPoint {
  std::uint32_t n, pick, dflt, executing;
  std::int32_t current;
  bool instant;
};

struct Cached {
  bool failed = false, error = false;
  std::string signature;
  std::vector<CompactPoint> points;
  std::vector<ChoicePoint> expand() const {
    std::vector<ChoicePoint> out(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
      const CompactPoint& c = points[i];
      out[i].n = c.n;
      out[i].current = c.current;
      out[i].pick = c.pick;
      out[i].dflt = c.dflt;
      out[i].executing = c.executing;
      out[i].instant = c.instant;
    }
    return out;
  }
};

std::vector<ChoicePoint> choices_only(std::vector<ChoicePoint> v) {
  std::erase_if(v, [](const ChoicePoint& p) { return p.forced; });  // dpor's switches: no choice
  return v;
}

struct SubtreeCheck {
  bool all_fail = false;   // every continuation checked failed the same way
  bool known = true;       // false: the analysis ran out of runs before checking anything meaningful
  CriticalStep step;
};

class Analyzer {
 public:
  Analyzer(const Probe& failing, const RunProbe& probe, const AnalysisLimits& limits)
      : failing_(failing), probe_(probe), limits_(limits) {}

  int runs() const { return runs_; }
  bool capped() const { return capped_; }

  // Runs `token` (or recalls it: iterative bounding reruns the smaller bounds' schedules).
  const Cached& run(const std::string& token) {
    auto it = cache_.find(token);
    if (it != cache_.end()) return it->second;
    ++runs_;
    Probe p = probe_(token);
    Cached c;
    c.failed = p.failed;
    c.error = p.error;
    c.signature = std::move(p.signature);
    for (const ChoicePoint& q : choices_only(std::move(p.choices)))
      c.points.push_back({q.n, q.pick, q.dflt, q.executing, q.current, q.instant});
    return cache_.emplace(token, std::move(c)).first->second;
  }
  bool out_of_runs() {
    if (runs_ < limits_.total_cap) return false;
    capped_ = true;
    return true;
  }
  bool same_failure(const Cached& c) const { return c.failed && !c.error && c.signature == failing_.signature; }

  // Every schedule that makes the first k picks of `points`: do they all fail the same way?
  SubtreeCheck check(const std::vector<ChoicePoint>& points, std::size_t k) {
    SubtreeCheck out;
    out.step.prefix = k;
    out.step.max_preemptions = -1;
    int base = 0;
    for (std::size_t i = 0; i < k; ++i) base += pick_cost(points[i], points[i].pick, BoundKind::preemptions);
    std::vector<std::uint32_t> root;
    for (std::size_t i = 0; i < k; ++i) root.push_back(points[i].pick);
    for (int b = 0;; ++b) {
      int exact = 0;  // schedules of exactly b preemptions after the prefix: new at this bound
      std::optional<std::vector<std::uint32_t>> prefix = root;
      while (prefix) {
        if (out.step.continuations >= limits_.continuation_cap) {
          out.all_fail = true;  // a sample: every one checked fails
          return out;
        }
        const std::string token = dfs_token(*prefix);
        if (!cache_.count(token) && out_of_runs()) {
          // Nothing may be claimed from a check the run budget cut short.
          out.known = false;
          return out;
        }
        const Cached& r = run(token);
        const std::vector<ChoicePoint> choices = r.expand();
        const int cost = schedule_cost(choices, BoundKind::preemptions) - base;
        if (cost == b) {
          ++exact;
          ++out.step.continuations;
        }
        if (!same_failure(r)) {
          out.step.escape = token;
          return out;
        }
        prefix = next_dfs_prefix(choices, base + b, BoundKind::preemptions, k);
      }
      out.step.max_preemptions = b;
      if (b > 0 && exact == 0) {
        // No schedule needed all b preemptions, so none needs more (DfsSearch::end_of_tree):
        // the subtree is done.
        out.step.exhaustive = true;
        out.all_fail = true;
        return out;
      }
    }
  }

 private:
  const Probe& failing_;
  const RunProbe& probe_;
  const AnalysisLimits& limits_;
  std::map<std::string, Cached> cache_;  // token -> run (ordered: no hash-order dependence)
  int runs_ = 0;
  bool capped_ = false;
};

}  // namespace

CounterexampleAnalysis analyze_counterexample(const std::string& token, const Probe& failing, const RunProbe& probe,
                                              const AnalysisLimits& limits) {
  CounterexampleAnalysis out;
  const auto prefix = parse_dfs_token(token);
  if (!failing.failed || failing.error || !prefix) return out;
  out.failed = true;
  out.signature = failing.signature;
  const std::vector<ChoicePoint> points = choices_only(failing.choices);
  Analyzer a(failing, probe, limits);

  // 1. Each non-default choice, reverted alone.
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].pick == points[i].dflt) continue;
    ChoiceCheck c;
    c.point = i;
    if (out.choices.size() < limits.choice_cap && i < prefix->size() && !a.out_of_runs()) {
      std::vector<std::uint32_t> reverted = *prefix;
      reverted[i] = points[i].dflt;
      c.reverted_token = dfs_token(reverted);
      const Cached& r = a.run(c.reverted_token);
      c.checked = true;
      c.reverted_failed = r.failed;
      c.reverted_signature = r.signature;
      c.matters = !a.same_failure(r);
    }
    out.choices.push_back(std::move(c));
  }

  // 2. The critical step: the smallest prefix every continuation of which fails. The whole
  // run (every pick fixed) fails: that is `failing` itself.
  std::size_t lo = 0, hi = points.size();
  CriticalStep best;
  best.prefix = hi;
  best.continuations = 1;
  best.exhaustive = true;
  best.max_preemptions = 0;
  std::map<std::size_t, std::string> escapes;  // prefix -> a schedule from it that escapes
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    SubtreeCheck s = a.check(points, mid);
    if (s.known && s.all_fail) {
      hi = mid;
      best = s.step;
    } else {
      lo = mid + 1;
      if (s.step.escape) escapes[mid] = *s.step.escape;
    }
  }
  if (best.prefix > 0) {
    if (auto it = escapes.find(best.prefix - 1); it != escapes.end()) best.escape = it->second;
  }
  out.critical = best;
  out.runs = a.runs();
  out.capped = a.capped();
  return out;
}

}  // namespace kesim::explore
