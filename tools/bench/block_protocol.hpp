// tools/bench/block_protocol.hpp — BENCHMARKS.md's reference protocol `block` in kesim's C++
// API: an exclusive lock on one 64-bit word (LOCK = 1, each waiter adds SHARE = 0x10) whose
// contended acquire registers as a waiter and waits on a counting semaphore (the "gate").
// Every atomic operation is one scheduling point; each of `threads` threads takes the lock
// `rounds` times. `lost_wakeup` is bugB: the no-waiter release is a blind store(0), which can
// erase a waiter that registered in between (it then waits for ever).
#pragma once

#include <memory>

#include <kesim/check.hpp>
#include <kesim/explore.hpp>
#include <kesim/nt/interlocked.hpp>
#include <kesim/simulator.hpp>

namespace kesim::bench {

inline kesim::TestBody block_protocol(int threads, int rounds, bool lost_wakeup) {
  return [=](kesim::Simulator& sim) {
    constexpr std::uint64_t kLock = 1, kShare = 0x10;
    struct State {
      nt::InterlockedWord word;
      int owners = 0;  // only touched while holding the lock, between two operations on `word`
      ke::KSEMAPHORE* gate = nullptr;
    };
    auto s = std::make_shared<State>();
    s->gate = &sim.create_semaphore("Gate", 0, 1 << 20);
    for (int i = 0; i < threads; ++i)
      sim.spawn("T" + std::to_string(i), [s, rounds, lost_wakeup] {
        for (int k = 0; k < rounds; ++k) {
          for (;;) {  // acquire
            const std::uint64_t v = s->word.load();
            if (!(v & kLock)) {
              if (s->word.compare_exchange(v | kLock, v) == v) break;
              continue;
            }
            if (s->word.compare_exchange(v + kShare, v) == v)
              nt::KeWaitForSingleObject(*s->gate, ke::Executive, nt::KernelMode, false, nullptr);
          }
          KESIM_ASSERT(++s->owners == 1);
          --s->owners;
          for (;;) {  // release
            const std::uint64_t v = s->word.load();
            if (v >= kShare) {
              if (s->word.compare_exchange((v - kShare) & ~kLock, v) == v) {
                nt::KeReleaseSemaphore(*s->gate, 0, 1, false);
                break;
              }
            } else if (lost_wakeup) {
              s->word.store(0);
              break;
            } else if (s->word.compare_exchange(0, v) == v) {
              break;
            }
          }
        }
      });
  };
}

}  // namespace kesim::bench
