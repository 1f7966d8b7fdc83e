// examples/foreign_release.cpp — seed S2 through the installed C++ API. DriverEntry releases a
// push lock that FileCreationThread acquired: with AutoBoost (on by default for win10, as on
// Windows 8.1 and later) that is bug check 0x162 KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE. Then a
// thread body that throws: the exception reaches the caller of run(). Exit 0 when both hold.
#include <kesim/nt/ex.hpp>
#include <kesim/nt/ke.hpp>
#include <kesim/simulator.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>

using namespace kesim::nt;

int main() {
  kesim::Simulator sim({.processors = 2});
  auto& lock = sim.create_push_lock("FilePushLock");
  auto& forever = sim.create_event("Forever", kesim::NotificationEvent, false);
  sim.spawn("FileCreationThread", [&] {
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(lock);
    KeWaitForSingleObject(forever, Executive, KernelMode, false, nullptr);
  });
  sim.spawn("DriverEntry", [&] {
    KeDelayExecutionThread(KernelMode, false, 50'000);
    ExReleasePushLockExclusive(lock);  // this is wrong: DriverEntry never acquired it
  }, 12);
  const kesim::RunResult r = sim.run();
  std::fputs(sim.report().c_str(), stdout);
  if (r.outcome != kesim::Outcome::bugcheck || r.bugcheck->code != 0x162) {
    std::fprintf(stderr, "expected bug check 0x162, got %s\n", kesim::outcome_name(r.outcome));
    return 1;
  }

  kesim::Simulator second;
  second.spawn("Thrower", [] { throw std::runtime_error("a bug in a thread body"); });
  try {
    second.run();
    std::fprintf(stderr, "run() returned instead of rethrowing\n");
    return 1;
  } catch (const std::runtime_error& e) {
    std::printf("caught from run(): %s\n", e.what());
  }
  return 0;
}
