// sim/explore/footprint.hpp — what one transition touched, for partial-order reduction (dpor).
// A transition is everything that runs between two scheduling points with a real choice. The
// engine and the kernel report accesses through engine::AccessSink (engine.hpp): memory words
// precisely (read or write), everything else kernel-side as one shared pseudo-object. Words are
// folded onto 128 slots and tasks onto 64 bits: two things that share a slot are treated as the
// same thing, which can only add dependencies (fewer schedules pruned), never remove one.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "sim/engine/engine.hpp"

namespace kesim::explore {

struct Footprint {
  std::uint64_t tasks = 0;                 // bit t % 64: task t ran or its scheduling state changed
  std::array<std::uint64_t, 2> reads{};    // word slots read
  std::array<std::uint64_t, 2> writes{};   // word slots written
  bool global_read = false;                // the kernel's shared state (objects, dispatcher, clock)
  bool global_write = false;
  bool all_words = false;                  // read every word (an assertion, a C++ invariant)

  void add_task(std::int32_t t) { tasks |= std::uint64_t{1} << (static_cast<std::uint32_t>(t) & 63); }
  void add(std::uint32_t object, bool write) {
    if (object == engine::kAccessGlobal) {
      (write ? global_write : global_read) = true;
    } else if (object == engine::kAccessAllWords) {
      all_words = true;
    } else {
      const std::uint32_t slot = (object - engine::kAccessFirstWord) & 127;
      (write ? writes : reads)[slot >> 6] |= std::uint64_t{1} << (slot & 63);
    }
  }
  bool writes_words() const { return (writes[0] | writes[1]) != 0; }
};

// Two transitions are dependent when swapping them could change what either does or what the
// machine ends in: they share a task, or one writes what the other reads or writes.
inline bool dependent(const Footprint& a, const Footprint& b) {
  if (a.tasks & b.tasks) return true;
  if ((a.global_write && (b.global_write || b.global_read)) || (b.global_write && a.global_read)) return true;
  if ((a.all_words && b.writes_words()) || (b.all_words && a.writes_words())) return true;
  for (int i = 0; i < 2; ++i)
    if ((a.writes[i] & (b.reads[i] | b.writes[i])) | (b.writes[i] & a.reads[i])) return true;
  return false;
}

// A task in a sleep set: exploring it next would only repeat a schedule already covered.
struct SleepEntry {
  std::int32_t task = -1;
  Footprint fp;  // what its next transition touches
};

std::string encode_footprint(const Footprint& f);
bool decode_footprint(const std::string& s, Footprint& f);

}  // namespace kesim::explore
