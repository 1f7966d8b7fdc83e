// sim/engine/limits.hpp — every bound that keeps one run finite in time, memory and stack, in
// one place (README, "Limits"). A hostile or careless scenario meets one of these as a loader
// error (file:line:column, exit 2) or as a run that stops with outcome time_limit naming the
// limit; never as a crash, a hang or an unbounded allocation. The defaults keep any scenario
// under ~2 GB of memory.
//
// Header only: the loader (which links no engine code) checks the static ones.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kesim::limits {

// ---- load time (sim/scenario) ------------------------------------------------------------------

// A scenario file larger than this is refused before parsing: yaml-cpp needs 50–100 bytes of
// memory per byte of YAML (a 50 MB file took 2.6–5 GB), and name lookups are linear. The
// largest scenario in scenarios/ is 2.3 KB.
inline constexpr std::size_t kMaxFileBytes = 1u << 20;  // 1 MiB

// Steps after expanding YAML aliases (an alias repeats its anchor's node; nested aliases
// multiply: a 3.4 KB "billion laughs" under `routines` passed 6 GB). A Step is ~300 bytes.
inline constexpr std::size_t kMaxSteps = 250'000;

// YAML nodes the loader may visit (list items and map entries, aliases counted each time they
// are reached): bounds the work of a file whose aliases repeat large lists.
inline constexpr std::size_t kMaxNodes = 1'000'000;

// Diagnostics kept per file (an alias bomb repeats its errors too).
inline constexpr std::size_t kMaxErrors = 1000;

// The longest duration a scenario may write: 2^62 ns, about 146 years. Virtual time stays
// below 2^63 - 1 with any sum of two of them, and the engine saturates anyway (never wraps).
inline constexpr std::int64_t kMaxDuration = std::int64_t{1} << 62;

// ---- fiber stack budget (loader bound on nesting) --------------------------------------------
// The loader bounds the nesting of repeat/call/APC steps against machine.stack_size with fixed
// per-level costs, so whether a scenario is accepted never depends on the build type. The costs
// are upper bounds of the real frames in the worst build (-O0; under ASan stacks are 4x):
// measured with -fstack-usage, one repeat/call level (Exec::run_step + run_list) is ~0.9 KiB at
// -O0 and ~0.3 KiB at -O2; an APC delivery adds the Ke frames between the interrupted call and
// the routine. tests/scenario/stack_depth_test.cpp runs the deepest accepted nesting.
inline constexpr std::size_t kDefaultStackSize = 64 * 1024;  // machine.stack_size absent
inline constexpr std::size_t kStackBase = 24 * 1024;      // a thread's frames below its steps + the deepest Ke call
inline constexpr std::size_t kStackPerLevel = 2 * 1024;   // one repeat or call level
inline constexpr std::size_t kStackPerApc = 8 * 1024;     // one APC delivery on top of a step
// APC routines can be nested on one stack this many times: a user APC, a normal kernel APC
// (KernelApcInProgress stops a second one) and a special kernel APC (runs at APC_LEVEL).
inline constexpr int kApcNesting = 3;

// ---- run time (sim/ke, sim/engine) -----------------------------------------------------------

// Threads created in one run (each costs its KTHREAD, its context and, while it lives, the
// touched part of its fiber stack: ~6 KB blocked).
inline constexpr std::size_t kMaxThreads = 200'000;
// APC objects allocated and not yet freed (queued or running).
inline constexpr std::size_t kMaxApcs = 1'000'000;
// Bytes of `log` and `dump` output kept for the report.
inline constexpr std::size_t kMaxOutputBytes = 16u << 20;  // 16 MiB (~250 MB kept, lines short)
// Trace records kept for --trace-out (40 bytes each); later records are hashed, not kept.
inline constexpr std::size_t kMaxTraceRecords = 4'000'000;

}  // namespace kesim::limits
