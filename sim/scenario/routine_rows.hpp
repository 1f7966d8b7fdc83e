// sim/scenario/routine_rows.hpp — what the row files (routines_*.cpp) share: the groups of
// rows, and the small helpers their executors use. Internal to sim/scenario.
#pragma once

#include <span>

#include "sim/ke/ke.hpp"
#include "sim/scenario/interp_detail.hpp"
#include "sim/scenario/routine.hpp"
#include "sim/scenario/step_parser.hpp"

namespace kesim::scenario::rows {

// The groups of SCENARIO-FORMAT.md §2 and §7; together every Op exactly once.
std::span<const RoutineDescriptor> control();     // work, repeat, call, log, dump, assert, if, while
std::span<const RoutineDescriptor> threads();     // threads, IRQL, regions, APCs
std::span<const RoutineDescriptor> locks();       // push locks, mutexes, spin locks
std::span<const RoutineDescriptor> dispatcher();  // waits, events, semaphores, timers, gates, I/O
std::span<const RoutineDescriptor> words();       // §7 memory words, YieldProcessor
std::span<const RoutineDescriptor> resource();    // ERESOURCE (routines_resource.cpp)
std::span<const RoutineDescriptor> keyed();       // keyed events (routines_keyed.cpp)

using detail::StepParser;
using detail::type_bit;

// The kernel object behind program object `index`.
template <class T>
T& obj(const ThreadCtx& c, int index) {
  return static_cast<T&>(*c.interp->object_at(index));
}

inline ke::KPROCESSOR_MODE to_mode(Mode m) {
  return m == Mode::UserMode ? ke::KPROCESSOR_MODE::UserMode : ke::KPROCESSOR_MODE::KernelMode;
}

// Why the guarded-region and guarded-mutex routines are not on xp (SEMANTICS.md §4, §15).
constexpr const char* kGuardedSince = "guarded regions and guarded mutexes arrived with Windows Server 2003";

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kLongMax = std::numeric_limits<std::int32_t>::max();

}  // namespace kesim::scenario::rows
