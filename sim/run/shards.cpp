// sim/run/shards.cpp — see shards.hpp. The wall clock appears only as wall_ms, never in a
// decision; children are forked without exec (the library call stays a library call) and
// report through a pipe, like `kesim test`'s isolated scenarios.
#include "sim/run/shards.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>

#include "sim/explore/search.hpp"
#include "sim/run/schedule_analysis.hpp"

namespace kesim::run {

using nlohmann::json;

std::optional<explore::Shard> parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  int i = 0, n = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  const auto r1 = std::from_chars(b, b + slash, i);
  const auto r2 = std::from_chars(b + slash + 1, e, n);
  if (r1.ec != std::errc{} || r1.ptr != b + slash || r2.ec != std::errc{} || r2.ptr != e) return std::nullopt;
  if (n < 1 || n > 100000 || i < 1 || i > n) return std::nullopt;
  return explore::Shard{i - 1, n};
}

namespace {

const char* kind_name(explore::BoundKind k) { return k == explore::BoundKind::delays ? "delays" : "preemptions"; }

json tally_json(const explore::SearchTally& t) {
  return {{"name", t.name},         {"runs", t.runs},
          {"depth", t.depth},       {"threads", t.threads},
          {"k", t.k},               {"kind", kind_name(t.kind)},
          {"fixed", t.fixed},       {"bound", t.bound},
          {"first_bound", t.first_bound}, {"complete", t.complete},
          {"done_counts", t.done_counts}, {"partial", t.partial}};
}

explore::SearchTally tally_of(const json& j) {
  explore::SearchTally t;
  t.name = j.at("name").get<std::string>();
  t.runs = j.at("runs").get<int>();
  t.depth = j.at("depth").get<int>();
  t.threads = j.at("threads").get<std::uint64_t>();
  t.k = j.at("k").get<std::uint64_t>();
  t.kind = j.at("kind").get<std::string>() == "delays" ? explore::BoundKind::delays : explore::BoundKind::preemptions;
  t.fixed = j.at("fixed").get<bool>();
  t.bound = j.at("bound").get<int>();
  t.first_bound = j.at("first_bound").get<int>();
  t.complete = j.at("complete").get<bool>();
  t.done_counts = j.at("done_counts").get<std::vector<int>>();
  t.partial = j.at("partial").get<int>();
  return t;
}

bool tally_exhausted(const explore::SearchTally& t) {
  return t.name == "dfs" && (t.complete || (t.fixed && !t.done_counts.empty()));
}

}  // namespace

json exploration_json(const ExploreResult& r, const explore::ExploreConfig& c, const std::string& scenario_hash) {
  const explore::Exploration& e = r.exploration;
  const bool found = r.exit_code == kNotMet;
  json j;
  j["found"] = found;
  j["token"] = found ? json(r.token) : json(nullptr);
  j["outcome"] = found ? json(r.outcome) : json(nullptr);
  j["schedules"] = r.runs;
  j["exhausted"] = r.exhausted;
  j["strategy"] = e.strategy;
  j["shrunk"] = {{"from_steps", e.from_steps}, {"to_steps", e.to_steps}};
  j["wall_ms"] = e.wall_ms;
  j["summary"] = found ? json(r.summary) : json(nullptr);
  j["shrink_runs"] = e.shrink_runs;
  j["shrink_changed"] = e.shrunk;
  j["verdict"] = found ? json(nullptr) : json(e.verdict);
  j["scenario_hash"] = scenario_hash;
  j["configured_strategy"] = c.strategy;
  j["shard"] = fmt::format("{}/{}", c.shard.index + 1, c.shard.count);
  json tallies = json::array();
  for (const explore::SearchTally& t : e.tallies) tallies.push_back(tally_json(t));
  j["tallies"] = tallies;
  if (r.schedule) add_schedule_fields(j, *r.schedule);
  return j;
}

std::string dump_exploration(const json& j) {
  static const char* const kSection8[] = {"exhausted", "found", "outcome", "schedules", "shrunk",
                                          "strategy", "token", "wall_ms"};
  nlohmann::ordered_json o;
  for (const char* k : kSection8)
    if (j.contains(k)) o[k] = j[k];
  for (const auto& [k, v] : j.items())
    if (!o.contains(k)) o[k] = v;
  return o.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::optional<json> merge_shards(const std::vector<json>& parts, std::string* error) {
  auto fail = [&](std::string m) -> std::optional<json> {
    if (error) *error = std::move(m);
    return std::nullopt;
  };
  if (parts.empty()) return fail("nothing to merge");
  std::vector<const json*> by_index;
  int count = 0;
  try {
    for (const json& p : parts) {
      const auto shard = parse_shard(p.at("shard").get<std::string>());
      if (!shard) return fail(fmt::format("bad shard '{}'", p.at("shard").dump()));
      if (count == 0) {
        count = shard->count;
        by_index.assign(static_cast<std::size_t>(count), nullptr);
      }
      if (shard->count != count) return fail("the parts come from different shard counts");
      if (by_index[static_cast<std::size_t>(shard->index)])
        return fail(fmt::format("shard {}/{} given twice", shard->index + 1, count));
      by_index[static_cast<std::size_t>(shard->index)] = &p;
      if (p.at("scenario_hash") != parts[0].at("scenario_hash"))
        return fail("the parts explored different scenarios (or versions of one)");
      if (p.at("configured_strategy") != parts[0].at("configured_strategy"))
        return fail("the parts ran different strategies");
      if (p.at("tallies").size() != parts[0].at("tallies").size())
        return fail("the parts ran different searches");
    }
    for (int i = 0; i < count; ++i)
      if (!by_index[static_cast<std::size_t>(i)]) return fail(fmt::format("shard {}/{} is missing", i + 1, count));

    json m = *by_index[0];
    m["shard"] = "1/1";
    m["schedules"] = 0;
    m["wall_ms"] = 0;
    m["found"] = false;
    for (const json* p : by_index) {
      m["schedules"] = m["schedules"].get<int>() + p->at("schedules").get<int>();
      m["wall_ms"] = std::max(m["wall_ms"].get<std::int64_t>(), p->at("wall_ms").get<std::int64_t>());
      if (p->at("found").get<bool>() && !m["found"].get<bool>()) {
        for (const char* k : {"found", "token", "outcome", "strategy", "shrunk", "summary", "shrink_runs", "shrink_changed"}) m[k] = p->at(k);
      }
    }
    // The merged searches: each position's tallies, one per shard.
    std::vector<explore::SearchTally> merged;
    for (std::size_t s = 0; s < m["tallies"].size(); ++s) {
      std::vector<explore::SearchTally> same;
      for (const json* p : by_index) same.push_back(tally_of(p->at("tallies").at(s)));
      merged.push_back(explore::merge_tallies(same));
    }
    json tallies = json::array();
    bool exhausted = false;
    std::string verdict;
    for (const explore::SearchTally& t : merged) {
      tallies.push_back(tally_json(t));
      exhausted = exhausted || tally_exhausted(t);
      if (!verdict.empty()) verdict += "; ";
      verdict += explore::tally_verdict(t);
    }
    m["tallies"] = tallies;
    m["exhausted"] = !m["found"].get<bool>() && exhausted;
    if (m["configured_strategy"] == "portfolio")
      verdict = fmt::format("portfolio, {} schedules: {}", m["schedules"].get<int>(), verdict);
    m["verdict"] = m["found"].get<bool>() ? json(nullptr) : json(verdict);
    if (!m["found"].get<bool>()) {
      m["strategy"] = m["configured_strategy"];
      m["shrunk"] = {{"from_steps", 0}, {"to_steps", 0}};
      m["shrink_runs"] = 0;
      m["shrink_changed"] = false;
    }
    return m;
  } catch (const json::exception& e) {
    return fail(fmt::format("not an exploration result of kesim explore --format json ({})", e.what()));
  }
}

std::optional<json> explore_jobs(const std::string& path, const explore::ExploreConfig& config,
                                 const Options& base, int jobs, std::string* error) {
  const auto start = std::chrono::steady_clock::now();
  struct Child {
    pid_t pid = -1;
    int fd = -1;
  };
  std::vector<Child> children;
  // The given part (1/1 unless --shard) is split again: its shard s of jobs is the part
  // index * jobs + s of count * jobs.
  for (int s = 0; s < jobs; ++s) {
    int p[2];
    if (::pipe(p) != 0) {
      if (error) *error = "cannot create a pipe for a worker";
      break;
    }
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(p[0]);
      explore::ExploreConfig mine = config;
      mine.shard = {config.shard.index * jobs + s, config.shard.count * jobs};
      json out;
      try {
        const ExploreResult r = explore(path, mine, base);
        if (r.exit_code >= kBadInput) out = {{"error", r.diagnostics}};
        else out = exploration_json(r, mine, r.scenario_hash);
      } catch (const std::exception& e) {
        out = {{"error", e.what()}};
      }
      const std::string text = out.dump(-1, ' ', false, json::error_handler_t::replace);
      for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(p[1], text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::_exit(0);
    }
    ::close(p[1]);
    if (pid < 0) {
      ::close(p[0]);
      if (error) *error = "cannot start a worker process";
      break;
    }
    children.push_back({pid, p[0]});
  }
  // Read every pipe to its end: a worker blocks on a full pipe until its reader drains it.
  std::vector<std::string> texts(children.size());
  std::vector<pollfd> fds;
  for (const Child& c : children) fds.push_back({c.fd, POLLIN, 0});
  std::size_t open = fds.size();
  while (open > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        texts[i].append(buf, static_cast<std::size_t>(n));
        continue;
      }
      ::close(fds[i].fd);
      fds[i].fd = -1;
      --open;
    }
  }
  std::vector<json> parts;
  std::string problem;
  for (std::size_t i = 0; i < children.size(); ++i) {
    int status = 0;
    while (::waitpid(children[i].pid, &status, 0) < 0 && errno == EINTR) {
    }
    const json j = json::parse(texts[i], nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (problem.empty())
        problem = fmt::format("worker {} ended without a result ({})", i + 1,
                              WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                                                  : fmt::format("exit status {}", WEXITSTATUS(status)));
      continue;
    }
    if (j.contains("error")) {
      if (problem.empty()) problem = j["error"].get<std::string>();
      continue;
    }
    parts.push_back(j);
  }
  if (!problem.empty() || static_cast<int>(parts.size()) != jobs) {
    if (error && error->empty()) *error = problem.empty() ? "a worker failed" : problem;
    return std::nullopt;
  }
  // Shards of the split part: renumber them as the parts of one exploration to merge.
  for (json& p : parts) {
    const auto s = parse_shard(p["shard"].get<std::string>());
    p["shard"] = fmt::format("{}/{}", s->index % jobs + 1, jobs);
  }
  auto merged = merge_shards(parts, error);
  if (!merged) return std::nullopt;
  (*merged)["shard"] = fmt::format("{}/{}", config.shard.index + 1, config.shard.count);
  (*merged)["wall_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  return merged;
}

}  // namespace kesim::run
