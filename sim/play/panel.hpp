// sim/play/panel.hpp — what `kesim play` shows at a choice point: the machine (CPUs, threads
// with state, IRQL, APC-disable counters and current step; locks and pending APCs through the
// report views) and the numbered choices. Text only: the line protocol prints it as is, the
// terminal UI lays it out in panels.
#pragma once

#include <span>
#include <string>

#include "sim/machine/machine.hpp"
#include "sim/play/strategy.hpp"

namespace kesim::play {

// CPUs, one line per thread, then `!locks` and (when any is queued) `!apc`.
std::string render_machine(const machine::Machine& m);
// "* 1  Alice  ExAcquirePushLockExclusive: B   (t.yaml:17)", one line per choice; `*` marks
// `dflt`, what kesim would run by itself.
std::string render_choices(const machine::Machine& m, std::span<const Choice> choices, std::uint32_t dflt);
// A thread's current step as "ExAcquirePushLockExclusive: B   (t.yaml:17)", or "(starting)".
std::string step_text(const machine::Machine& m, const ke::KTHREAD& t);

}  // namespace kesim::play
