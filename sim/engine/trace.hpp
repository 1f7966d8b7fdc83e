// sim/engine/trace.hpp — the event trace: one record per observable event, hashed as it is
// produced. The hash (a multiply-xorshift mix of the record fields, never host pointers) is the run's
// fingerprint: same scenario, version and seed → same hash on every machine.
// Records are kept only when someone asked: all of them for the timeline and the HTML report
// (set_keep_all), the last kRing for the text report's recent history (set_keep_recent, on by
// default). Exploration turns both off: a record then costs the hash update alone, inline.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace kesim::engine {

using Time = std::int64_t;  // virtual nanoseconds

// The vocabulary of observable events; layers above record the ones they own.
enum class TraceKind : std::uint16_t {
  ThreadCreate, ThreadStart, ThreadExit, Dispatch, Preempt, Block, Unblock, Ready,
  WorkBegin, WorkEnd, Irql, KernelApcDisable, SpecialApcDisable, ApcInsert, ApcDeliverBegin,
  ApcDeliverEnd, WaitBegin, WaitEnd, Signal, LockAcquire, LockRelease, LockWait, LockTry,
  Interlocked, IoBegin, IoComplete, FileOp, Priority, Log, Bugcheck, Assert, Spin, Timer,
  count_
};
const char* trace_kind_name(TraceKind k);

struct TraceRecord {
  Time time = 0;
  std::uint32_t seq = 0;
  std::int16_t cpu = -1;
  TraceKind kind = TraceKind::Log;
  std::int32_t thread = -1;  // thread index, -1 none
  std::int32_t object = -1;  // object index (layer-defined), -1 none
  std::int64_t a = 0;        // kind-defined arguments
  std::int64_t b = 0;
};

namespace trace_detail {
// One round per 64-bit word (a multiply-xorshift in the style of SplitMix64/Murmur3's
// finalizer): cheap, order-sensitive, and independent of the host.
inline void mix(std::uint64_t& h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 31;
}
}  // namespace trace_detail

class Trace {
 public:
  // Hashes the record; keeps it only when asked (the out-of-line part). The hash is the same
  // whatever is kept.
  void record(const TraceRecord& r) {
    using trace_detail::mix;
    mix(hash_, static_cast<std::uint64_t>(r.time));
    mix(hash_, (static_cast<std::uint64_t>(static_cast<std::uint16_t>(r.cpu)) << 48) |
                   (static_cast<std::uint64_t>(r.kind) << 32) | static_cast<std::uint32_t>(r.thread));
    mix(hash_, static_cast<std::uint32_t>(r.object));
    mix(hash_, static_cast<std::uint64_t>(r.a));
    mix(hash_, static_cast<std::uint64_t>(r.b));
    if (keep_recent_ || keep_all_) keep(r);
    ++count_;
  }
  std::uint64_t hash() const { return hash_; }
  std::uint64_t count() const { return count_; }

  // Keep every record (for --trace-out); off by default.
  void set_keep_all(bool on) { keep_all_ = on; }
  // Keep the last kRing records for recent() (the text report); on by default.
  void set_keep_recent(bool on) { keep_recent_ = on; }
  const std::vector<TraceRecord>& all() const { return all_; }
  // True if all() stopped at limits::kMaxTraceRecords (the hash still covers every record).
  bool truncated() const { return truncated_; }
  // The last kRing records, oldest first (none when set_keep_recent(false)).
  static constexpr std::size_t kRing = 64;
  std::vector<TraceRecord> recent() const;
  // Back to an empty trace (Machine::reset): the hash restarts, the records kept so far are
  // dropped (all_ keeps its capacity); what is kept stays as configured.
  void reset() {
    hash_ = 0xcbf29ce484222325ull;
    count_ = 0;
    truncated_ = false;
    all_.clear();
  }

 private:
  void keep(const TraceRecord& r);  // stores r (its seq = count_) in the ring and/or all_
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
  std::uint64_t count_ = 0;
  bool keep_recent_ = true;
  bool keep_all_ = false;
  bool truncated_ = false;
  std::vector<TraceRecord> all_;
  std::array<TraceRecord, kRing> ring_{};
};

}  // namespace kesim::engine
