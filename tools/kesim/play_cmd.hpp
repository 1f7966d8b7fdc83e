// tools/kesim/play_cmd.hpp — `kesim play FILE [--seed N] [--processors N] [--predict] [--plain]
// [--schedule TOKEN]`.
#pragma once

#include <optional>
#include <string>

namespace kesim::cli {

struct PlayArgs {
  std::string file;
  std::string seed;               // decimal text, checked like run's --seed
  std::string schedule;           // start from a token's picks
  std::optional<int> processors;
  bool predict = false;
  bool plain = false;             // the line protocol even on a terminal
  bool verifier = false;          // Driver Verifier's checks on
  std::string jitter;             // --jitter PCT (text, checked like run's)
};

// Runs the session on stdin/stdout: the full-screen UI when both are terminals (and not
// --plain, TERM not "dumb"), else the plain line protocol. Returns the exit status.
int cmd_play(const PlayArgs& a);

}  // namespace kesim::cli
