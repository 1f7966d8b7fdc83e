// sim/report/format.cpp — the small pieces every renderer shares: times, addresses as WinDbg
// prints them, steps as "file:line: Op", thread ids and states as `!thread` shows them, and
// trace records in words for the "recent history" of a report.
// Determinism: only simulated addresses and indices are printed, never host pointers.
#include <fmt/format.h>

#include "sim/ke/ki.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

using engine::TraceKind;
using engine::TraceRecord;

std::string format_time(std::int64_t ns) {
  const char* sign = ns < 0 ? "-" : "";
  const std::uint64_t v = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  struct Unit {
    std::uint64_t size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}};
  for (const Unit& u : kUnits) {
    if (v < u.size) continue;
    if (v % u.size == 0) return fmt::format("{}{} {}", sign, v / u.size, u.name);
    return fmt::format("{}{:.3f} {}", sign, static_cast<double>(v) / static_cast<double>(u.size),
                       u.name);
  }
  return fmt::format("{}{} ns", sign, v);
}

std::string hex(std::uint64_t v) { return fmt::format("0x{:x}", v); }

const char* version_name(ke::Version v) {
  switch (v) {
    case ke::Version::xp: return "xp";
    case ke::Version::server2003: return "server2003";
    case ke::Version::win10: return "win10";
  }
  return "?";
}

std::string debugger_address(std::uint64_t v) {
  return fmt::format("{:08x}`{:08x}", v >> 32, v & 0xffffffffu);
}

std::string describe_step(const SourceMap& p, const void* step) {
  return step ? p.describe_step(step) : std::string();
}

std::string step_source(const SourceMap& p, const void* step) {
  return step ? p.step_source(step) : std::string();
}

std::string thread_label(const ke::Kernel& k, std::int32_t index) {
  if (index < 0 || static_cast<std::size_t>(index) >= k.threads().size()) return "-";
  return k.threads()[static_cast<std::size_t>(index)]->name;
}

std::string object_label(const ke::Kernel& k, std::int32_t index) {
  if (index < 0 || static_cast<std::size_t>(index) >= k.objects().size()) return "-";
  return k.objects()[static_cast<std::size_t>(index)]->name;
}

std::uint32_t thread_id(const ke::KTHREAD& t) {
  return 0xb70u + 4u * static_cast<std::uint32_t>(t.index);
}

bool is_blocked(const ke::KTHREAD& t) {
  const ke::KTHREAD_STATE s = ke::KiThreadState(t);
  if (s == ke::KTHREAD_STATE::Waiting || s == ke::KTHREAD_STATE::GateWait) return true;
  return t.state == engine::TaskState::Running && t.activity == engine::Activity::Stalled;
}

std::string waiting_on(const ke::Kernel& k, const ke::KTHREAD& t) {
  if (t.waiting_on_lock >= 0) return object_label(k, t.waiting_on_lock);
  std::string s;
  for (std::uint32_t i = 0; i < t.wait_count && t.wait_blocks; ++i) {
    const ke::DISPATCHER_HEADER* o = t.wait_blocks[i].Object;
    if (!o) continue;
    if (!s.empty()) s += ", ";
    s += o->name.empty() ? object_label(k, o->index) : o->name;
  }
  return s;
}

std::string thread_state_text(const ke::KTHREAD& t) {
  using ke::KTHREAD_STATE;
  const char* mode = t.WaitMode == ke::KPROCESSOR_MODE::UserMode ? "UserMode" : "KernelMode";
  const char* alert = t.Alertable ? "Alertable" : "Non-Alertable";
  switch (ke::KiThreadState(t)) {
    case KTHREAD_STATE::Waiting:
      return fmt::format("WAIT: ({}) {} {}", ke::wait_reason_name(t.WaitReason), mode, alert);
    case KTHREAD_STATE::GateWait:
      return fmt::format("GATEWAIT: ({}) {} {}", ke::wait_reason_name(t.WaitReason), mode, alert);
    case KTHREAD_STATE::Running:
      if (t.activity == engine::Activity::Stalled)
        return fmt::format("RUNNING on processor {} (spinning)", t.cpu);
      return fmt::format("RUNNING on processor {}", t.cpu);
    case KTHREAD_STATE::Ready:
      if (t.last_cpu >= 0) return fmt::format("READY on processor {}", t.last_cpu);
      return "READY";
    case KTHREAD_STATE::Terminated: return "TERMINATED";
    case KTHREAD_STATE::Initialized: return "INITIALIZED";
    case KTHREAD_STATE::Standby: return "STANDBY";
    case KTHREAD_STATE::Transition: return "TRANSITION";
    case KTHREAD_STATE::DeferredReady: return "DEFERREDREADY";
  }
  return "?";
}

namespace {

const char* apc_kind_name(std::int64_t kind) {
  switch (kind) {
    case 0: return "special kernel";
    case 1: return "normal kernel";
    case 2: return "user";
  }
  return "?";
}

std::string irql_text(std::int64_t irql) {
  return ke::irql_name(static_cast<ke::KIRQL>(irql));
}

}  // namespace

std::string describe_trace_record(const ke::Kernel& k, const TraceRecord& r) {
  const std::string t = thread_label(k, r.thread);
  const std::string o = object_label(k, r.object);
  switch (r.kind) {
    case TraceKind::ThreadCreate:
      if (r.a >= 0) return fmt::format("{} created by {}", t, thread_label(k, static_cast<std::int32_t>(r.a)));
      return fmt::format("{} created", t);
    case TraceKind::ThreadStart: return fmt::format("{} starts", t);
    case TraceKind::ThreadExit: return fmt::format("{} exits", t);
    case TraceKind::Dispatch: return fmt::format("{} dispatched at priority {}", t, r.a);
    case TraceKind::Preempt: return fmt::format("{} preempted (priority {})", t, r.a);
    case TraceKind::Block: return fmt::format("{} blocks", t);
    case TraceKind::Unblock:
      return fmt::format("{} unwaited with {}", t, ke::status_name(static_cast<ke::NTSTATUS>(r.a)));
    case TraceKind::Ready: return fmt::format("{} ready at priority {}", t, r.a);
    case TraceKind::WorkBegin: return fmt::format("{} works {}", t, format_time(r.a));
    case TraceKind::WorkEnd: return fmt::format("{} finished {} of work", t, format_time(r.a));
    case TraceKind::Irql:
      return fmt::format("{} IRQL {} -> {}", t, irql_text(r.b), irql_text(r.a));
    case TraceKind::KernelApcDisable:
      return fmt::format("{} KernelApcDisable {} -> {}", t, r.a - r.b, r.a);
    case TraceKind::SpecialApcDisable:
      return fmt::format("{} SpecialApcDisable {} -> {}", t, r.a - r.b, r.a);
    case TraceKind::ApcInsert:
      return fmt::format("{} APC {} queued to {}", apc_kind_name(r.a),
                         debugger_address(static_cast<std::uint64_t>(r.b)), t);
    case TraceKind::ApcDeliverBegin:
      return fmt::format("{} runs {} APC {}", t, apc_kind_name(r.a),
                         debugger_address(static_cast<std::uint64_t>(r.b)));
    case TraceKind::ApcDeliverEnd:
      return fmt::format("{} returns from {} APC {}", t, apc_kind_name(r.a),
                         debugger_address(static_cast<std::uint64_t>(r.b)));
    case TraceKind::WaitBegin:
      return fmt::format("{} waits on {} ({})", t, o,
                         ke::wait_reason_name(static_cast<ke::KWAIT_REASON>(r.a)));
    case TraceKind::WaitEnd:
      return fmt::format("{} wait returns {}", t, ke::status_name(static_cast<ke::NTSTATUS>(r.a)));
    case TraceKind::Signal: return fmt::format("{} signals {} (state {})", t, o, r.a);
    case TraceKind::LockAcquire:
      return fmt::format("{} acquires {} ({})", t, o, r.a ? "exclusive" : "shared");
    case TraceKind::LockRelease: return fmt::format("{} releases {}", t, o);
    case TraceKind::LockWait: return fmt::format("{} blocks on {}", t, o);
    case TraceKind::LockTry:
      return fmt::format("{} tries {}: {}", t, o, r.a ? "TRUE" : "FALSE");
    case TraceKind::Spin: return fmt::format("{} spins on {}", t, o);
    case TraceKind::Priority:
      return fmt::format("{} priority {} -> {}", t, r.b, r.a);
    case TraceKind::Bugcheck:
      return fmt::format("{} BUGCHECK 0x{:x}", t, static_cast<std::uint64_t>(r.a));
    case TraceKind::Assert: return fmt::format("{} assertion failed", t);
    case TraceKind::Log: return fmt::format("{} prints output line {}", t, r.a + 1);
    case TraceKind::Timer:
      if (r.a) return fmt::format("timer {} expires", o);
      return fmt::format("{} sets timer {} due {}", t, o, format_time(r.b));
    default:
      break;
  }
  std::string s = fmt::format("{} {}", t, engine::trace_kind_name(r.kind));
  if (r.object >= 0) s += " " + o;
  return s + fmt::format(" ({}, {})", r.a, r.b);
}

std::string render_history(const ke::Kernel& k, const std::vector<TraceRecord>& records) {
  std::string out;
  for (const TraceRecord& r : records) {
    const std::string cpu = r.cpu >= 0 ? fmt::format("CPU{}", r.cpu) : "-";
    out += fmt::format("  {:>12}  {:<5} {:<17} {}\n", format_time(r.time), cpu,
                       engine::trace_kind_name(r.kind), describe_trace_record(k, r));
  }
  return out;
}

}  // namespace kesim::report
