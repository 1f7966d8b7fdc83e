// Run limits on a kernel (issue #7 item 4): threads created in a loop, an APC that queues two
// more, unbounded log output. Each run must stop with outcome time_limit naming the limit, with
// memory bounded by the limit. The limits are lowered through KernelConfig so the tests run fast;
// the defaults are in sim/engine/limits.hpp.
#include <gtest/gtest.h>

#include "sim/check/analysis.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"

namespace kesim::ke {
namespace {

void idle(KTHREAD&, void*) {}

struct Fixture {
  explicit Fixture(KernelConfig c) : k(c) {}
  check::RunResult run() { return check::analyse(k, k.run()); }
  Kernel k;
};

KernelConfig small() {
  KernelConfig c;
  c.autoboost = false;
  c.engine.processors = 1;
  c.max_threads = 50;
  c.max_apcs = 64;
  c.max_output_bytes = 4096;
  return c;
}

TEST(RunLimits, CreatingThreadsInALoopStopsAtTheThreadLimit) {
  Fixture f(small());
  f.k.start_thread_at(f.k.create_thread("Creator", 8, ~0ull, [](KTHREAD&, void*) {
    Kernel& k = current_kernel();
    for (int i = 0;; ++i) PsCreateSystemThread(k.create_thread("T" + std::to_string(i), 8, ~0ull, &idle, nullptr));
  }, nullptr), 0);
  const check::RunResult r = f.run();
  EXPECT_EQ(r.outcome, check::Outcome::time_limit);
  EXPECT_EQ(r.limit, "threads");
  EXPECT_EQ(f.k.threads().size(), 50u);
}

// Each delivery queues two more special APCs to the same thread: the queue doubles.
void multiply(KAPC& apc) {
  Kernel& k = current_kernel();
  KTHREAD& self = *KeGetCurrentThread();
  for (int i = 0; i < 2; ++i) {
    KAPC& next = k.allocate_apc();
    KeInitializeApc(next, self, ApcKind::Special, &multiply, nullptr, nullptr);
    KeInsertQueueApc(next);
  }
}

TEST(RunLimits, AnApcThatQueuesTwoMoreStopsAtTheApcLimit) {
  Fixture f(small());
  f.k.start_thread_at(f.k.create_thread("Bomb", 8, ~0ull, [](KTHREAD& self, void*) {
    Kernel& k = current_kernel();
    KAPC& first = k.allocate_apc();
    KeInitializeApc(first, self, ApcKind::Special, &multiply, nullptr, nullptr);
    KeInsertQueueApc(first);
    KeDelayExecutionThread(KPROCESSOR_MODE::KernelMode, false, 1000);
  }, nullptr), 0);
  const check::RunResult r = f.run();
  EXPECT_EQ(r.outcome, check::Outcome::time_limit);
  EXPECT_EQ(r.limit, "apcs");
}

TEST(RunLimits, OutputStopsAtTheOutputLimit) {
  Fixture f(small());
  static int lines = 0;
  lines = 0;
  f.k.start_thread_at(f.k.create_thread("Logger", 8, ~0ull, [](KTHREAD&, void*) {
    for (;;) {
      KiCountOutput(100);
      ++lines;
    }
  }, nullptr), 0);
  const check::RunResult r = f.run();
  EXPECT_EQ(r.outcome, check::Outcome::time_limit);
  EXPECT_EQ(r.limit, "output");
  EXPECT_EQ(lines, 40);  // the 41st line would pass 4096 bytes
}

TEST(RunLimits, StepsAreCountedThroughKiCountStep) {
  KernelConfig c = small();
  c.engine.max_steps = 1000;
  Fixture f(c);
  f.k.start_thread_at(f.k.create_thread("Loop", 8, ~0ull, [](KTHREAD&, void*) {
    for (;;) KiCountStep();
  }, nullptr), 0);
  const check::RunResult r = f.run();
  EXPECT_EQ(r.outcome, check::Outcome::time_limit);
  EXPECT_EQ(r.limit, "steps");
}

}  // namespace
}  // namespace kesim::ke
