#include "sim/explore/dpor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace kesim::explore {

// ---- tokens ---------------------------------------------------------------------------------

std::string encode_footprint(const Footprint& f) {
  const unsigned flags = (f.global_read ? 1u : 0u) | (f.global_write ? 2u : 0u) | (f.all_words ? 4u : 0u) |
                         (f.dispatcher_read ? 8u : 0u) | (f.dispatcher_write ? 16u : 0u) |
                         (f.all_objects ? 32u : 0u);
  return fmt::format("{:x}-{:x}-{:x}-{:x}-{:x}-{:x}-{:x}-{:x}-{:x}-{:x}", f.tasks, f.reads[0], f.reads[1],
                     f.writes[0], f.writes[1], f.object_reads[0], f.object_reads[1], f.object_writes[0],
                     f.object_writes[1], flags);
}

namespace {
bool parse_hex(std::string_view s, std::uint64_t& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size() && !s.empty();
}
// Splits s at `sep` (an empty s gives no parts).
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  if (s.empty()) return out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t end = s.find(sep, pos);
    out.push_back(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) return out;
    pos = end + 1;
  }
}
}  // namespace

bool decode_footprint(const std::string& s, Footprint& f) {
  const auto parts = split(s, '-');
  constexpr std::size_t kFields = 10;
  if (parts.size() != kFields) return false;
  std::uint64_t v[kFields];
  for (std::size_t i = 0; i < kFields; ++i)
    if (!parse_hex(parts[i], v[i])) return false;
  if (v[9] >= 64) return false;
  f.tasks = v[0];
  f.reads = {v[1], v[2]};
  f.writes = {v[3], v[4]};
  f.object_reads = {v[5], v[6]};
  f.object_writes = {v[7], v[8]};
  f.global_read = v[9] & 1;
  f.global_write = v[9] & 2;
  f.all_words = v[9] & 4;
  f.dispatcher_read = v[9] & 8;
  f.dispatcher_write = v[9] & 16;
  f.all_objects = v[9] & 32;
  return true;
}

std::string dpor_token(const DporToken& t) {
  std::string s = "dpor:";
  for (std::size_t i = 0; i < t.prefix.size(); ++i) {
    if (i) s += '.';
    s += std::to_string(t.prefix[i]);
  }
  s += '~';
  for (std::size_t i = 0; i < t.sleep.size(); ++i) {
    if (i) s += ',';
    s += fmt::format("{}:{}", t.sleep[i].task, encode_footprint(t.sleep[i].fp));
  }
  return s;
}

std::optional<DporToken> parse_dpor_token(const std::string& token) {
  if (token.rfind("dpor:", 0) != 0) return std::nullopt;
  const std::string_view body = std::string_view(token).substr(5);
  const std::size_t tilde = body.find('~');
  if (tilde == std::string_view::npos) return std::nullopt;
  DporToken t;
  for (std::string_view p : split(body.substr(0, tilde), '.')) {
    std::uint32_t v = 0;
    const auto r = std::from_chars(p.data(), p.data() + p.size(), v);
    if (r.ec != std::errc{} || r.ptr != p.data() + p.size() || p.empty()) return std::nullopt;
    t.prefix.push_back(v);
  }
  for (std::string_view e : split(body.substr(tilde + 1), ',')) {
    const std::size_t colon = e.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    SleepEntry s;
    const auto r = std::from_chars(e.data(), e.data() + colon, s.task);
    if (r.ec != std::errc{} || r.ptr != e.data() + colon) return std::nullopt;
    if (!decode_footprint(std::string(e.substr(colon + 1)), s.fp)) return std::nullopt;
    t.sleep.push_back(s);
  }
  return t;
}

// ---- the search -----------------------------------------------------------------------------

namespace {

std::int32_t task_of(const ChoicePoint& p, std::uint32_t i) { return i < kDporCandidates ? p.task[i] : -1; }

bool sleeps(const std::vector<SleepEntry>& s, std::int32_t task) {
  if (task < 0) return false;
  return std::any_of(s.begin(), s.end(), [&](const SleepEntry& e) { return e.task == task; });
}

std::vector<SleepEntry> after(std::vector<SleepEntry> s, const Footprint& ran) {
  std::erase_if(s, [&](const SleepEntry& e) { return dependent(e.fp, ran); });
  return s;
}

class DporSearch final : public Search {
 public:
  std::optional<std::string> next() override { return pending_; }

  void record(const ScheduleRun& r) override {
    ++runs_;
    // Nodes [0, branch_) are the prefix already known; from branch_ on the run is new.
    stack_.resize(std::min(stack_.size(), branch_));
    for (std::size_t i = branch_; i < r.choices.size(); ++i) {
      const ChoicePoint& p = r.choices[i];
      if (i == branch_ && i < first_new_) {
        // The branched point: same candidates, a new pick.
        stack_.push_back(branched_);
        stack_.back().cp = p;
      } else {
        Node n;
        n.cp = p;
        if (i > 0) {
          const Node& up = stack_[i - 1];
          std::vector<SleepEntry> s = up.sleep;
          s.insert(s.end(), up.explored_fp.begin(), up.explored_fp.end());
          n.sleep = after(std::move(s), up.cp.fp);
        }
        // Every candidate asleep: the run repeats covered ground from here (it picked the default).
        bool all_asleep = !p.forced && !p.instant;
        for (std::uint32_t c = 0; c < p.n && all_asleep; ++c) all_asleep = sleeps(n.sleep, task_of(p, c));
        if (all_asleep && !n.sleep.empty()) {
          ++blocked_;
          break;
        }
        // An instant (time as a choice) is no task's transition: every order is explored; so
        // is every quantum end (which CPU's quantum a ready task ends is not a stable identity).
        n.backtrack.assign(p.n, p.instant ? 1 : 0);
        for (std::uint32_t c = p.executing; c < p.n; ++c) n.backtrack[c] = 1;
        n.explored.assign(p.n, 0);
        n.backtrack[p.pick] = 1;
        stack_.push_back(std::move(n));
      }
    }
    analyse_races();
    advance();
  }

  std::string name() const override { return "dpor"; }
  bool exhausted() const override { return !pending_; }
  bool complete() const override { return !pending_; }
  std::string verdict() const override {
    if (pending_) return fmt::format("dpor: {} schedules, not exhaustive", runs_);
    std::string s = fmt::format("exhaustive: {} schedules", runs_);
    if (blocked_) s += fmt::format(" (dpor; {} of them sleep-set blocked)", blocked_);
    return s;
  }
  SearchTally tally() const override {
    SearchTally t;
    t.name = "dpor";
    t.runs = runs_;
    t.complete = !pending_;
    return t;
  }
  std::string report_token(const std::string&, const ScheduleRun& r) const override {
    std::vector<std::uint32_t> picks;
    picks.reserve(r.choices.size());
    for (const ChoicePoint& p : r.choices)
      if (!p.forced) picks.push_back(p.pick);
    return dfs_token(picks);
  }

 private:
  struct Node {
    ChoicePoint cp;
    std::vector<std::uint8_t> backtrack;  // per candidate: to explore here
    std::vector<std::uint8_t> explored;   // per candidate: its subtree is done
    std::vector<SleepEntry> sleep;        // inherited from the parent
    std::vector<SleepEntry> explored_fp;  // explored candidates, asleep for the next siblings
  };

  // Source-DPOR's race reversal over the last run's transitions.
  void analyse_races() {
    const std::size_t m = stack_.size();
    const std::size_t words = (m + 63) / 64;
    hb_.assign(m * words, 0);
    auto hb = [&](std::size_t j) { return hb_.data() + j * words; };
    auto in = [&](std::size_t j, std::size_t i) { return (hb(j)[i / 64] >> (i % 64)) & 1; };
    auto proc = [&](std::size_t j) { return task_of(stack_[j].cp, stack_[j].cp.pick); };
    for (std::size_t j = 0; j < m; ++j) {
      for (std::size_t i = j; i-- > 0;) {
        if (in(j, i) || !dependent(stack_[i].cp.fp, stack_[j].cp.fp)) continue;
        for (std::size_t w = 0; w < words; ++w) hb(j)[w] |= hb(i)[w];
        hb(j)[i / 64] |= std::uint64_t{1} << (i % 64);
      }
    }
    std::vector<std::size_t> v;
    for (std::size_t j = 1; j < m; ++j) {
      for (std::size_t i = 0; i < j; ++i) {
        if ((proc(i) >= 0 && proc(i) == proc(j)) || !in(j, i) || !dependent(stack_[i].cp.fp, stack_[j].cp.fp)) continue;
        // Immediate: nothing between orders i before j.
        bool immediate = true;
        for (std::size_t k = i + 1; k < j && immediate; ++k) immediate = !(in(k, i) && in(j, k));
        if (!immediate) continue;
        v.clear();
        for (std::size_t k = i + 1; k < j; ++k)
          if (!in(k, i)) v.push_back(k);
        v.push_back(j);
        reverse(i, j, v, in);
      }
    }
  }

  template <class In>
  void reverse(std::size_t i, std::size_t j, const std::vector<std::size_t>& v, const In& in) {
    Node& n = stack_[i];
    // Before a forced transition only its task could run: no other order starts there.
    if (n.cp.forced) return;
    // The initials of v: tasks whose first transition in v has no predecessor in v.
    std::vector<std::int32_t> initials;
    for (std::size_t a = 0; a < v.size(); ++a) {
      bool first = true;
      for (std::size_t b = 0; b < a && first; ++b) first = !in(v[a], v[b]);
      if (first) initials.push_back(task_of(stack_[v[a]].cp, stack_[v[a]].cp.pick));
    }
    const std::int32_t pj = stack_[j].cp.picked_task;
    const std::int32_t j_id = task_of(stack_[j].cp, stack_[j].cp.pick);
    std::optional<std::uint32_t> choice;
    for (std::uint32_t c = 0; c < n.cp.n; ++c) {
      const std::int32_t t = task_of(n.cp, c);
      if (t < 0 || std::find(initials.begin(), initials.end(), t) == initials.end()) continue;
      if (n.backtrack[c]) return;  // already there
      if (!choice || t == j_id) choice = c;
    }
    if (choice) {
      n.backtrack[*choice] = 1;
      return;
    }
    // No initial can run at i's point. If i touched j's task it enabled it: not reversible.
    if (pj >= 0 && ((n.cp.fp.tasks >> (static_cast<std::uint32_t>(pj) & 63)) & 1)) return;
    std::fill(n.backtrack.begin(), n.backtrack.end(), 1);
  }

  // The deepest point with a candidate left to explore becomes the next branch.
  void advance() {
    while (!stack_.empty()) {
      const std::size_t k = stack_.size() - 1;
      Node& n = stack_[k];
      if (!n.explored[n.cp.pick]) {
        n.explored[n.cp.pick] = 1;
        // Only a task with a stable identity can sleep (not an instant or a quantum end).
        if (const std::int32_t t = task_of(n.cp, n.cp.pick); t >= 0) n.explored_fp.push_back({t, n.cp.fp});
      }
      for (std::uint32_t c = 0; c < n.cp.n; ++c) {
        if (!n.backtrack[c] || n.explored[c] || sleeps(n.sleep, task_of(n.cp, c))) continue;
        DporToken t;
        for (std::size_t i = 0; i < k; ++i)
          if (!stack_[i].cp.forced) t.prefix.push_back(stack_[i].cp.pick);
        t.prefix.push_back(c);
        t.sleep = n.sleep;
        t.sleep.insert(t.sleep.end(), n.explored_fp.begin(), n.explored_fp.end());
        branch_ = k;
        first_new_ = k + 1;
        branched_ = n;
        stack_.pop_back();
        pending_ = dpor_token(t);
        return;
      }
      stack_.pop_back();
    }
    pending_.reset();
  }

  std::vector<Node> stack_;
  std::size_t branch_ = 0;     // the point the pending run branches at
  std::size_t first_new_ = 0;  // points from here on are new in the pending run
  Node branched_;              // the branched point's node (backtrack, explored, sleep)
  std::optional<std::string> pending_ = std::string("dpor:~");
  std::vector<std::uint64_t> hb_;
  int blocked_ = 0;
};

}  // namespace

std::unique_ptr<Search> make_dpor_search() { return std::make_unique<DporSearch>(); }

}  // namespace kesim::explore
