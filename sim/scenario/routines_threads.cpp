// sim/scenario/routines_threads.cpp — threads, IRQL, critical/guarded regions and APCs
// (SCENARIO-FORMAT.md §2). Return values as the WDK declares them (wdm.h): KeRaiseIrql gives
// the old IRQL (its OldIrql out-parameter), KeSetPriorityThread the old priority,
// KeInsertQueueApc a BOOLEAN, KeDelayExecutionThread and PsCreateSystemThread an NTSTATUS.
// Guarded regions arrived with Windows Server 2003 (SEMANTICS.md §4).
#include <fmt/format.h>

#include "sim/scenario/routine_rows.hpp"

namespace kesim::scenario::rows {
namespace {

using namespace kesim::ke;
using Ctx = ThreadCtx;

constexpr KeySpec kDelayKeys[] = {
    {"interval", Arg::duration, true}, {"mode", Arg::mode}, {"alertable", Arg::alertable}};
constexpr KeySpec kPriorityKeys[] = {{"thread", Arg::thread, true}, {"priority", Arg::number, true, 0, 31}};

std::int64_t set_priority(Ctx& c, const Step& s) {
  KPRIORITY old = 0;
  for (KTHREAD* target : c.interp->instances_of(s.thread))
    old = KeSetPriorityThread(*target, static_cast<KPRIORITY>(s.number));
  return old;
}

ke::ApcKind to_apc_kind(scenario::ApcKind k) {
  switch (k) {
    case scenario::ApcKind::special: return ke::ApcKind::Special;
    case scenario::ApcKind::normal: return ke::ApcKind::Normal;
    case scenario::ApcKind::user: return ke::ApcKind::User;
  }
  return ke::ApcKind::Special;
}

// One APC per instance of the target thread; TRUE if any was queued.
std::int64_t insert_queue_apc(Ctx& c, const Step& s) {
  Interpreter& in = *c.interp;
  const Routine& r = Exec::program(c).routines[static_cast<std::size_t>(s.routine)];
  bool inserted = false;
  for (KTHREAD* target : in.instances_of(s.thread)) {
    KAPC& apc = in.kernel().allocate_apc();
    const ke::ApcKind kind = to_apc_kind(s.apc_kind);
    const bool special = kind == ke::ApcKind::Special;
    KeInitializeApc(apc, *target, kind, special ? &Exec::run_apc : nullptr,
                    special ? nullptr : &Exec::run_apc, &in);
    apc.argument = s.routine;
    apc.label = r.name.empty() ? fmt::format("<steps at line {}>", r.loc.line) : r.name;
    if (KeInsertQueueApc(apc)) inserted = true;
    else in.kernel().free_apc(apc);
  }
  return inserted;
}

constexpr RoutineDescriptor kRows[] = {
    // ---- threads
    {.op = Op::PsCreateSystemThread, .name = "PsCreateSystemThread", .result = Result::ntstatus,
     .scalar = Arg::manual_thread,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       Exec::start_manual(c, s.thread);
       return STATUS_SUCCESS;
     }},
    {.op = Op::PsTerminateSystemThread, .name = "PsTerminateSystemThread", .result = Result::ntstatus,
     .exec = [](Ctx&, const Step&) -> std::int64_t { PsTerminateSystemThread(STATUS_SUCCESS); }},
    {.op = Op::KeDelayExecutionThread, .name = "KeDelayExecutionThread", .result = Result::ntstatus,
     .scalar = Arg::duration, .keys = kDelayKeys,
     .exec = [](Ctx&, const Step& s) -> std::int64_t {
       return KeDelayExecutionThread(to_mode(s.mode), s.alertable, *s.duration);
     }},
    {.op = Op::KeSetPriorityThread, .name = "KeSetPriorityThread", .result = Result::value,
     .keys = kPriorityKeys, .exec = set_priority},

    // ---- IRQL
    {.op = Op::KeRaiseIrql, .name = "KeRaiseIrql", .result = Result::value, .scalar = Arg::irql,
     .exec = [](Ctx&, const Step& s) -> std::int64_t { return KeRaiseIrql(static_cast<KIRQL>(s.number)); }},
    // hal: KfRaiseIrql(DISPATCH_LEVEL); the old IRQL is the result (sim/ke/apc.cpp).
    {.op = Op::KeRaiseIrqlToDpcLevel, .name = "KeRaiseIrqlToDpcLevel", .result = Result::value,
     .exec = [](Ctx&, const Step&) -> std::int64_t { return KeRaiseIrqlToDpcLevel(); }},
    {.op = Op::KeLowerIrql, .name = "KeLowerIrql", .result = Result::none, .scalar = Arg::irql,
     .exec = [](Ctx&, const Step& s) -> std::int64_t {
       KeLowerIrql(static_cast<KIRQL>(s.number));
       return 0;
     }},

    // ---- regions
    {.op = Op::KeEnterCriticalRegion, .name = "KeEnterCriticalRegion", .result = Result::none,
     .exec = [](Ctx&, const Step&) -> std::int64_t {
       KeEnterCriticalRegion();
       return 0;
     }},
    {.op = Op::KeLeaveCriticalRegion, .name = "KeLeaveCriticalRegion", .result = Result::none,
     .exec = [](Ctx&, const Step&) -> std::int64_t {
       KeLeaveCriticalRegion();
       return 0;
     }},
    {.op = Op::KeEnterGuardedRegion, .name = "KeEnterGuardedRegion", .result = Result::none,
     .exec = [](Ctx&, const Step&) -> std::int64_t {
       KeEnterGuardedRegion();
       return 0;
     },
     .since = Version::server2003, .since_why = kGuardedSince},
    {.op = Op::KeLeaveGuardedRegion, .name = "KeLeaveGuardedRegion", .result = Result::none,
     .exec = [](Ctx&, const Step&) -> std::int64_t {
       KeLeaveGuardedRegion();
       return 0;
     },
     .since = Version::server2003, .since_why = kGuardedSince},

    // ---- APCs
    {.op = Op::KeInsertQueueApc, .name = "KeInsertQueueApc", .result = Result::boolean,
     .parse = &StepParser::parse_apc, .exec = insert_queue_apc},
};

}  // namespace

std::span<const RoutineDescriptor> threads() { return kRows; }

}  // namespace kesim::scenario::rows
