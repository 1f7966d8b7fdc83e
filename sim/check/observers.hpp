// sim/check/observers.hpp — checkers that watch the run through ke::Observer and report findings:
//   - LockOrder (lockdep style): every time a thread acquires lock B while holding lock A, the
//     edge A→B is recorded with the acquiring step; an edge B→A taken by another thread is a
//     lock_order finding naming both acquisition steps, even if this schedule did not deadlock.
//   - RaceDetector: vector clocks (happens-before) over lock release→acquire, event/semaphore/
//     mutex signal→satisfied wait, thread create→start and exit→wait; two accesses to one file,
//     at least one a write/create/rename, unordered by happens-before are a data_race finding.
//     A race between two holders of one lock that a foreign release let in says so.
//   - LockOrder also reports each foreign release (a thread releases a lock it does not hold:
//     which thread, which lock, held by whom, at which step) as a foreign_release finding — on
//     every version, since push locks record no owner and only AutoBoost (Win10) bugchecks.
// They never change the run, except LockOrder with Driver Verifier on (machine.verifier): its
// graph is then also Verifier's Deadlock Detection, which bugchecks 0xC4/0x1000..0x100A
// (sim/check/verifier_deadlock.cpp).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/check/findings.hpp"
#include "sim/ke/kernel.hpp"

namespace kesim::check {

// Describes a step (the interpreter's `current_step` cookie) for messages: "file:line".
using StepNamer = std::string (*)(const void* step, const void* context);

class LockOrder final : public ke::Observer {
 public:
  LockOrder(StepNamer namer, const void* context) : namer_(namer), context_(context) {}
  void on_acquire(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, bool exclusive, const void* step) override;
  void on_release(ke::KTHREAD& t, ke::KOBJECT_BASE& lock) override;
  void on_acquire_attempt(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, const void* step) override;
  void on_foreign_release(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, const ke::KTHREAD* holder,
                          const void* step) override;
  void on_thread_exit(ke::KTHREAD& t) override;
  const Findings& findings() const { return findings_; }

 private:
  void add_edges(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, const void* step);
  // Driver Verifier's Deadlock Detection on this graph (verifier_deadlock.cpp); each returns
  // only when Verifier is off or finds nothing.
  void verify_recursion(ke::KTHREAD& t, ke::KOBJECT_BASE& lock);
  void verify_order(ke::KTHREAD& t, ke::KOBJECT_BASE& held, ke::KOBJECT_BASE& lock);
  void verify_release(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, const ke::KTHREAD* holder);
  void verify_exit(ke::KTHREAD& t);
  bool reaches(std::int32_t from, std::int32_t to) const;  // a path of covered locks' edges
  struct Edge {
    std::int32_t thread;
    std::string thread_name;
    const void* step;
  };
  StepNamer namer_;
  const void* context_;
  std::map<std::int32_t, std::vector<ke::KOBJECT_BASE*>> held_;   // thread → locks, in order
  // (A, B) → the first witness of the edge per thread, in order of first appearance.
  std::map<std::pair<std::int32_t, std::int32_t>, std::vector<Edge>> edges_;
  std::set<std::pair<std::int32_t, std::int32_t>> reported_;
  // Lock → threads whose hold kesim's bookkeeping dropped at a foreign release: their own
  // release later is legitimate, not a second foreign one.
  std::map<std::int32_t, std::vector<std::int32_t>> displaced_;
  Findings findings_;
};

class RaceDetector final : public ke::Observer {
 public:
  RaceDetector(StepNamer namer, const void* context) : namer_(namer), context_(context) {}
  void on_acquire(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, bool exclusive, const void* step) override;
  void on_release(ke::KTHREAD& t, ke::KOBJECT_BASE& lock) override;
  void on_foreign_release(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, const ke::KTHREAD* holder,
                          const void* step) override;
  void on_signal(ke::KTHREAD* by, ke::KOBJECT_BASE& obj) override;
  void on_wait_satisfied(ke::KTHREAD& t, ke::KOBJECT_BASE& obj) override;
  void on_thread_create(ke::KTHREAD* parent, ke::KTHREAD& child) override;
  void on_thread_exit(ke::KTHREAD& t) override;
  void on_access(ke::KTHREAD& t, const std::string& resource, bool write, const void* step) override;
  void on_file_access(ke::KTHREAD& t, const std::string& resource, const std::string& spelled,
                      bool write, const void* step) override;
  void on_atomic(ke::KTHREAD& t, const std::string& word) override;
  const Findings& findings() const { return findings_; }

 private:
  using Clock = std::vector<std::uint32_t>;  // indexed by thread index
  struct Access {
    std::int32_t thread;
    std::uint32_t epoch;  // the accessing thread's own clock component
    bool write;
    const void* step;
    std::int32_t lock;  // the innermost lock the thread held (object index), -1 none
  };
  Clock& clock(std::int32_t t);
  static void join(Clock& into, const Clock& from);
  bool ordered(const Access& a, std::int32_t t) ;
  StepNamer namer_;
  const void* context_;
  std::vector<Clock> clocks_;
  std::map<std::int32_t, Clock> sync_;                       // object index → released clock
  std::map<std::string, Clock> atomics_;                     // word → clock of its last RMW
  std::map<std::string, std::vector<Access>> accesses_;      // resource → recent accesses
  std::set<std::pair<std::string, std::pair<std::int32_t, std::int32_t>>> reported_;  // one per file and thread pair
  std::map<std::int32_t, std::string> names_;
  std::map<std::string, std::string> spelled_;              // file key → first spelling seen
  std::map<std::uint64_t, Clock> exits_;                    // thread object address → exit clock
  std::map<std::int32_t, std::vector<std::int32_t>> held_;   // thread → lock indices, in order
  std::map<std::int32_t, std::pair<std::string, std::string>> foreign_;  // lock → name, release
  Findings findings_;
};

}  // namespace kesim::check
