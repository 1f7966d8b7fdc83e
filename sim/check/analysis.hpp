// sim/check/analysis.hpp — how a run ended, in a kernel developer's terms: the outcome, the
// wait-for cycle of a deadlock (thread → object → owner → …), every blocked thread with its
// wait reason and why nothing can wake it, the bugcheck. Reads the kernel after the run; never
// changes it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/ke/kernel.hpp"

namespace kesim::check {

enum class Outcome : std::uint8_t { completed, deadlock, hang, bugcheck, assertion_failed, time_limit };
const char* outcome_name(Outcome o);

struct CycleEdge {
  std::int32_t thread = -1;       // waits ...
  std::int32_t object = -1;       // ... for this object (kernel object index; -1 a thread object)
  std::string waits_for;          // the object's name
  std::int32_t held_by = -1;      // ... which this thread holds
};

struct BlockedThread {
  std::int32_t thread = -1;
  ke::KTHREAD_STATE state = ke::KTHREAD_STATE::Waiting;
  ke::KWAIT_REASON reason = ke::Executive;
  std::string waiting_on;         // object names, comma-separated ("" if none)
  std::int32_t lock = -1;         // the lock behind the wait, if any
  engine::Time since = 0;
  std::string why;                // why nothing can wake it (hang) or what it waits for
};

struct RunResult {
  Outcome outcome = Outcome::completed;
  std::string limit;              // time_limit: "time", "steps" or a resource (limits.hpp)
  std::vector<CycleEdge> cycle;
  std::vector<BlockedThread> blocked;  // every thread still blocked at the end
  std::optional<ke::BugcheckRecord> bugcheck;
  std::string assertion;          // what differed
  const void* assertion_step = nullptr;
  engine::Time virtual_time = 0;
  std::uint64_t events = 0;
  std::uint64_t context_switches = 0;
  std::uint64_t steps = 0;
  std::uint64_t trace_hash = 0;
};

RunResult analyse(const ke::Kernel& k, engine::StopReason stop);

// The threads a blocked thread waits for (the owners of what it waits on), in index order.
std::vector<std::int32_t> waits_for_threads(const ke::Kernel& k, const ke::KTHREAD& t);

}  // namespace kesim::check
