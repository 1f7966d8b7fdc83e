// sim/explore/dpor.hpp — `--strategy dpor`: exhaustive exploration without redundant
// interleavings. Source-set DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, "Optimal
// dynamic partial order reduction", POPL 2014, Algorithm 1 "Source-DPOR"), stateless: every
// schedule is a rerun from the start, steered by a prefix of picks.
//
// A transition is what runs between two scheduling points with a real choice; it belongs to the
// task picked there. Each records a Footprint (footprint.hpp): the tasks it ran or rescheduled,
// the memory words it read or wrote, and whether it read or wrote the kernel's shared state
// (every kernel object, the dispatcher and the clock as one pseudo-object — conservative: two
// kernel operations are always dependent, two accesses to different words never are).
//
// After each run the search computes happens-before over the run's transitions (i before j
// when they are dependent, transitively) and, for every race — dependent transitions i < j of
// different tasks with nothing ordering them in between — adds to i's point one task that can
// start the reversed order (an "initial" of notdep(i).j) unless one already is there. A race
// whose later task was not a candidate at i's point is not reversible there (i enabled it, or
// something between did): if i itself did not touch that task, every candidate is added (the
// classic DPOR fallback, Flanagan & Godefroid, POPL 2005). Sleep sets (Godefroid 1996) keep a
// task asleep after its subtree is explored until a dependent transition runs; a run whose
// candidates all sleep is "sleep-set blocked" and analysed only up to there.
//
// Internal token (driver only): "dpor:P0.P1...~T:FP,T:FP" — a prefix of picks and the sleep set
// at its last point. A failing run is reported as the "dfs:" token of all its picks, which
// replays unchanged under every front end.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/explore/footprint.hpp"
#include "sim/explore/search.hpp"

namespace kesim::explore {

std::unique_ptr<Search> make_dpor_search();

struct DporToken {
  std::vector<std::uint32_t> prefix;
  std::vector<SleepEntry> sleep;
};
std::string dpor_token(const DporToken& t);
std::optional<DporToken> parse_dpor_token(const std::string& token);

}  // namespace kesim::explore
