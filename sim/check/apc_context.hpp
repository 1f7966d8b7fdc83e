// sim/check/apc_context.hpp — the apc_context finding (lockdep's "inconsistent usage" for APCs):
// a lock taken inside a kernel APC routine and, elsewhere, held while that kind of APC could be
// delivered to the holder is a potential re-entrancy deadlock, even if this schedule never put
// the APC on the holder. The finding names both steps. Not a Verifier check: on every run.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/check/findings.hpp"
#include "sim/check/observers.hpp"
#include "sim/ke/kernel.hpp"

namespace kesim::check {

class ApcContext final : public ke::Observer {
 public:
  ApcContext(StepNamer namer, const void* context) : namer_(namer), context_(context) {}
  void on_acquire(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, bool exclusive, const void* step) override;
  // An APC routine that blocks on the lock has taken it as far as it could: it counts (that is
  // the deadlock itself, when the holder is the APC's own thread).
  void on_acquire_attempt(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, const void* step) override;
  const Findings& findings() const { return findings_; }

 private:
  // The two kinds of kernel APC whose routines run on the interrupted thread: special (kernel
  // routine only) and normal (kernel routine, then normal routine at PASSIVE_LEVEL).
  static constexpr std::size_t kSpecial = 0, kNormal = 1, kKinds = 2;
  struct Witness {
    std::string thread;  // empty: none yet
    const void* step = nullptr;
  };
  struct PerLock {
    std::array<Witness, kKinds> inside{};   // first acquire inside an APC of that kind
    std::array<Witness, kKinds> exposed{};  // first acquire with that kind deliverable
    std::array<bool, kKinds> reported{};
  };
  void note(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, const void* step, bool held);
  void report(const ke::KOBJECT_BASE& lock, std::size_t kind, const PerLock& p);
  StepNamer namer_;
  const void* context_;
  std::vector<PerLock> locks_;  // by object index; grows once per new lock
  Findings findings_;
};

}  // namespace kesim::check
