// sim/check/findings.hpp — findings: problems a run exposed without (necessarily) failing, such
// as a data race on a file or a lock-order inversion that this schedule happened to survive.
#pragma once

#include <string>
#include <vector>

namespace kesim::check {

struct Finding {
  std::string kind;     // "data_race", "lock_order", "foreign_release", "apc_context"
  std::string message;  // one line, names threads, objects and steps (file:line)
};

using Findings = std::vector<Finding>;

}  // namespace kesim::check
