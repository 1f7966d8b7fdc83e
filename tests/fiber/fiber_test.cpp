// Fiber layer: guard pages below every stack (issue #7 item 1), the running-fiber record a
// crash handler reads, and fibers on two OS threads at once (thread_local switch state).
#include "sim/fiber/fiber.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace kesim::fiber {
namespace {

TEST(Fiber, EveryStackOfAnArenaHasAGuardPageBelowIt) {
  StackPool pool(16 * 1024);
  std::vector<StackPool::Stack> stacks;
  for (int i = 0; i < 70; ++i) stacks.push_back(pool.acquire());  // more than one arena
  for (const auto& s : stacks) {
    // The guard faults; the stack itself is usable from its lowest byte to its highest.
    std::memset(s.base, 1, s.size);
    for (const auto& other : stacks) {
      const bool overlaps = other.base != s.base && other.base < s.base + s.size &&
                            s.base < other.base + other.size;
      EXPECT_FALSE(overlaps);
    }
  }
  const StackPool::Stack s = stacks[5];
  EXPECT_DEATH({ *reinterpret_cast<volatile char*>(s.base - 1) = 1; }, "");
  EXPECT_DEATH({ *reinterpret_cast<volatile char*>(s.base - StackPool::guard_size()) = 1; }, "");
  for (const auto& st : stacks) pool.release(st);
}

// ---- an overflowing fiber faults on its guard page, and the fault is recognisable ---------------

Fiber* g_main = nullptr;
Fiber* g_deep = nullptr;

int deep(int n) {
  volatile char frame[256];
  frame[0] = static_cast<char>(n);
  return n < (1 << 30) ? deep(n + 1) + frame[0] : 0;
}
void deep_entry(Fiber&) { deep(0); }

void on_segv(int, siginfo_t* info, void*) {
  const Fiber* f = running_fiber();
  const char* msg = f == g_deep && f->guard_contains(info->si_addr) ? "overflow in guard page\n"
                                                                     : "other fault\n";
  (void)!write(STDERR_FILENO, msg, std::strlen(msg));
  _exit(3);
}

void overflow_with_handler() {
  static char alt[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt;
  ss.ss_size = sizeof alt;
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_sigaction = &on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, nullptr);
  StackPool pool(32 * 1024);
  Fiber main, f;
  g_main = &main;
  g_deep = &f;
  f.prepare(&pool, &deep_entry, nullptr);
  switch_to(main, f);
}

TEST(Fiber, StackOverflowFaultsOnTheGuardPageOfTheRunningFiber) {
  EXPECT_EXIT(overflow_with_handler(), ::testing::ExitedWithCode(3), "overflow in guard page");
}

// ---- running_fiber, and two OS threads switching fibers at the same time -------------------------

struct PingPong {
  StackPool pool{32 * 1024};
  Fiber main, a, b;
  long left = 0;
  long a_runs = 0, b_runs = 0;
  bool running_ok = true;
};
thread_local PingPong* t_pp = nullptr;

void ping(Fiber& self) {
  for (;;) {
    PingPong& p = *t_pp;
    p.running_ok = p.running_ok && running_fiber() == &self;
    ++p.a_runs;
    if (--p.left <= 0) switch_to(p.a, p.main);
    else switch_to(p.a, p.b);
  }
}
void pong(Fiber& self) {
  for (;;) {
    PingPong& p = *t_pp;
    p.running_ok = p.running_ok && running_fiber() == &self;
    ++p.b_runs;
    if (--p.left <= 0) switch_to(p.b, p.main);
    else switch_to(p.b, p.a);
  }
}

// Each OS thread starts fibers of its own: the first-run handoff (which fiber a trampoline
// is) must not be shared between threads.
void bounce(long switches, PingPong& p) {
  t_pp = &p;
  p.left = switches;
  p.a.prepare(&p.pool, &ping, nullptr);
  p.b.prepare(&p.pool, &pong, nullptr);
  switch_to(p.main, p.a);
  p.running_ok = p.running_ok && running_fiber() == &p.main;
}

TEST(Fiber, TwoOsThreadsRunTheirOwnFibersAtOnce) {
  constexpr int kRounds = 200;
  std::atomic<int> bad{0};
  auto worker = [&] {
    for (int i = 0; i < kRounds; ++i) {
      PingPong p;
      bounce(1000, p);
      if (!p.running_ok || p.a_runs + p.b_runs != 1000) ++bad;
      // The fibers are parked mid-loop; their stacks go with the pool.
    }
  };
  std::thread t1(worker), t2(worker);
  t1.join();
  t2.join();
  EXPECT_EQ(bad.load(), 0);
}

// ---- ASan: the main fiber's stack survives a round trip (issue #7 item 7) -------------------------

Fiber* g_rt_main = nullptr;
Fiber* g_rt_fiber = nullptr;
void round_trip_entry(Fiber& self) {
  for (;;) switch_to(self, *g_rt_main);
}

// Switching back to the main fiber used to tell ASan the main stack was empty (bottom 0, size
// 0). The first exception thrown on the main stack afterwards then made ASan print "ASan is
// ignoring requested __asan_handle_no_return" and false positives followed.
TEST(Fiber, AsanKnowsTheMainStackAfterARoundTrip) {
#ifndef KESIM_ASAN
  GTEST_SKIP() << "AddressSanitizer build only";
#else
  StackPool pool(64 * 1024);
  Fiber main, f;
  g_rt_main = &main;
  g_rt_fiber = &f;
  f.prepare(&pool, &round_trip_entry, nullptr);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) {
    switch_to(main, f);
    try {
      throw std::runtime_error("on the main stack");
    } catch (const std::exception&) {
    }
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("__asan_handle_no_return"), std::string::npos) << err;
#endif
}

}  // namespace
}  // namespace kesim::fiber
