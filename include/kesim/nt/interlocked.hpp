// include/kesim/nt/interlocked.hpp — simulated pointer-sized interlocked words. Every operation
// is a scheduling point before it takes effect, so a lock design built on them is interleaved
// by the engine (and by exploration) exactly where real CPUs could interleave it.
#pragma once

#include <cstdint>

#include "kesim/nt/ke.hpp"

namespace kesim::nt {

class InterlockedWord {
 public:
  // After every operation the machine checks the invariants a test registered
  // (Simulator::add_invariant); a violation ends the run with outcome assertion_failed.
  // The id (creation order on the machine) names the word to exploration's partial-order
  // reduction; create shared words before the threads start so ids do not depend on the schedule.
  explicit InterlockedWord(std::uint64_t initial = 0) : value_(initial), id_(ke::KiNewWordId()) {}
  // Plain read (a scheduling point too: another CPU may have written just before).
  std::uint64_t load() { point(false); return after(value_); }
  void store(std::uint64_t v) { point(true); value_ = v; after(0); }
  // InterlockedCompareExchange64: returns the old value; writes `exchange` if it was `comparand`.
  std::uint64_t compare_exchange(std::uint64_t exchange, std::uint64_t comparand) {
    point(true);  // a failed CAS is still a locked read-modify-write
    const std::uint64_t old = value_;
    if (old == comparand) value_ = exchange;
    return after(old);
  }
  std::uint64_t exchange(std::uint64_t v) { point(true); std::uint64_t o = value_; value_ = v; return after(o); }
  std::uint64_t exchange_add(std::int64_t d) { point(true); std::uint64_t o = value_; value_ += static_cast<std::uint64_t>(d); return after(o); }
  std::uint64_t fetch_or(std::uint64_t m) { point(true); std::uint64_t o = value_; value_ |= m; return after(o); }
  std::uint64_t fetch_and(std::uint64_t m) { point(true); std::uint64_t o = value_; value_ &= m; return after(o); }
  // InterlockedBitTestAndSet64 / Reset64: returns the bit's previous value.
  bool bit_test_and_set(unsigned bit) { return (fetch_or(std::uint64_t{1} << bit) >> bit) & 1; }
  bool bit_test_and_reset(unsigned bit) { return (fetch_and(~(std::uint64_t{1} << bit)) >> bit) & 1; }
  // The value without a scheduling point: for reports and assertions, not for lock code.
  std::uint64_t peek() const { return value_; }
  void poke(std::uint64_t v) { value_ = v; }

 private:
  void point(bool write) { ke::KiSchedulingPointWord(id_, write); }
  static std::uint64_t after(std::uint64_t v) {
    ke::KiCheckInvariants();
    return v;
  }
  std::uint64_t value_;
  std::uint32_t id_;
};

// The same operations in NT spelling, for code written like a driver. Each returns what the
// wdm.h routine returns (Microsoft's reference pages): the initial value, except
// InterlockedIncrement64/InterlockedDecrement64, which return the resulting value.
inline std::int64_t InterlockedCompareExchange64(InterlockedWord& target, std::int64_t exchange,
                                                 std::int64_t comparand) {
  return static_cast<std::int64_t>(target.compare_exchange(static_cast<std::uint64_t>(exchange),
                                                           static_cast<std::uint64_t>(comparand)));
}
inline std::int64_t InterlockedExchange64(InterlockedWord& target, std::int64_t value) {
  return static_cast<std::int64_t>(target.exchange(static_cast<std::uint64_t>(value)));
}
inline std::int64_t InterlockedExchangeAdd64(InterlockedWord& target, std::int64_t value) {
  return static_cast<std::int64_t>(target.exchange_add(value));
}
inline std::int64_t InterlockedIncrement64(InterlockedWord& target) {
  return static_cast<std::int64_t>(target.exchange_add(1)) + 1;
}
inline std::int64_t InterlockedDecrement64(InterlockedWord& target) {
  return static_cast<std::int64_t>(target.exchange_add(-1)) - 1;
}
inline std::int64_t ReadNoFence64(InterlockedWord& source) { return static_cast<std::int64_t>(source.load()); }
inline void WriteNoFence64(InterlockedWord& destination, std::int64_t value) {
  destination.store(static_cast<std::uint64_t>(value));
}
// The `pause` instruction of a spin loop: 10 ns of CPU, so the lock holder's time goes on.
inline void YieldProcessor() { ke::KiYieldProcessor(); }

}  // namespace kesim::nt
