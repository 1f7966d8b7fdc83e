// sim/ke/access.cpp — access scopes for dpor (sim/ke/access.hpp).
#include "sim/ke/access.hpp"

#include "sim/ke/kernel.hpp"

namespace kesim::ke {

namespace {
engine::Engine* listening_engine() {
  Kernel* k = current_kernel_or_null();
  return k && k->engine().recording_accesses() ? &k->engine() : nullptr;
}

// A thread object (KTHREAD::Header, no object index) stands for its thread's state: its task.
const KTHREAD* thread_of(const KOBJECT_BASE& o) {
  if (o.type != KOBJECTS::ThreadObject) return nullptr;
  for (const KTHREAD* t : current_kernel().threads())
    if (&t->Header == &o) return t;
  return nullptr;
}

// The id a scope keeps for `o`: its object index, or -2 - the task of a thread object, or -1
// when it is neither (reported as the whole kernel state).
std::int32_t scope_id(const KOBJECT_BASE& o) {
  if (o.index >= 0) return o.index;
  const KTHREAD* t = thread_of(o);
  return t ? -2 - t->index : -1;
}

void note_id(engine::Engine& e, std::int32_t id, bool write) {
  if (id >= 0) e.note_access(engine::access_object(static_cast<std::uint32_t>(id)), write);
  else if (id <= -2) e.note_task(*e.tasks()[static_cast<std::size_t>(-2 - id)]);
  else e.note_access(engine::kAccessGlobal, true);
}

void note_state(engine::Engine& e, const KiAccessState& s) {
  if (s.wide) {
    e.note_access(engine::kAccessGlobal, true);
    return;
  }
  for (std::uint8_t i = 0; i < s.count; ++i) note_id(e, s.objects[i], true);
}
}  // namespace

void KiNoteObject(const KOBJECT_BASE& o, bool write) {
  if (engine::Engine* e = listening_engine()) note_id(*e, scope_id(o), write);
}

void KiNoteThread(const KTHREAD& t) {
  if (engine::Engine* e = listening_engine()) e->note_task(t);
}

void KiNoteScope(KTHREAD& t) {
  if (t.access.depth == 0) return;
  if (engine::Engine* e = listening_engine()) note_state(*e, t.access);
}

KiAccessScope::KiAccessScope() : t_(nullptr) {
  Kernel* k = current_kernel_or_null();
  // Outside a thread (an event handler) the engine notes the whole kernel state already.
  t_ = k ? k->current_thread() : nullptr;
  if (!t_) return;
  saved_ = t_->access;
  ++t_->access.depth;
}

KiAccessScope::KiAccessScope(KiWholeKernel) : KiAccessScope() {
  if (!t_) return;
  t_->access.wide = true;
  if (engine::Engine* e = listening_engine()) e->note_access(engine::kAccessGlobal, true);
}

void KiAccessScope::add(const KOBJECT_BASE& o, bool now) {
  if (!t_) return;
  KiAccessState& s = t_->access;
  const std::int32_t id = listening_engine() ? scope_id(o) : o.index;
  bool known = false;
  for (std::uint8_t i = 0; i < s.count && !known; ++i) known = s.objects[i] == id;
  if (id == -1 || (!known && s.count == kAccessScopeObjects)) s.wide = true;
  else if (!known) s.objects[s.count++] = id;
  if (engine::Engine* e = listening_engine(); e && now) note_id(*e, id, true);
}

KiAccessScope::~KiAccessScope() {
  if (!t_) return;
  t_->access = saved_;
  // Back in the outer routine, perhaps in a later transition than the one this scope opened
  // in: the outer routine's objects are touched there too.
  KiNoteScope(*t_);
}

KiAccessReset::KiAccessReset(KTHREAD& t) : t_(t), saved_(t.access) { t_.access = KiAccessState{}; }

KiAccessReset::~KiAccessReset() {
  t_.access = saved_;
  if (engine::Engine* e = listening_engine()) {
    if (saved_.depth == 0) e->note_access(engine::kAccessGlobal, true);
    else note_state(*e, saved_);
  }
}

}  // namespace kesim::ke
