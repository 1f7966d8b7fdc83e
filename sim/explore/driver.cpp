// sim/explore/driver.cpp — tokens → strategies, and the exploration loop: one search or a
// portfolio of them in rounds, a schedule cap and a wall-clock budget, then shrinking.
#include "sim/explore/driver.hpp"

#include <fmt/format.h>

#include <cmath>

#include "sim/explore/dpor.hpp"
#include "sim/explore/pct.hpp"
#include "sim/explore/pos.hpp"
#include "sim/explore/search.hpp"

namespace kesim::explore {

std::optional<Schedule> make_schedule(const std::string& token) {
  Schedule s;
  if (token.empty()) return s;
  if (auto d = parse_dpor_token(token)) {
    auto strategy = std::make_unique<PrefixStrategy>(std::move(d->prefix), std::move(d->sleep));
    s.prefix = strategy.get();
    s.strategy = std::move(strategy);
    return s;
  }
  if (token.rfind(kRecordPrefix, 0) == 0) {
    // "rec:TOKEN": TOKEN's schedule, with every choice point recorded (shrinking).
    auto inner = make_schedule(token.substr(std::string_view(kRecordPrefix).size()));
    if (!inner || inner->prefix) return inner;  // a dfs token records already
    std::unique_ptr<engine::Strategy> after = std::move(inner->strategy);
    if (!after) after = std::make_unique<engine::RandomStrategy>(inner->seed.value_or(0));
    auto strategy = std::make_unique<PrefixStrategy>(std::vector<std::uint32_t>{}, std::move(after));
    s.seed = inner->seed;
    s.prefix = strategy.get();
    s.strategy = std::move(strategy);
    return s;
  }
  if (auto prefix = parse_dfs_token(token)) {
    auto strategy = std::make_unique<PrefixStrategy>(std::move(*prefix));
    s.prefix = strategy.get();
    s.strategy = std::move(strategy);
    return s;
  }
  const auto t = parse_token(token);
  if (!t) return std::nullopt;
  if (t->strategy == "seed") s.seed = t->seed;
  else if (t->strategy == "pos") s.strategy = std::make_unique<PosStrategy>(t->seed);
  else s.strategy = std::make_unique<PctStrategy>(t->seed, t->depth, t->steps);
  return s;
}

Shrunk shrink_dfs(const std::string& token, const ScheduleRun& failing, const RunSchedule& run,
                  std::chrono::milliseconds budget, int* runs) {
  Shrunk out{token, failing.steps};
  auto prefix = parse_dfs_token(token);
  if (!prefix) return out;
  const auto start = std::chrono::steady_clock::now();
  std::vector<ChoicePoint> points = failing.choices;
  std::erase_if(points, [](const ChoicePoint& p) { return p.forced; });  // dpor's, not choices
  for (std::size_t i = 0; i < prefix->size() && i < points.size(); ++i) {
    if ((*prefix)[i] == points[i].dflt) continue;
    if (std::chrono::steady_clock::now() - start >= budget) break;
    std::vector<std::uint32_t> candidate = *prefix;
    candidate[i] = points[i].dflt;
    const ScheduleRun r = run(dfs_token(candidate));
    if (runs) ++*runs;
    if (!r.failed) continue;
    *prefix = std::move(candidate);
    points = r.choices;
    out.steps = r.steps;
  }
  if (prefix->size() > points.size()) prefix->resize(points.size());  // past the last choice point
  // Picks past the last non-default one change nothing: the default follows the prefix.
  while (!prefix->empty() && prefix->size() <= points.size() &&
         prefix->back() == points[prefix->size() - 1].dflt)
    prefix->pop_back();
  out.token = dfs_token(*prefix);
  return out;
}

double pct_miss_probability(int runs, int depth, std::uint64_t threads, std::uint64_t k) {
  // Burckhardt et al. 2010, Theorem 1: one run finds a bug of depth d with probability at least
  // 1 / (n k^(d-1)); independent runs all miss it with probability at most (1 - that)^runs.
  const double per_run = 1.0 / (static_cast<double>(std::max<std::uint64_t>(threads, 1)) *
                                std::pow(static_cast<double>(std::max<std::uint64_t>(k, 1)), depth - 1));
  return std::pow(1.0 - per_run, runs);
}

std::string validate(const ExploreConfig& c) {
  const std::string& s = c.strategy;
  if (s != "random" && s != "pct" && s != "pos" && s != "dfs" && s != "dpor" && s != "portfolio")
    return fmt::format("unknown strategy '{}' (expected {})", s, kStrategies);
  if (c.runs < 1) return "--runs must be at least 1";
  if (c.preemption_bound && s != "dfs" && s != "pct")
    return fmt::format("--preemption-bound applies to dfs (the bound) and pct (depth - 1), not to {}", s);
  if (c.delay_bound && s != "dfs") return fmt::format("--delay-bound applies to dfs only, not to {}", s);
  if (c.delay_bound && c.preemption_bound) return "--delay-bound and --preemption-bound exclude each other";
  if (c.seed && (s == "dfs" || s == "dpor"))
    return fmt::format("--seed does not apply to {} (it draws nothing at random)", s);
  if (c.shard.count < 1 || c.shard.index < 0 || c.shard.index >= c.shard.count)
    return "--shard is I/N with 1 <= I <= N";
  if (c.shard.count > 1 && s == "dpor")
    return "--shard does not split dpor (its backtrack sets are not known in advance); use dfs";
  return {};
}

namespace {

using Clock = std::chrono::steady_clock;

struct Loop {
  const ExploreConfig& config;
  const RunSchedule& run;
  Clock::time_point start = Clock::now();
  Exploration out;
  ScheduleRun last;  // the last run (the failing one, when found)
  std::string running = config.strategy;  // the search whose schedules run now (progress)
  std::uint64_t best_steps = 0;                 // found: the smallest failing schedule's steps

  // Every schedule goes through here, shrinking included, so the progress hook sees them all.
  ScheduleRun run_one(const std::string& token) {
    ScheduleRun r = run(token);
    if (config.progress) {
      if (r.failed && (best_steps == 0 || r.steps < best_steps)) best_steps = r.steps;
      Progress p;
      p.runs = out.runs + out.shrink_runs + 1;
      p.strategy = running;
      p.found = best_steps != 0 || out.found || r.failed;
      p.best_steps = best_steps;
      config.progress(p);
    }
    return r;
  }

  int cap = 0;  // schedules this exploration (or shard) may run

  bool out_of_budget() const {
    if (out.runs >= cap) return true;
    return config.budget && Clock::now() - start >= *config.budget;
  }
  // Runs one schedule of `search`; true when exploration must stop (found or error).
  bool step(Search& search, const std::string& token) {
    if (config.progress) running = search.name();
    const bool probe = search.probing();  // another shard's schedule: run, not counted
    const ScheduleRun r = run_one(token);
    if (!probe) ++out.runs;
    search.record(r);
    last = r;
    if (!r.failed && !r.error) return false;
    out.found = r.failed;
    out.error = r.error;
    out.token = search.report_token(token, r);
    out.strategy = search.name();
    return true;
  }
  // Runs up to `batch` schedules of `search` (all it has when batch is 0).
  bool batch(Search& search, int batch) {
    for (int i = 0; batch == 0 || i < batch; ++i) {
      if (out_of_budget()) return false;
      const auto token = search.next();
      if (!token) return false;
      if (step(search, *token)) return true;
    }
    return false;
  }
};

void shrink(Loop& loop) {
  loop.out.from_steps = loop.out.to_steps = loop.last.steps;
  if (!loop.config.shrink) return;
  const std::string found = loop.out.token;
  const RunSchedule run = [&loop](const std::string& token) { return loop.run_one(token); };
  if (!parse_dfs_token(loop.out.token)) {
    // A schedule of random, PCT or POS: run it once more recording its picks; as a dfs prefix
    // it is the same schedule, which shrink_dfs can then cut down.
    const ScheduleRun recorded = run(std::string(kRecordPrefix) + loop.out.token);
    ++loop.out.shrink_runs;
    if (!recorded.failed || recorded.choices.empty()) return;
    std::vector<std::uint32_t> picks;
    for (const ChoicePoint& p : recorded.choices) picks.push_back(p.pick);
    loop.last = recorded;
    loop.out.token = dfs_token(picks);
  }
  const Shrunk s = shrink_dfs(loop.out.token, loop.last, run, loop.config.shrink_budget, &loop.out.shrink_runs);
  loop.out.shrunk = s.token != found;
  loop.out.token = s.token;
  loop.out.to_steps = s.steps;
}

// PCT over the probe run (the last one): its choice points are k, its threads n.
std::unique_ptr<Search> probe_pct(const Loop& loop, int depth, std::uint64_t seed) {
  return make_pct_search(depth, loop.last.choices.size(), loop.last.threads, seed, loop.config.shard);
}

// A shard's part of `runs` schedules: every count-th of them, the first at its index.
int shard_cap(int runs, const Shard& shard) {
  if (shard.count <= 1) return runs;
  return std::max(0, (runs - shard.index + shard.count - 1) / shard.count);
}

}  // namespace

Exploration explore_schedules(const ExploreConfig& config, const RunSchedule& run) {
  Loop loop{config, run};
  loop.cap = shard_cap(config.runs, config.shard);
  loop.out.strategy = config.strategy;
  const std::string& s = config.strategy;
  const std::uint64_t first_seed = config.seed.value_or(0) + 1;
  const BoundKind kind = config.delay_bound ? BoundKind::delays : BoundKind::preemptions;
  const std::optional<int> bound = config.delay_bound ? config.delay_bound : config.preemption_bound;
  std::vector<std::unique_ptr<Search>> searches;
  std::string verdict;
  bool stopped = false;
  if (s == "random" || s == "pos") {
    searches.push_back(make_seed_search(s == "random" ? "seed" : "pos", first_seed, config.shard));
    stopped = loop.batch(*searches[0], 0);
  } else if (s == "dpor") {
    searches.push_back(make_dpor_search());
    stopped = loop.batch(*searches[0], 0);
  } else if (s == "dfs") {
    searches.push_back(make_dfs_search(bound, kind, config.iterative_cap, config.shard));
    stopped = loop.batch(*searches[0], 0);
  } else {
    // pct and portfolio start with the default schedule (dfs's first), whose choice points
    // are PCT's k and whose threads are PCT's n.
    auto dfs = make_dfs_search(std::nullopt, BoundKind::preemptions, config.iterative_cap, config.shard);
    const auto first = dfs->next();
    stopped = loop.step(*dfs, *first);
    if (!stopped && s == "pct") {
      searches.push_back(probe_pct(loop, config.depth, first_seed));
      stopped = loop.batch(*searches[0], 0);
    } else if (!stopped) {
      searches.push_back(make_seed_search("seed", first_seed, config.shard));
      searches.push_back(probe_pct(loop, 2, first_seed));
      searches.push_back(probe_pct(loop, 3, first_seed));
      searches.push_back(std::move(dfs));
      // Rounds: a few schedules of each in turn, so shallow bugs are met by random and PCT
      // early and dfs keeps widening its bound; a dfs that covers the whole tree ends it.
      while (!stopped && !loop.out_of_budget() && !searches.back()->complete()) {
        for (auto& search : searches) {
          if ((stopped = loop.batch(*search, 8))) break;
          if (search->complete()) break;
        }
      }
    }
  }
  if (loop.out.found) shrink(loop);
  for (const auto& search : searches) loop.out.tallies.push_back(search->tally());
  if (!loop.out.found && !loop.out.error) {
    for (const auto& search : searches) {
      loop.out.exhausted = loop.out.exhausted || search->exhausted();
      if (!verdict.empty()) verdict += "; ";
      verdict += search->verdict();
    }
    if (s == "portfolio") verdict = fmt::format("portfolio, {} schedules: {}", loop.out.runs, verdict);
    loop.out.verdict = verdict;
  }
  loop.out.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - loop.start).count();
  return std::move(loop.out);
}

Exploration explore_schedules(const std::string& strategy, int runs, int bound, const RunSchedule& run) {
  ExploreConfig c;
  c.strategy = strategy;
  c.runs = runs;
  if (strategy == "dfs") c.preemption_bound = bound;
  if (strategy == "pct") c.depth = bound + 1;
  return explore_schedules(c, run);
}

}  // namespace kesim::explore
