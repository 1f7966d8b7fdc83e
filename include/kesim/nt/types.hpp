// include/kesim/nt/types.hpp — NT scalar types, status codes and enumerations with their NT names.
// Numbering follows SEMANTICS.md §1 (KTHREAD_STATE, KWAIT_REASON), §2 (x64 IRQLs), §5 (KOBJECTS,
// wait results) and §13 (bugcheck codes); sources: ReactOS ndk/ketypes.h, phnt ntkeapi.h.
#pragma once

#include <cstdint>
#include <string_view>

namespace kesim::ke {

using Time = std::int64_t;  // virtual nanoseconds (engine::Time)
using KIRQL = std::uint8_t;
using NTSTATUS = std::int32_t;
using KPRIORITY = std::int32_t;
using LONG = std::int32_t;
using ULONG_PTR = std::uint64_t;

inline constexpr KIRQL PASSIVE_LEVEL = 0;
inline constexpr KIRQL APC_LEVEL = 1;
inline constexpr KIRQL DISPATCH_LEVEL = 2;
inline constexpr KIRQL CMCI_LEVEL = 5;
inline constexpr KIRQL SYNCH_LEVEL = 12;
inline constexpr KIRQL CLOCK_LEVEL = 13;
inline constexpr KIRQL IPI_LEVEL = 14;
inline constexpr KIRQL HIGH_LEVEL = 15;
// "PASSIVE_LEVEL", ..., or the number for levels without a name.
const char* irql_name(KIRQL irql);

// NTSTATUS values used by the simulated routines.
inline constexpr NTSTATUS STATUS_SUCCESS = 0x00000000;
inline constexpr NTSTATUS STATUS_WAIT_0 = 0x00000000;
inline constexpr NTSTATUS STATUS_ABANDONED = 0x00000080;  // STATUS_ABANDONED_WAIT_0
inline constexpr NTSTATUS STATUS_USER_APC = 0x000000C0;
inline constexpr NTSTATUS STATUS_KERNEL_APC = 0x00000100;  // internal to the wait code
inline constexpr NTSTATUS STATUS_ALERTED = 0x00000101;
inline constexpr NTSTATUS STATUS_TIMEOUT = 0x00000102;
inline constexpr NTSTATUS STATUS_PENDING = 0x00000103;
inline constexpr NTSTATUS STATUS_MUTANT_NOT_OWNED = static_cast<NTSTATUS>(0xC0000046);
inline constexpr NTSTATUS STATUS_SEMAPHORE_LIMIT_EXCEEDED = static_cast<NTSTATUS>(0xC0000047);
inline constexpr NTSTATUS STATUS_OBJECT_NAME_NOT_FOUND = static_cast<NTSTATUS>(0xC0000034);
inline constexpr NTSTATUS STATUS_OBJECT_NAME_COLLISION = static_cast<NTSTATUS>(0xC0000035);
inline constexpr NTSTATUS STATUS_MUTANT_LIMIT_EXCEEDED = static_cast<NTSTATUS>(0xC0000191);
inline constexpr NTSTATUS STATUS_INVALID_HANDLE = static_cast<NTSTATUS>(0xC0000008);
inline constexpr NTSTATUS STATUS_INVALID_PARAMETER = static_cast<NTSTATUS>(0xC000000D);
// ntstatus.h; NtWaitForKeyedEvent/NtReleaseKeyedEvent return it for an odd key (sim/ex/keyed_event.hpp).
inline constexpr NTSTATUS STATUS_INVALID_PARAMETER_1 = static_cast<NTSTATUS>(0xC00000EF);
inline constexpr NTSTATUS STATUS_SHARING_VIOLATION = static_cast<NTSTATUS>(0xC0000043);
// "STATUS_TIMEOUT", "STATUS_WAIT_2", "STATUS_ABANDONED_WAIT_1", or "0x…" if unnamed.
std::string status_name(NTSTATUS s);

enum class KTHREAD_STATE : std::uint8_t {
  Initialized = 0, Ready = 1, Running = 2, Standby = 3, Terminated = 4, Waiting = 5,
  Transition = 6, DeferredReady = 7, GateWait = 8,
};
const char* thread_state_name(KTHREAD_STATE s);

using KWAIT_REASON = std::uint8_t;
inline constexpr KWAIT_REASON Executive = 0;
inline constexpr KWAIT_REASON DelayExecution = 4;
inline constexpr KWAIT_REASON UserRequest = 6;
inline constexpr KWAIT_REASON WrExecutive = 7;
inline constexpr KWAIT_REASON WrKeyedEvent = 21;
inline constexpr KWAIT_REASON WrTerminated = 22;
inline constexpr KWAIT_REASON WrResource = 27;
inline constexpr KWAIT_REASON WrPushLock = 28;
inline constexpr KWAIT_REASON WrMutex = 29;
inline constexpr KWAIT_REASON WrFastMutex = 34;
inline constexpr KWAIT_REASON WrGuardedMutex = 35;
inline constexpr int kWaitReasonCount = 43;
const char* wait_reason_name(KWAIT_REASON r);
int wait_reason_from_name(std::string_view name);  // -1 if unknown

enum class KPROCESSOR_MODE : std::uint8_t { KernelMode = 0, UserMode = 1 };
enum class WAIT_TYPE : std::uint8_t { WaitAll = 0, WaitAny = 1 };

enum class KOBJECTS : std::uint8_t {
  EventNotificationObject = 0, EventSynchronizationObject = 1, MutantObject = 2,
  ProcessObject = 3, QueueObject = 4, SemaphoreObject = 5, ThreadObject = 6, GateObject = 7,
  TimerNotificationObject = 8, TimerSynchronizationObject = 9,
  // Not dispatcher objects; kesim numbers them after the NT range so reports can name them.
  PushLockObject = 32, CacheAwarePushLockObject, GuardedMutexObject, FastMutexObject,
  SpinLockObject, InterlockedWordObject,
  ResourceObject,  // ERESOURCE (sim/ex/eresource.hpp)
  KeyedEventObject,  // keyed event (sim/ex/keyed_event.hpp); ObjectType name "KeyedEvent"
};
const char* object_type_name(KOBJECTS t);

enum class Version : std::uint8_t { xp, server2003, win10 };

// Bugcheck codes kesim raises (SEMANTICS.md §13).
namespace bugcheck {
inline constexpr std::uint32_t APC_INDEX_MISMATCH = 0x1;
inline constexpr std::uint32_t IRQL_NOT_GREATER_OR_EQUAL = 0x9;
inline constexpr std::uint32_t IRQL_NOT_LESS_OR_EQUAL = 0xA;
inline constexpr std::uint32_t MAXIMUM_WAIT_OBJECTS_EXCEEDED = 0xC;
inline constexpr std::uint32_t KERNEL_APC_PENDING_DURING_EXIT = 0x20;
inline constexpr std::uint32_t SYSTEM_THREAD_EXCEPTION_NOT_HANDLED = 0x7E;
inline constexpr std::uint32_t DRIVER_VERIFIER_DETECTED_VIOLATION = 0xC4;
inline constexpr std::uint32_t RESOURCE_NOT_OWNED = 0xE3;
inline constexpr std::uint32_t IRQL_UNEXPECTED_VALUE = 0xC8;
inline constexpr std::uint32_t KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE = 0x162;
inline constexpr std::uint32_t KERNEL_AUTO_BOOST_LOCK_ACQUISITION_WITH_RAISED_IRQL = 0x192;
inline constexpr std::uint32_t THREAD_TERMINATE_HELD_MUTEX = 0x4000008A;
}  // namespace bugcheck

}  // namespace kesim::ke
