// include/kesim/nt/ke.hpp — the simulated NT kernel routines for C++ users: KeWaitForSingleObject,
// KeSetEvent, KeAcquireGuardedMutex, ... in NT spelling, in the global namespace of a driver.
#pragma once

#include "sim/ke/ke.hpp"

namespace kesim::nt {
using namespace kesim::ke;
inline constexpr auto KernelMode = ke::KPROCESSOR_MODE::KernelMode;
inline constexpr auto UserMode = ke::KPROCESSOR_MODE::UserMode;
inline constexpr auto WaitAll = ke::WAIT_TYPE::WaitAll;
inline constexpr auto WaitAny = ke::WAIT_TYPE::WaitAny;
}  // namespace kesim::nt
