#include "sim/check/observers.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kesim::check {

using namespace kesim::ke;

// ---- lock order ------------------------------------------------------------------------------

void LockOrder::on_acquire(KTHREAD& t, KOBJECT_BASE& lock, bool, const void* step) {
  verify_recursion(t, lock);
  add_edges(t, lock, step);
  held_[t.index].push_back(&lock);
}

void LockOrder::on_acquire_attempt(KTHREAD& t, KOBJECT_BASE& lock, const void* step) {
  verify_recursion(t, lock);
  add_edges(t, lock, step);
}

void LockOrder::add_edges(KTHREAD& t, KOBJECT_BASE& lock, const void* step) {
  for (KOBJECT_BASE* a : held_[t.index]) {
    if (a == &lock) continue;
    auto& witnesses = edges_[{a->index, lock.index}];
    if (std::none_of(witnesses.begin(), witnesses.end(), [&](const Edge& e) { return e.thread == t.index; }))
      witnesses.push_back(Edge{t.index, t.name, step});
    // Any other thread that took the reverse order makes a possible deadlock.
    auto it = edges_.find({lock.index, a->index});
    if (it == edges_.end()) continue;
    const auto other = std::find_if(it->second.begin(), it->second.end(),
                                    [&](const Edge& e) { return e.thread != t.index; });
    if (other == it->second.end()) continue;
    const auto key = std::minmax(a->index, lock.index);
    if (!reported_.insert({key.first, key.second}).second) continue;
    findings_.push_back(
        {"lock_order",
         fmt::format("{} takes {} then {} ({}), but {} took {} then {} ({}): the two orders can "
                     "deadlock",
                     t.name, a->name, lock.name, namer_(step, context_), other->thread_name,
                     lock.name, a->name, namer_(other->step, context_))});
  }
  // Verifier bugchecks after the finding is recorded, so the report names both steps too.
  for (KOBJECT_BASE* a : held_[t.index])
    if (a != &lock) verify_order(t, *a, lock);
}

void LockOrder::on_release(KTHREAD& t, KOBJECT_BASE& lock) {
  auto& held = held_[t.index];
  auto it = std::find(held.rbegin(), held.rend(), &lock);
  if (it != held.rend()) held.erase(std::next(it).base());
}

// The rule: Microsoft's "Bug Check 0x162: KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE" (a lock
// tracked by AutoBoost released by a thread that does not own it) and seed S2 (the release in
// DriverEntry). Older versions do not check it (seed S0: a push lock records no owner), so the
// finding is kesim's, on every version.
void LockOrder::on_foreign_release(KTHREAD& t, KOBJECT_BASE& lock, const KTHREAD* holder,
                                   const void* step) {
  // kesim's bookkeeping drops the oldest holder at a foreign release (the lock cannot tell
  // whose hold ends); that holder's own release later is then no foreign release.
  auto& displaced = displaced_[lock.index];
  const auto own = std::find(displaced.begin(), displaced.end(), t.index);
  const bool legitimate = own != displaced.end();
  if (legitimate) displaced.erase(own);
  if (holder) displaced.push_back(holder->index);
  if (legitimate) return;
  findings_.push_back(
      {"foreign_release",
       fmt::format("{} releases {} ({}), which {}: a lock must be released by the thread that "
                   "acquired it",
                   t.name, lock.name, namer_(step, context_),
                   holder ? "is held by " + holder->name : std::string("no thread holds"))});
  verify_release(t, lock, holder);
}

// ---- happens-before races --------------------------------------------------------------------

RaceDetector::Clock& RaceDetector::clock(std::int32_t t) {
  if (clocks_.size() <= static_cast<std::size_t>(t)) clocks_.resize(static_cast<std::size_t>(t) + 1);
  Clock& c = clocks_[static_cast<std::size_t>(t)];
  if (c.size() <= static_cast<std::size_t>(t)) c.resize(static_cast<std::size_t>(t) + 1, 0);
  if (c[static_cast<std::size_t>(t)] == 0) c[static_cast<std::size_t>(t)] = 1;
  return c;
}

void RaceDetector::join(Clock& into, const Clock& from) {
  if (into.size() < from.size()) into.resize(from.size(), 0);
  for (std::size_t i = 0; i < from.size(); ++i) into[i] = std::max(into[i], from[i]);
}

void RaceDetector::on_acquire(KTHREAD& t, KOBJECT_BASE& lock, bool, const void*) {
  if (auto it = sync_.find(lock.index); it != sync_.end()) join(clock(t.index), it->second);
  held_[t.index].push_back(lock.index);
}

void RaceDetector::on_foreign_release(KTHREAD& t, KOBJECT_BASE& lock, const KTHREAD* holder,
                                      const void* step) {
  if (foreign_.count(lock.index)) return;
  foreign_[lock.index].first = lock.name;
  foreign_[lock.index].second = fmt::format("{} released it while {} held it ({})", t.name,
                                     holder ? holder->name : std::string("no thread"),
                                     namer_(step, context_));
}

void RaceDetector::on_release(KTHREAD& t, KOBJECT_BASE& lock) {
  auto& held = held_[t.index];
  if (auto it = std::find(held.rbegin(), held.rend(), lock.index); it != held.rend())
    held.erase(std::next(it).base());
  Clock& c = clock(t.index);
  join(sync_[lock.index], c);
  ++c[static_cast<std::size_t>(t.index)];
}

void RaceDetector::on_signal(KTHREAD* by, KOBJECT_BASE& obj) {
  if (!by || obj.index < 0) return;
  Clock& c = clock(by->index);
  join(sync_[obj.index], c);
  ++c[static_cast<std::size_t>(by->index)];
}

void RaceDetector::on_wait_satisfied(KTHREAD& t, KOBJECT_BASE& obj) {
  if (obj.type == KOBJECTS::ThreadObject) {
    if (auto it = exits_.find(obj.address); it != exits_.end()) {
      const Clock exited = it->second;  // clock() below may grow clocks_
      join(clock(t.index), exited);
    }
    return;
  }
  if (obj.index < 0) return;
  if (auto it = sync_.find(obj.index); it != sync_.end()) join(clock(t.index), it->second);
}

void RaceDetector::on_thread_create(KTHREAD* parent, KTHREAD& child) {
  if (!parent) return;
  clock(child.index);  // may grow clocks_: take references only afterwards
  Clock& p = clock(parent->index);
  join(clocks_[static_cast<std::size_t>(child.index)], p);
  ++p[static_cast<std::size_t>(parent->index)];
}

void RaceDetector::on_thread_exit(KTHREAD& t) {
  names_[t.index] = t.name;
  exits_[t.Header.address] = clock(t.index);  // waiting for this thread's object joins it
}

// A locked read-modify-write is acquire and release at once: the thread sees every earlier
// interlocked operation on the word, and publishes its own history to the later ones.
void RaceDetector::on_atomic(KTHREAD& t, const std::string& word) {
  Clock& c = clock(t.index);
  Clock& w = atomics_[word];
  join(c, w);
  join(w, c);
  ++c[static_cast<std::size_t>(t.index)];
}

bool RaceDetector::ordered(const Access& a, std::int32_t t) {
  if (a.thread == t) return true;
  const Clock& c = clock(t);
  return static_cast<std::size_t>(a.thread) < c.size() && c[static_cast<std::size_t>(a.thread)] >= a.epoch;
}

void RaceDetector::on_file_access(KTHREAD& t, const std::string& resource,
                                  const std::string& spelled, bool write, const void* step) {
  spelled_.emplace(resource, spelled);  // findings echo the path as the scenario wrote it
  on_access(t, resource, write, step);
}

void RaceDetector::on_access(KTHREAD& t, const std::string& resource, bool write, const void* step) {
  names_[t.index] = t.name;
  const auto sp = spelled_.find(resource);
  const std::string& shown = sp != spelled_.end() ? sp->second : resource;
  Clock& c = clock(t.index);
  auto& list = accesses_[resource];
  for (const Access& a : list) {
    if (!(a.write || write) || ordered(a, t.index)) continue;
    if (!reported_.insert({resource, std::minmax(a.thread, t.index)}).second) continue;
    const auto& mine = held_[t.index];
    const bool shared_lock = a.lock >= 0 && std::find(mine.begin(), mine.end(), a.lock) != mine.end();
    if (auto f = foreign_.find(a.lock); shared_lock && f != foreign_.end()) {
      findings_.push_back(
          {"data_race",
           fmt::format("{} {} {} ({}) and {} {} it ({}), both inside {}: a foreign release let "
                       "both in ({})",
                       names_[a.thread], a.write ? "writes" : "reads", shown,
                       namer_(a.step, context_), t.name, write ? "writes" : "reads",
                       namer_(step, context_), f->second.first, f->second.second)});
      continue;
    }
    findings_.push_back(
        {"data_race",
         fmt::format("{} {} {} ({}) and {} {} it ({}) with no lock, event or thread start ordering "
                     "them",
                     names_[a.thread], a.write ? "writes" : "reads", shown, namer_(a.step, context_),
                     t.name, write ? "writes" : "reads", namer_(step, context_))});
  }
  // Keep the latest access per thread and kind: older ones are ordered before it.
  std::erase_if(list, [&](const Access& a) { return a.thread == t.index && (a.write == write || write); });
  const auto& held = held_[t.index];
  list.push_back({t.index, c[static_cast<std::size_t>(t.index)], write, step,
                  held.empty() ? -1 : held.back()});
}

}  // namespace kesim::check
