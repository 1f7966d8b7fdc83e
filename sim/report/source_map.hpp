// sim/report/source_map.hpp — what reports need to know about the program a machine ran, and
// nothing more: its name, file and description, and for a step cookie (KTHREAD::current_step,
// a bugcheck's or an assertion's step) where it is written. A YAML scenario implements it over
// its Program (sim/scenario/source_map.hpp); the C++ API over the call sites of its threads.
// Reports therefore render the same `!analyze -v`, views and trace for either front end.
#pragma once

#include <cstdint>
#include <string>

namespace kesim::report {

class SourceMap {
 public:
  virtual ~SourceMap() = default;
  virtual std::string name() const { return {}; }
  virtual std::string file() const { return {}; }
  virtual std::string description() const { return {}; }
  // "file:line: OpName" for a step cookie, "" when the cookie is null or unknown.
  virtual std::string describe_step(const void* step) const { return {}; }
  // The step as written in its source, trimmed ("- ExAcquirePushLockExclusive: L"), or "".
  virtual std::string step_source(const void* step) const { return {}; }
};

// A machine without a program (unit tests, bare kernels): every step is unknown.
inline const SourceMap& no_source() {
  static const SourceMap kNone;
  return kNone;
}

// Debugger views for `dump` steps, reports and the C++ API. `name` is the thread of `!thread
// NAME` (a thread's name, or a `count:` template's name for all its instances) or the lock of
// `!pushlock NAME`; empty for `!thread` (the current thread, or all at the end).
enum class ViewKind : std::uint8_t { thread, locks, pushlock, apc, ready, waiters };
struct View {
  ViewKind kind = ViewKind::thread;
  std::string name;
};

}  // namespace kesim::report
