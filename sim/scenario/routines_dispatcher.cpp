// sim/scenario/routines_dispatcher.cpp — waits, events, semaphores, timers, gates
// (SCENARIO-FORMAT.md §2 "dispatcher", "gates") and synchronous I/O ("I/O"). Return values as
// the WDK declares them: the waits an NTSTATUS, KeSetEvent/KeResetEvent/KePulseEvent and
// KeReleaseSemaphore the previous signal state (LONG), KeSetTimer/KeCancelTimer a BOOLEAN
// (whether the timer was in the queue), the Zw* requests an NTSTATUS; the rest VOID.
#include <array>

#include "sim/io/io.hpp"
#include "sim/scenario/routine_rows.hpp"

namespace kesim::scenario::rows {
namespace {

using namespace kesim::ke;
using Ctx = ThreadCtx;

constexpr unsigned kEvent = type_bit(ObjectType::event);
constexpr unsigned kSemaphore = type_bit(ObjectType::semaphore);
constexpr unsigned kTimer = type_bit(ObjectType::timer);
constexpr unsigned kGate = type_bit(ObjectType::gate);

constexpr KeySpec kWaitSingleKeys[] = {{"object", Arg::waitable, true}, {"reason", Arg::reason},
                                       {"mode", Arg::mode},           {"alertable", Arg::alertable},
                                       {"timeout", Arg::duration}};
constexpr KeySpec kWaitMultipleKeys[] = {{"objects", Arg::waitables, true}, {"wait_type", Arg::wait_type},
                                         {"reason", Arg::reason},           {"mode", Arg::mode},
                                         {"alertable", Arg::alertable},     {"timeout", Arg::duration}};
constexpr KeySpec kSetEventKeys[] = {
    {"event", Arg::object, true}, {"increment", Arg::number, false, 0, 31}, {"wait", Arg::flag}};
constexpr KeySpec kReleaseSemaphoreKeys[] = {
    {"semaphore", Arg::object, true}, {"adjustment", Arg::number, false, 1, kLongMax}, {"wait", Arg::flag}};
constexpr KeySpec kSetTimerKeys[] = {
    {"timer", Arg::object, true}, {"due", Arg::duration, true}, {"period", Arg::period}};
constexpr KeySpec kPathKeys[] = {{"path", Arg::text, true}};
constexpr KeySpec kWriteKeys[] = {{"path", Arg::text, true}, {"bytes", Arg::number, false, 0, kInt64Max}};
constexpr KeySpec kRenameKeys[] = {{"path", Arg::text, true}, {"rename_to", Arg::text2, true}};

// A thread as a dispatcher object (it is signaled when it ends); nullptr if it was never
// created, so the wait could never be satisfied.
DISPATCHER_HEADER* thread_object(const Ctx& c, int thread) {
  const auto& inst = c.interp->instances_of(thread);
  return inst.empty() ? nullptr : &inst.front()->Header;
}

std::int64_t wait_single(Ctx& c, const Step& s) {
  DISPATCHER_HEADER* target = s.object >= 0 ? &obj<DISPATCHER_HEADER>(c, s.object) : thread_object(c, s.thread);
  if (!target) return STATUS_INVALID_HANDLE;
  const Time* timeout = s.duration ? &*s.duration : nullptr;
  return KeWaitForSingleObject(*target, s.reason, to_mode(s.mode), s.alertable, timeout);
}

std::int64_t wait_multiple(Ctx& c, const Step& s) {
  // MAXIMUM_WAIT_OBJECTS (64, wdm.h) entries fit on the stack; more take the heap.
  std::array<DISPATCHER_HEADER*, 64> small{};
  std::vector<DISPATCHER_HEADER*> large;
  if (s.objects.size() > small.size()) large.resize(s.objects.size());
  const std::span<DISPATCHER_HEADER*> objs = large.empty() ? std::span(small).first(s.objects.size())
                                                           : std::span(large);
  for (std::size_t k = 0; k < s.objects.size(); ++k) {
    objs[k] = s.objects[k] >= 0 ? &obj<DISPATCHER_HEADER>(c, s.objects[k]) : thread_object(c, s.wait_threads[k]);
    if (!objs[k]) return STATUS_INVALID_HANDLE;
  }
  const Time* timeout = s.duration ? &*s.duration : nullptr;
  return KeWaitForMultipleObjects(objs, s.wait_type == WaitType::WaitAll ? WAIT_TYPE::WaitAll : WAIT_TYPE::WaitAny,
                                  s.reason, to_mode(s.mode), s.alertable, timeout);
}

// A synchronous Zw* request; the I/O manager completes it by special kernel APC.
template <io::IoOp kOp>
std::int64_t zw(Ctx& c, const Step& s) {
  return c.interp->machine().io().call(kOp, Exec::expand(c, s.text), Exec::expand(c, s.text2),
                                       static_cast<std::uint64_t>(s.number));
}

constexpr RoutineDescriptor kRows[] = {
    // ---- waits
    {.op = Op::KeWaitForSingleObject, .name = "KeWaitForSingleObject", .result = Result::ntstatus,
     .scalar = Arg::waitable, .keys = kWaitSingleKeys, .exec = wait_single},
    {.op = Op::KeWaitForMultipleObjects, .name = "KeWaitForMultipleObjects", .result = Result::ntstatus,
     .keys = kWaitMultipleKeys, .exec = wait_multiple},

    // ---- events, semaphores, timers
    {.op = Op::KeSetEvent, .name = "KeSetEvent", .result = Result::value, .scalar = Arg::object,
     .keys = kSetEventKeys, .kinds = kEvent,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       return KeSetEvent(obj<KEVENT>(c, s.object), static_cast<KPRIORITY>(s.number), s.flag);
     }},
    {.op = Op::KeResetEvent, .name = "KeResetEvent", .result = Result::value, .scalar = Arg::object,
     .kinds = kEvent,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t { return KeResetEvent(obj<KEVENT>(c, s.object)); }},
    {.op = Op::KeClearEvent, .name = "KeClearEvent", .scalar = Arg::object, .kinds = kEvent,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       KeClearEvent(obj<KEVENT>(c, s.object));
       return 0;
     }},
    // KePulseEvent(Event, Increment, Wait), like KeSetEvent (kmtest KeEvent.c passes increments).
    {.op = Op::KePulseEvent, .name = "KePulseEvent", .result = Result::value, .scalar = Arg::object,
     .keys = kSetEventKeys, .kinds = kEvent,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       return KePulseEvent(obj<KEVENT>(c, s.object), static_cast<KPRIORITY>(s.number), s.flag);
     }},
    // Adjustment defaults to 1 (SCENARIO-FORMAT.md §2).
    {.op = Op::KeReleaseSemaphore, .name = "KeReleaseSemaphore", .result = Result::value,
     .scalar = Arg::object, .keys = kReleaseSemaphoreKeys, .kinds = kSemaphore, .number = 1,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       return KeReleaseSemaphore(obj<KSEMAPHORE>(c, s.object), 0, static_cast<LONG>(s.number), s.flag);
     }},
    {.op = Op::KeSetTimer, .name = "KeSetTimer", .result = Result::boolean, .keys = kSetTimerKeys,
     .kinds = kTimer,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       return KeSetTimer(obj<KTIMER>(c, s.object), *s.duration, s.period.value_or(0));
     }},
    {.op = Op::KeCancelTimer, .name = "KeCancelTimer", .result = Result::boolean, .scalar = Arg::object,
     .kinds = kTimer,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t { return KeCancelTimer(obj<KTIMER>(c, s.object)); }},

    // ---- gates
    {.op = Op::KeWaitForGate, .name = "KeWaitForGate", .scalar = Arg::object, .kinds = kGate,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       KeWaitForGate(obj<KGATE>(c, s.object), s.reason, KPROCESSOR_MODE::KernelMode);
       return 0;
     }},
    {.op = Op::KeSignalGateBoostPriority, .name = "KeSignalGateBoostPriority", .scalar = Arg::object,
     .kinds = kGate,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       KeSignalGateBoostPriority(obj<KGATE>(c, s.object));
       return 0;
     }},

    // ---- synchronous I/O
    {.op = Op::ZwCreateFile, .name = "ZwCreateFile", .result = Result::ntstatus, .scalar = Arg::text,
     .keys = kPathKeys, .exec = zw<io::IoOp::Create>, .io = true},
    {.op = Op::ZwWriteFile, .name = "ZwWriteFile", .result = Result::ntstatus, .scalar = Arg::text,
     .keys = kWriteKeys, .exec = zw<io::IoOp::Write>, .io = true},
    {.op = Op::ZwOpenFile, .name = "ZwOpenFile", .result = Result::ntstatus, .scalar = Arg::text,
     .keys = kPathKeys, .exec = zw<io::IoOp::Open>, .io = true},
    // FileRenameInformation: only the map form, since it needs rename_to.
    {.op = Op::ZwSetInformationFile, .name = "ZwSetInformationFile", .result = Result::ntstatus,
     .keys = kRenameKeys, .exec = zw<io::IoOp::Rename>, .io = true},
    {.op = Op::ZwClose, .name = "ZwClose", .result = Result::ntstatus, .scalar = Arg::text, .keys = kPathKeys,
     .exec = zw<io::IoOp::Close>, .io = true},
};

}  // namespace

std::span<const RoutineDescriptor> dispatcher() { return kRows; }

}  // namespace kesim::scenario::rows
