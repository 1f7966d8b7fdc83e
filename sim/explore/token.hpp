// sim/explore/token.hpp — a schedule token bound to its scenario. `kesim explore` prints tokens
// as "HHHHHHHH/<schedule>" where HHHHHHHH is the FNV-1a (32-bit) hash of the scenario file's
// bytes, so that a token from an edited scenario is refused instead of replaying a different
// schedule silently. A token without the "HHHHHHHH/" part is still accepted (older tokens, and
// the C++ API's, which have no scenario file to hash).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kesim::explore {

// FNV-1a, 32 bits, as 8 lower-case hex digits.
std::string scenario_hash(std::string_view bytes);

struct SplitToken {
  std::optional<std::string> hash;  // the 8 hex digits, when present
  std::string schedule;             // the rest: seed:N, pct:..., pos:N, dfs:...
};
// Splits "HHHHHHHH/rest"; a token whose part before '/' is not 8 hex digits is returned whole
// as the schedule (make_schedule then rejects it).
SplitToken split_token(const std::string& token);

}  // namespace kesim::explore
