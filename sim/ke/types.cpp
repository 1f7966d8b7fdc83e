#include "sim/ke/types.hpp"

#include <fmt/format.h>

#include <array>

namespace kesim::ke {

const char* irql_name(KIRQL irql) {
  switch (irql) {
    case PASSIVE_LEVEL: return "PASSIVE_LEVEL";
    case APC_LEVEL: return "APC_LEVEL";
    case DISPATCH_LEVEL: return "DISPATCH_LEVEL";
    case CMCI_LEVEL: return "CMCI_LEVEL";
    case SYNCH_LEVEL: return "SYNCH_LEVEL";
    case CLOCK_LEVEL: return "CLOCK_LEVEL";
    case IPI_LEVEL: return "IPI_LEVEL";
    case HIGH_LEVEL: return "HIGH_LEVEL";
    default: {
      static constexpr std::array<const char*, 16> kNums = {
          "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"};
      return irql < kNums.size() ? kNums[irql] : "?";
    }
  }
}

std::string status_name(NTSTATUS s) {
  switch (s) {
    case STATUS_SUCCESS: return "STATUS_SUCCESS";
    case STATUS_ABANDONED: return "STATUS_ABANDONED";
    case STATUS_USER_APC: return "STATUS_USER_APC";
    case STATUS_KERNEL_APC: return "STATUS_KERNEL_APC";
    case STATUS_ALERTED: return "STATUS_ALERTED";
    case STATUS_INVALID_PARAMETER_1: return "STATUS_INVALID_PARAMETER_1";
    case STATUS_TIMEOUT: return "STATUS_TIMEOUT";
    case STATUS_PENDING: return "STATUS_PENDING";
    case STATUS_MUTANT_NOT_OWNED: return "STATUS_MUTANT_NOT_OWNED";
    case STATUS_SEMAPHORE_LIMIT_EXCEEDED: return "STATUS_SEMAPHORE_LIMIT_EXCEEDED";
    case STATUS_OBJECT_NAME_NOT_FOUND: return "STATUS_OBJECT_NAME_NOT_FOUND";
    case STATUS_OBJECT_NAME_COLLISION: return "STATUS_OBJECT_NAME_COLLISION";
    case STATUS_MUTANT_LIMIT_EXCEEDED: return "STATUS_MUTANT_LIMIT_EXCEEDED";
    case STATUS_INVALID_HANDLE: return "STATUS_INVALID_HANDLE";
    case STATUS_INVALID_PARAMETER: return "STATUS_INVALID_PARAMETER";
    case STATUS_SHARING_VIOLATION: return "STATUS_SHARING_VIOLATION";
    default: break;
  }
  if (s > 0 && s < 0x40) return fmt::format("STATUS_WAIT_{}", s);
  if (s > 0x80 && s < 0xC0) return fmt::format("STATUS_ABANDONED_WAIT_{}", s - 0x80);
  return fmt::format("0x{:08X}", static_cast<std::uint32_t>(s));
}

const char* thread_state_name(KTHREAD_STATE s) {
  switch (s) {
    case KTHREAD_STATE::Initialized: return "Initialized";
    case KTHREAD_STATE::Ready: return "Ready";
    case KTHREAD_STATE::Running: return "Running";
    case KTHREAD_STATE::Standby: return "Standby";
    case KTHREAD_STATE::Terminated: return "Terminated";
    case KTHREAD_STATE::Waiting: return "Waiting";
    case KTHREAD_STATE::Transition: return "Transition";
    case KTHREAD_STATE::DeferredReady: return "DeferredReady";
    case KTHREAD_STATE::GateWait: return "GateWait";
  }
  return "?";
}

namespace {
// SEMANTICS.md §1, KWAIT_REASON 0..42.
constexpr std::array<const char*, kWaitReasonCount> kWaitReasons = {
    "Executive", "FreePage", "PageIn", "PoolAllocation", "DelayExecution", "Suspended",
    "UserRequest", "WrExecutive", "WrFreePage", "WrPageIn", "WrPoolAllocation",
    "WrDelayExecution", "WrSuspended", "WrUserRequest", "WrEventPair", "WrQueue",
    "WrLpcReceive", "WrLpcReply", "WrVirtualMemory", "WrPageOut", "WrRendezvous",
    "WrKeyedEvent", "WrTerminated", "WrProcessInSwap", "WrCpuRateControl", "WrCalloutStack",
    "WrKernel", "WrResource", "WrPushLock", "WrMutex", "WrQuantumEnd", "WrDispatchInt",
    "WrPreempted", "WrYieldExecution", "WrFastMutex", "WrGuardedMutex", "WrRundown",
    "WrAlertByThreadId", "WrDeferredPreempt", "WrPhysicalFault", "WrIoRing", "WrMdlCache",
    "WrRcu"};
}  // namespace

const char* wait_reason_name(KWAIT_REASON r) {
  return r < kWaitReasons.size() ? kWaitReasons[r] : "?";
}

int wait_reason_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kWaitReasons.size(); ++i)
    if (name == kWaitReasons[i]) return static_cast<int>(i);
  return -1;
}

const char* object_type_name(KOBJECTS t) {
  switch (t) {
    case KOBJECTS::EventNotificationObject: return "NotificationEvent";
    case KOBJECTS::EventSynchronizationObject: return "SynchronizationEvent";
    case KOBJECTS::MutantObject: return "Mutant";
    case KOBJECTS::ProcessObject: return "Process";
    case KOBJECTS::QueueObject: return "Queue";
    case KOBJECTS::SemaphoreObject: return "Semaphore";
    case KOBJECTS::ThreadObject: return "Thread";
    case KOBJECTS::GateObject: return "Gate";
    case KOBJECTS::TimerNotificationObject: return "NotificationTimer";
    case KOBJECTS::TimerSynchronizationObject: return "SynchronizationTimer";
    case KOBJECTS::PushLockObject: return "PushLock";
    case KOBJECTS::CacheAwarePushLockObject: return "CacheAwarePushLock";
    case KOBJECTS::GuardedMutexObject: return "GuardedMutex";
    case KOBJECTS::FastMutexObject: return "FastMutex";
    case KOBJECTS::SpinLockObject: return "SpinLock";
    case KOBJECTS::InterlockedWordObject: return "InterlockedWord";
    case KOBJECTS::ResourceObject: return "Resource";
    case KOBJECTS::KeyedEventObject: return "KeyedEvent";
  }
  return "?";
}

}  // namespace kesim::ke
