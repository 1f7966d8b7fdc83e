// sim/play/session.hpp — `kesim play FILE`: the person is the scheduler (SCENARIO-FORMAT §9).
//
// A session loads the scenario once and keeps the picks made so far. Each run builds a fresh
// machine whose PlayStrategy replays those picks and then asks the person through a Screen at
// every further choice point; `undo` stops that machine and replays the picks minus the last
// one on a new machine (runs are deterministic, so the replay arrives at the same point). At
// the end the session judges the run (expect, and a level's goal), renders the report and
// prints the schedule token "HASH/dfs:P0.P1…", which `kesim replay` reproduces exactly.
//
// Predict mode (--predict) also stops at each `ask` step: the person types what they expect,
// the truth is the simulated state of the answer's assert key at that step, and the score is
// printed at the end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/play/screen.hpp"

namespace kesim::play {

struct Options {
  std::optional<std::uint64_t> seed;  // recorded in the report; the person makes every choice
  std::optional<int> processors;      // overrides machine.processors
  bool verifier = false;              // --verifier: Driver Verifier's checks on
  std::optional<int> jitter;          // --jitter PCT: overrides machine.jitter
  bool predict = false;               // ask the scenario's `ask` questions
  std::string schedule;               // start from this token's picks ("HASH/dfs:P0.P1…"), then ask
};

struct Outcome {
  int exit_code = 0;          // 0: the goal (a level) or the expectation met; 1 not; 2 bad input
  std::string diagnostics;    // load errors (exit 2), formatted as file:line:column
  std::string token;          // "HASH/dfs:P0.P1…"
  std::vector<std::uint32_t> picks;
  std::string report;         // the text report of the run
  bool goal_present = false;
  bool goal_met = false;
  bool quit = false;          // the person quit (or input ended) before the run did
  std::uint64_t trace_hash = 0;
  int questions = 0;          // predict mode: questions answered
  int correct = 0;
  std::string outcome;        // outcome name
};

// Plays `path` with the person behind `screen`, then prints the report, the goal, the score
// and the token through it.
Outcome play_file(const std::string& path, const Options& opt, Screen& screen);

// What `help` prints.
extern const char* const kHelp;

}  // namespace kesim::play
