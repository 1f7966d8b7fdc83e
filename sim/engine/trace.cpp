#include "sim/engine/trace.hpp"

#include "sim/engine/limits.hpp"

namespace kesim::engine {

namespace {
constexpr const char* kNames[] = {
    "ThreadCreate", "ThreadStart", "ThreadExit", "Dispatch", "Preempt", "Block", "Unblock",
    "Ready", "WorkBegin", "WorkEnd", "Irql", "KernelApcDisable", "SpecialApcDisable",
    "ApcInsert", "ApcDeliverBegin", "ApcDeliverEnd", "WaitBegin", "WaitEnd", "Signal",
    "LockAcquire", "LockRelease", "LockWait", "LockTry", "Interlocked", "IoBegin", "IoComplete",
    "FileOp", "Priority", "Log", "Bugcheck", "Assert", "Spin", "Timer"};
static_assert(sizeof kNames / sizeof kNames[0] == static_cast<std::size_t>(TraceKind::count_));

}  // namespace

const char* trace_kind_name(TraceKind k) { return kNames[static_cast<std::size_t>(k)]; }

void Trace::keep(const TraceRecord& in) {
  TraceRecord r = in;
  r.seq = static_cast<std::uint32_t>(count_);
  if (keep_recent_) ring_[count_ % kRing] = r;
  if (keep_all_) {
    // Past the cap the records are still hashed, not kept (a long run's --trace-out would
    // otherwise grow without bound).
    if (all_.size() < limits::kMaxTraceRecords) all_.push_back(r);
    else truncated_ = true;
  }
}

std::vector<TraceRecord> Trace::recent() const {
  std::vector<TraceRecord> out;
  if (!keep_recent_) return out;
  const std::uint64_t n = count_ < kRing ? count_ : kRing;
  for (std::uint64_t i = count_ - n; i < count_; ++i) out.push_back(ring_[i % kRing]);
  return out;
}

}  // namespace kesim::engine
