// sim/check/analysis.hpp — how a run ended, in a kernel developer's terms: the outcome, the
// wait-for cycle of a deadlock (thread → object → owner → …), every blocked thread with its
// wait reason and why nothing can wake it, the bugcheck. Reads the kernel after the run; never
// changes it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kesim/result.hpp"
#include "sim/ke/kernel.hpp"

namespace kesim::check {

// The result types are part of the public API (include/kesim/result.hpp).
using kesim::BlockedThread;
using kesim::CycleEdge;
using kesim::Outcome;
using kesim::RunResult;
using kesim::outcome_name;

RunResult analyse(const ke::Kernel& k, engine::StopReason stop);

// The threads a blocked thread waits for (the owners of what it waits on), in index order.
std::vector<std::int32_t> waits_for_threads(const ke::Kernel& k, const ke::KTHREAD& t);

}  // namespace kesim::check
