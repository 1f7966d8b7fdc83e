// tests/machine/machine_test.cpp — the one composition root (sim/machine): machines are values
// with no global state, a thread's exception reaches the caller of run(), the C++ API gets the
// same machine (AutoBoost on win10, reports) as a YAML scenario.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sim/ke/ke.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/ex/eresource.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/run/run.hpp"

using namespace kesim;
using namespace kesim::nt;

namespace {

std::string scenario(const char* rel) { return std::string(KESIM_SOURCE_DIR) + "/" + rel; }

// The trace hash and outcome of one scenario run at one seed.
std::pair<std::string, std::string> fingerprint(const std::string& file, std::uint64_t seed) {
  run::Options opt;
  opt.seed = seed;
  const run::Result r = run::run_file(file, opt);
  return {r.outcome, r.json.value("trace_hash", std::string())};
}

}  // namespace

TEST(Machine, TwoMachinesRunSideBySideOnTwoOsThreads) {
  const std::vector<std::string> files = {scenario("scenarios/classroom/abba_deadlock.yaml"),
                                          scenario("scenarios/seeds/foreign_release_0x162.yaml"),
                                          scenario("scenarios/designs/cas_spin_lock.yaml"),
                                          scenario("scenarios/seeds/file_race_no_lock.yaml")};
  // Alone, one after the other.
  std::vector<std::pair<std::string, std::string>> alone;
  for (const std::string& f : files)
    for (std::uint64_t seed : {0, 3, 11}) alone.push_back(fingerprint(f, seed));
  // The same runs, split over two OS threads that run at the same time.
  std::vector<std::pair<std::string, std::string>> a(alone.size()), b(alone.size());
  auto worker = [&](std::vector<std::pair<std::string, std::string>>& out) {
    for (int round = 0; round < 3; ++round) {
      std::size_t i = 0;
      for (const std::string& f : files)
        for (std::uint64_t seed : {0, 3, 11}) out[i++] = fingerprint(f, seed);
    }
  };
  std::thread t1(worker, std::ref(a));
  std::thread t2(worker, std::ref(b));
  t1.join();
  t2.join();
  EXPECT_EQ(a, alone);
  EXPECT_EQ(b, alone);
  EXPECT_EQ(alone[0].first, "deadlock");
  EXPECT_EQ(alone[3].first, "bugcheck");
}

TEST(Machine, AnExceptionThrownInAThreadReachesTheCallerOfRun) {
  Simulator sim({.processors = 2});
  auto& done = sim.kernel().create_event("Done", true, false);
  bool waiter_unwound = false;
  struct Guard {
    bool& flag;
    ~Guard() { flag = true; }
  };
  sim.spawn("Waiter", [&] {
    Guard g{waiter_unwound};
    KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr);
  });
  sim.spawn("Thrower", [&] {
    KeDelayExecutionThread(KernelMode, false, 1000);
    throw std::runtime_error("driver bug in Thrower");
  });
  try {
    sim.run();
    FAIL() << "run() returned";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "driver bug in Thrower");
  }
  EXPECT_EQ(sim.kernel().engine().now(), 1000);
  // The other fiber is still suspended in its wait until the machine is destroyed.
  EXPECT_FALSE(waiter_unwound);
}

TEST(Machine, CppApiHasAutoBoostOnWin10ByDefault) {
  // Seed S2 through the C++ API: a foreign push-lock release bugchecks 0x162, as in YAML.
  Simulator sim({.processors = 2});
  auto& lock = ex::create_push_lock(sim.kernel(), "FilePushLock");
  auto& forever = sim.kernel().create_event("Forever", true, false);
  sim.spawn("FileCreationThread", [&] {
    KeEnterCriticalRegion();
    ex::ExAcquirePushLockExclusive(lock);
    KeWaitForSingleObject(forever, Executive, KernelMode, false, nullptr);
  });
  sim.spawn("DriverEntry", [&] {
    KeDelayExecutionThread(KernelMode, false, 50'000);
    ex::ExReleasePushLockExclusive(lock);
  }, 12);
  const RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  EXPECT_EQ(r.bugcheck->code, 0x162u);
  const std::string report = sim.report();
  EXPECT_NE(report.find("KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE (162)"), std::string::npos) << report;
  EXPECT_NE(sim.view("!locks").find("Lock FilePushLock (PushLock)"), std::string::npos);
  EXPECT_THROW(sim.view("!bogus"), std::invalid_argument);
}

TEST(Machine, CppApiCreatesAnEresourceAndItsRoutinesWork) {
  // Two readers share the resource; a writer queued behind them gets it when both are gone
  // (ReactOS ex/resource.c), and !locks shows the resource.
  Simulator sim({.processors = 2});
  ex::ERESOURCE& r = sim.create_resource("Table");
  std::vector<std::string> order;
  for (const char* name : {"Reader1", "Reader2"})
    sim.spawn(name, [&, name] {
      KeEnterCriticalRegion();
      EXPECT_TRUE(ex::ExAcquireResourceSharedLite(r, true));
      EXPECT_EQ(ex::ExIsResourceAcquiredSharedLite(r), 1u);
      KeDelayExecutionThread(KernelMode, false, 20'000);
      order.push_back(name);
      ex::ExReleaseResourceLite(r);
      KeLeaveCriticalRegion();
    });
  sim.spawn("Writer", [&] {
    KeDelayExecutionThread(KernelMode, false, 5'000);
    KeEnterCriticalRegion();
    EXPECT_FALSE(ex::ExTryToAcquireResourceExclusiveLite(r));
    EXPECT_TRUE(ex::ExAcquireResourceExclusiveLite(r, true));
    EXPECT_TRUE(ex::ExIsResourceAcquiredExclusiveLite(r));
    order.push_back("Writer");
    ex::ExReleaseResourceLite(r);
    KeLeaveCriticalRegion();
  });
  const RunResult res = sim.run();
  EXPECT_EQ(res.outcome, Outcome::completed) << sim.report();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order.back(), "Writer");
  EXPECT_NE(sim.view("!locks").find("Lock Table"), std::string::npos) << sim.view("!locks");
}

TEST(Machine, WithoutAutoBoostTheForeignReleaseGoesUnnoticed) {
  Simulator sim({.processors = 2, .autoboost = false});
  auto& lock = ex::create_push_lock(sim.kernel(), "L");
  sim.spawn("Owner", [&] {
    KeEnterCriticalRegion();
    ex::ExAcquirePushLockExclusive(lock);
  });
  sim.spawn("Other", [&] {
    KeDelayExecutionThread(KernelMode, false, 1000);
    ex::ExReleasePushLockExclusive(lock);
    KeLeaveCriticalRegion();  // unbalanced: Other never entered one
  });
  const RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);  // Owner exits inside its critical region
  EXPECT_EQ(r.bugcheck->code, 0x20u);
}
