// include/kesim/result.hpp — how a run ended, in a kernel developer's terms: the outcome, the
// wait-for cycle of a deadlock (thread → object → owner → …), every blocked thread with its
// wait reason and why nothing can wake it, the bugcheck with its four parameters. Threads and
// objects are named by their index in the machine's tables (reports print their names).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kesim/nt/types.hpp"

namespace kesim {

enum class Outcome : std::uint8_t { completed, deadlock, hang, bugcheck, assertion_failed, time_limit };
const char* outcome_name(Outcome o);

struct BugcheckRecord {
  std::uint32_t code = 0;
  std::array<std::uint64_t, 4> params{};
  std::int32_t thread = -1;
  const void* step = nullptr;  // the step cookie of the thread that stopped the machine
  ke::KIRQL irql = ke::PASSIVE_LEVEL;
  ke::Time time = 0;
  std::string note;  // kesim's one-line account of what led here
};

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
  ke::Time since = 0;
  std::string why;                // why nothing can wake it (hang) or what it waits for
};

struct RunResult {
  Outcome outcome = Outcome::completed;
  std::string limit;              // time_limit: "time", "steps" or a resource (README, "Limits")
  std::vector<CycleEdge> cycle;
  std::vector<BlockedThread> blocked;  // every thread still blocked at the end
  std::optional<BugcheckRecord> bugcheck;
  std::string assertion;          // what differed
  const void* assertion_step = nullptr;
  ke::Time virtual_time = 0;
  std::uint64_t events = 0;
  std::uint64_t context_switches = 0;
  std::uint64_t steps = 0;
  std::uint64_t trace_hash = 0;
};

}  // namespace kesim
