// sim/ke/access.hpp — what a kernel routine touches, reported for dpor's partial-order
// reduction (sim/explore/dpor.hpp, engine::AccessSink). Nothing is recorded unless a DPOR
// strategy listens (each call is then one predictable branch).
//
// A transition is what a thread runs between two scheduling points. Inside a routine, every
// scheduling point may start a new one, and the thread may also resume after blocking,
// spinning or being preempted: what the routine touches must be reported again in each. So a
// routine declares up front, with a KiAccessScope, which kernel objects it touches; the scope
// is reported when it opens, at every scheduling point inside it (KiSchedulingPoint) and every
// time the thread goes on after a scheduling decision (the engine's resume hook), and once more
// when an inner scope or an APC routine returns to it. Scopes nest: an inner scope adds to the
// outer one (a fast mutex's acquire waits on its event inside the mutex's scope). An APC
// routine starts with no scope: its own steps report what they touch.
//
// What a scope does not name it must not touch, except:
//   - the current thread's own state (IRQL, regions, APC queues, wait blocks): its task, which
//     every transition of the thread already carries;
//   - the dispatcher (readying, blocking, preemption, posting events): the engine notes it;
//   - another thread's state: its task, noted by the engine when it is readied/preempted, or
//     explicitly (KiNoteThread) when only kernel fields change (an APC queued to it).
// A KiSchedulingPoint outside any scope — a routine not converted — reports the whole kernel
// state written (engine::kAccessGlobal), which conflicts with every object: conservative. A
// routine without a scope that calls one with a scope must open a KiAccessScope(KiWholeKernel)
// first: otherwise what it does after the inner routine returns (maybe in a later transition)
// would be reported only as the inner routine's objects.
// A thread object (KTHREAD::Header, which has no object index) is its thread's state: its task.
// A scope of more than kAccessScopeObjects objects is reported as the whole kernel state.
#pragma once

#include "sim/ke/objects.hpp"

namespace kesim::ke {

// Reports an access to `o` now (the whole kernel state when it has no object index).
void KiNoteObject(const KOBJECT_BASE& o, bool write);
// Reports that thread `t`'s kernel state changes (an APC queued to it, its wait list edited).
void KiNoteThread(const KTHREAD& t);
// Reports the current thread's scope again (the engine's resume hook calls it).
void KiNoteScope(KTHREAD& t);

struct KiWholeKernel {};  // the tag of a scope that may touch anything kernel-side
// The tag of a scope whose routine touches its objects only after its first scheduling point
// (KiSchedulingPoint is its next statement): the objects are not reported before it, so the
// caller's previous transition does not depend on them.
struct KiAfterPoint {};

class KiAccessScope {
 public:
  // A routine that touches only the calling thread's own state (and the dispatcher).
  KiAccessScope();
  explicit KiAccessScope(const KOBJECT_BASE& o) : KiAccessScope() { add(o); }
  KiAccessScope(const KOBJECT_BASE& o, KiAfterPoint) : KiAccessScope() { add(o, false); }
  // A routine that does not name what it touches but calls routines that do: without this
  // their scopes would end its own reports at their first scheduling point.
  explicit KiAccessScope(KiWholeKernel);
  ~KiAccessScope();
  KiAccessScope(const KiAccessScope&) = delete;
  KiAccessScope& operator=(const KiAccessScope&) = delete;
  // One more object the routine touches (written: conservative), reported at once unless
  // `now` is false (then from the next scheduling point on).
  void add(const KOBJECT_BASE& o, bool now = true);

 private:
  KTHREAD* t_;
  KiAccessState saved_;
};

// An APC routine runs with no scope (its steps report themselves); the interrupted routine's
// scope is restored and reported after it — or, outside any scope, the whole kernel state.
class KiAccessReset {
 public:
  explicit KiAccessReset(KTHREAD& t);
  ~KiAccessReset();
  KiAccessReset(const KiAccessReset&) = delete;
  KiAccessReset& operator=(const KiAccessReset&) = delete;

 private:
  KTHREAD& t_;
  KiAccessState saved_;
};

}  // namespace kesim::ke
