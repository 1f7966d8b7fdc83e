// sim/engine/trace.hpp — the event trace: one record per observable event, hashed as it is
// produced. The hash (a multiply-xorshift mix of the record fields, never host pointers) is the run's
// fingerprint: same scenario, version and seed → same hash on every machine.
// Records are kept only when someone asked (timeline output, reports' recent history keeps a
// small ring), so the hot path costs one hash update.
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

class Trace {
 public:
  void record(const TraceRecord& r);
  std::uint64_t hash() const { return hash_; }
  std::uint64_t count() const { return count_; }

  // Keep every record (for --trace-out); off by default.
  void set_keep_all(bool on) { keep_all_ = on; }
  const std::vector<TraceRecord>& all() const { return all_; }
  // True if all() stopped at limits::kMaxTraceRecords (the hash still covers every record).
  bool truncated() const { return truncated_; }
  // The last kRing records, oldest first.
  static constexpr std::size_t kRing = 64;
  std::vector<TraceRecord> recent() const;

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
  std::uint64_t count_ = 0;
  bool keep_all_ = false;
  bool truncated_ = false;
  std::vector<TraceRecord> all_;
  std::array<TraceRecord, kRing> ring_{};
};

}  // namespace kesim::engine
