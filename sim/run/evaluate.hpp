// sim/run/evaluate.hpp — the `expect` (and a level's `goal`) verdict of a finished machine,
// as `kesim run` computes it; `kesim play` judges its own run with it. A header of its own so
// that run.hpp's users do not see the scenario namespace.
#pragma once

#include "sim/machine/machine.hpp"
#include "sim/report/report.hpp"
#include "sim/scenario/program.hpp"

namespace kesim::run {

report::ExpectResult evaluate_run(const scenario::Program& p, const machine::Machine& m);

}  // namespace kesim::run
