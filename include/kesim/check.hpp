// include/kesim/check.hpp — assertions inside a simulated thread. KESIM_ASSERT(cond) ends the
// run with outcome assertion_failed, naming the condition and its file:line, as an `assert`
// step of a YAML scenario does; exploration counts it as a failing schedule. It also checks
// the invariants registered with Simulator::add_invariant.
#pragma once

#include <source_location>
#include <string_view>

namespace kesim {

// Must be called on a simulated thread of a running machine (else std::logic_error).
void sim_assert(bool condition, std::string_view what,
                std::source_location where = std::source_location::current());

}  // namespace kesim

#define KESIM_ASSERT(condition) ::kesim::sim_assert(static_cast<bool>(condition), #condition)
