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

// One round per 64-bit word (a multiply-xorshift in the style of SplitMix64/Murmur3's
// finalizer): cheap, order-sensitive, and independent of the host.
inline void mix(std::uint64_t& h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 31;
}
}  // namespace

const char* trace_kind_name(TraceKind k) { return kNames[static_cast<std::size_t>(k)]; }

void Trace::record(const TraceRecord& in) {
  TraceRecord r = in;
  r.seq = static_cast<std::uint32_t>(count_);
  mix(hash_, static_cast<std::uint64_t>(r.time));
  mix(hash_, (static_cast<std::uint64_t>(static_cast<std::uint16_t>(r.cpu)) << 48) |
                 (static_cast<std::uint64_t>(r.kind) << 32) | static_cast<std::uint32_t>(r.thread));
  mix(hash_, static_cast<std::uint32_t>(r.object));
  mix(hash_, static_cast<std::uint64_t>(r.a));
  mix(hash_, static_cast<std::uint64_t>(r.b));
  ring_[count_ % kRing] = r;
  ++count_;
  if (keep_all_) {
    // Past the cap the records are still hashed, not kept (a long run's --trace-out would
    // otherwise grow without bound).
    if (all_.size() < limits::kMaxTraceRecords) all_.push_back(r);
    else truncated_ = true;
  }
}

std::vector<TraceRecord> Trace::recent() const {
  std::vector<TraceRecord> out;
  const std::uint64_t n = count_ < kRing ? count_ : kRing;
  for (std::uint64_t i = count_ - n; i < count_; ++i) out.push_back(ring_[i % kRing]);
  return out;
}

}  // namespace kesim::engine
