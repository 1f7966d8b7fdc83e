// sim/explore/footprint.hpp — what one transition touched, for partial-order reduction (dpor).
// A transition is everything that runs between two scheduling points with a real choice. The
// engine and the kernel report accesses through engine::AccessSink (engine.hpp): memory words
// and kernel objects each by its own id (read or write), the dispatcher (ready queues, CPUs,
// clock, event queue) as one pseudo-object, and what a routine that names no object touches as
// the whole kernel state ("global": every object and the dispatcher). Words are folded onto
// 128 slots, objects onto 128 more, tasks onto 64 bits: two things that share a slot are
// treated as the same thing, which can only add dependencies (fewer schedules pruned), never
// remove one. Fixed size: recording never allocates.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "sim/engine/engine.hpp"

namespace kesim::explore {

struct Footprint {
  using Slots = std::array<std::uint64_t, 2>;
  std::uint64_t tasks = 0;  // bit t % 64: task t ran, or its kernel/scheduling state changed
  Slots reads{};            // word slots read
  Slots writes{};           // word slots written
  Slots object_reads{};     // kernel-object slots read
  Slots object_writes{};    // kernel-object slots written
  bool global_read = false;   // the whole kernel state (every object and the dispatcher)
  bool global_write = false;
  bool dispatcher_read = false;  // the dispatcher alone
  bool dispatcher_write = false;
  bool all_words = false;     // read every word (an assertion, a C++ invariant)
  bool all_objects = false;   // read every kernel object (an assertion, a C++ invariant)

  void add_task(std::int32_t t) { tasks |= std::uint64_t{1} << (static_cast<std::uint32_t>(t) & 63); }
  void add(std::uint32_t object, bool write) {
    if (object == engine::kAccessGlobal) {
      (write ? global_write : global_read) = true;
    } else if (object == engine::kAccessDispatcher) {
      (write ? dispatcher_write : dispatcher_read) = true;
    } else if (object == engine::kAccessAllWords) {
      all_words = true;
    } else if (object == engine::kAccessAllObjects) {
      all_objects = true;
    } else if (object >= engine::kAccessFirstObject) {
      set((write ? object_writes : object_reads), object - engine::kAccessFirstObject);
    } else {
      set((write ? writes : reads), object - engine::kAccessFirstWord);
    }
  }
  bool writes_words() const { return (writes[0] | writes[1]) != 0; }
  bool writes_objects() const { return (object_writes[0] | object_writes[1]) != 0; }
  bool touches_objects() const { return writes_objects() || (object_reads[0] | object_reads[1]) != 0; }
  // Anything kernel-side written: what a read of the whole kernel state depends on.
  bool writes_kernel() const { return global_write || dispatcher_write || writes_objects(); }
  bool touches_kernel() const {
    return global_read || global_write || dispatcher_read || dispatcher_write || touches_objects() || all_objects;
  }

 private:
  static void set(Slots& s, std::uint32_t i) {
    const std::uint32_t slot = i & 127;
    s[slot >> 6] |= std::uint64_t{1} << (slot & 63);
  }
};

// Two transitions are dependent when swapping them could change what either does or what the
// machine ends in: they share a task, or one writes what the other reads or writes — a word,
// an object, the dispatcher, or (global) any of those kernel-side.
inline bool dependent(const Footprint& a, const Footprint& b) {
  if (a.tasks & b.tasks) return true;
  if ((a.global_write && b.touches_kernel()) || (b.global_write && a.touches_kernel())) return true;
  if ((a.global_read && b.writes_kernel()) || (b.global_read && a.writes_kernel())) return true;
  if ((a.dispatcher_write && (b.dispatcher_read || b.dispatcher_write)) || (b.dispatcher_write && a.dispatcher_read))
    return true;
  if ((a.all_words && b.writes_words()) || (b.all_words && a.writes_words())) return true;
  if ((a.all_objects && b.writes_objects()) || (b.all_objects && a.writes_objects())) return true;
  for (int i = 0; i < 2; ++i) {
    if ((a.writes[i] & (b.reads[i] | b.writes[i])) | (b.writes[i] & a.reads[i])) return true;
    if ((a.object_writes[i] & (b.object_reads[i] | b.object_writes[i])) | (b.object_writes[i] & a.object_reads[i]))
      return true;
  }
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
