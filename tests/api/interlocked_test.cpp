// InterlockedWord tests (include/kesim/nt/interlocked.hpp): every operation returns the old
// value as its NT counterpart does, and every operation is a scheduling point — so a spin lock
// built from compare_exchange keeps a shared counter exact under random interleavings, while a
// read-work-write without the lock loses updates. Each run uses a fresh simulator.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "sim/ke/ke.hpp"
#include "include/kesim/nt/interlocked.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;

TEST(InterlockedWord, OperationsReturnTheOldValue) {
  Simulator sim;
  std::vector<std::uint64_t> got;
  InterlockedWord w(0x4);
  sim.spawn("T", [&] {
    got.push_back(w.bit_test_and_set(0));    // 0, word 0x5
    got.push_back(w.bit_test_and_set(2));    // 1, word 0x5
    got.push_back(w.bit_test_and_set(63));   // 0, word 0x8000000000000005
    got.push_back(w.bit_test_and_reset(63)); // 1, word 0x5
    got.push_back(w.bit_test_and_reset(0));  // 1, word 0x4
    got.push_back(w.bit_test_and_reset(0));  // 0, word 0x4
    got.push_back(w.exchange_add(5));        // 4, word 9
    got.push_back(w.exchange_add(-3));       // 9, word 6
    got.push_back(w.exchange(0x10));         // 6, word 0x10
    got.push_back(w.compare_exchange(0x20, 0x11));  // 0x10, no change
    got.push_back(w.compare_exchange(0x20, 0x10));  // 0x10, word 0x20
    got.push_back(w.fetch_or(0x3));          // 0x20, word 0x23
    got.push_back(w.fetch_and(~std::uint64_t{0x1}));  // 0x23, word 0x22
    got.push_back(w.load());                 // 0x22
    w.store(0x7);
    got.push_back(w.peek());                 // 0x7
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(got, (std::vector<std::uint64_t>{0, 1, 0, 1, 1, 0, 4, 9, 6, 0x10, 0x10, 0x20, 0x23,
                                             0x22, 0x7}));
  EXPECT_EQ(w.peek(), 0x7u);
}

TEST(InterlockedWord, ExchangeAddWrapsLikeAnUnsignedWord) {
  Simulator sim;
  InterlockedWord w(0);
  std::uint64_t old = 1;
  sim.spawn("T", [&] { old = w.exchange_add(-1); });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(old, 0u);
  EXPECT_EQ(w.peek(), ~std::uint64_t{0});
}

TEST(InterlockedWord, PeekAndPokeNeedNoRunningThread) {
  InterlockedWord w(3);
  EXPECT_EQ(w.peek(), 3u);
  w.poke(9);
  EXPECT_EQ(w.peek(), 9u);
}

// ---- a spin lock built from compare_exchange -----------------------------------------------------

constexpr int kThreads = 4;
constexpr int kIncrements = 100;

struct CounterRun {
  Outcome outcome;
  std::uint64_t count;
  int overlaps;  // times two threads were inside the critical section at once
};

// 4 threads × 100 increments of a shared counter on 2 processors. With `locked`, each increment
// runs under a test-and-set lock: CAS 0 → 1, backing off 10 ns of CPU between tries, store 0 to
// release. Without it, each thread reads, works `work` ns (if any) and writes back.
CounterRun run_counter(std::uint64_t seed, bool locked, Time work = 10) {
  Simulator sim({.processors = 2, .seed = seed});
  InterlockedWord lock(0), counter(0);
  int inside = 0, overlaps = 0;
  for (int i = 0; i < kThreads; ++i)
    sim.spawn("T" + std::to_string(i), [&] {
      for (int n = 0; n < kIncrements; ++n) {
        if (locked)
          while (lock.compare_exchange(1, 0) != 0) KiRunOnCpu(10);
        if (++inside > 1) ++overlaps;
        const std::uint64_t v = counter.load();
        if (work) KiRunOnCpu(work);
        counter.store(v + 1);
        --inside;
        if (locked) lock.store(0);
      }
    });
  RunResult r = sim.run();
  return {r.outcome, counter.peek(), overlaps};
}

TEST(InterlockedSpinLock, CounterIsExactForEverySeed) {
  for (std::uint64_t seed = 0; seed <= 20; ++seed) {
    const CounterRun run = run_counter(seed, true);
    ASSERT_EQ(run.outcome, Outcome::completed) << "seed " << seed;
    EXPECT_EQ(run.count, static_cast<std::uint64_t>(kThreads * kIncrements)) << "seed " << seed;
    EXPECT_EQ(run.overlaps, 0) << "seed " << seed;
  }
}

TEST(InterlockedSpinLock, WithoutTheLockUpdatesAreLost) {
  // Every load and store is a scheduling point, so another thread can run between a read and
  // its write-back: at least one random schedule loses increments.
  int lossy = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const CounterRun run = run_counter(seed, false);
    ASSERT_EQ(run.outcome, Outcome::completed) << "seed " << seed;
    EXPECT_LE(run.count, static_cast<std::uint64_t>(kThreads * kIncrements)) << "seed " << seed;
    if (run.count < static_cast<std::uint64_t>(kThreads * kIncrements)) {
      ++lossy;
      EXPECT_GT(run.overlaps, 0) << "seed " << seed;
    }
  }
  EXPECT_GE(lossy, 1);
}

TEST(InterlockedSpinLock, ALoadAndAStoreAloneAreInterleaved) {
  // No work between the read and the write: were load/store not scheduling points, the pair
  // would run atomically on one CPU and no update could be lost.
  int lossy = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const CounterRun run = run_counter(seed, false, 0);
    ASSERT_EQ(run.outcome, Outcome::completed) << "seed " << seed;
    if (run.count < static_cast<std::uint64_t>(kThreads * kIncrements)) ++lossy;
  }
  EXPECT_GE(lossy, 1);
  // ... and the lock still makes it exact.
  for (std::uint64_t seed = 0; seed <= 20; ++seed)
    EXPECT_EQ(run_counter(seed, true, 0).count, static_cast<std::uint64_t>(kThreads * kIncrements))
        << "seed " << seed;
}

TEST(InterlockedSpinLock, SameSeedSameResult) {
  const CounterRun a = run_counter(7, false);
  const CounterRun b = run_counter(7, false);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.overlaps, b.overlaps);
}

}  // namespace
}  // namespace kesim
