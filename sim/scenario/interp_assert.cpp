// sim/scenario/interp_assert.cpp — `assert` steps (SCENARIO-FORMAT §3): the state at that point
// of the running thread. A mismatch ends the run with outcome assertion_failed.
#include <fmt/format.h>

#include "sim/ex/fmutex.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"
#include "sim/scenario/interp_detail.hpp"

namespace kesim::scenario {

using namespace kesim::ke;

namespace {

// Each failed comparison as a message; with `record`, every comparison as text too (predict
// mode shows the truth) — off for `assert` steps, which format nothing unless they fail.
struct Checker {
  bool record = false;
  std::vector<std::string> failures;
  std::vector<AssertComparison> all;
  template <class A, class B>
  void eq(const char* key, const A& expected, const B& actual) {
    if (record) all.push_back({key, fmt::format("{}", expected), fmt::format("{}", actual)});
    if (expected != actual) failures.push_back(fmt::format("{}: expected {}, got {}", key, expected, actual));
  }
};

std::string owner_name(const KOBJECT_BASE& o) {
  switch (o.type) {
    case KOBJECTS::MutantObject: {
      const auto* t = static_cast<const KMUTANT&>(o).OwnerThread;
      return t ? t->name : "none";
    }
    case KOBJECTS::GuardedMutexObject:
    case KOBJECTS::FastMutexObject: {
      const auto* t = static_cast<const KGUARDED_MUTEX&>(o).Owner;
      return t ? t->name : "none";
    }
    default:
      return o.holders.empty() ? "none" : o.holders.front()->name;
  }
}

std::int64_t waiters_of(const Kernel& k, const KOBJECT_BASE& o) {
  if (o.is_dispatcher()) return static_cast<std::int64_t>(static_cast<const DISPATCHER_HEADER&>(o).WaitListHead.size());
  return o.lock_waiters;
}

// The threads on an object's wait list, head first (KiWaitTest's order). A guarded or fast
// mutex's waiters sleep on its gate (2003 guarded mutexes) or its event.
std::string waiter_list_of(const KOBJECT_BASE& o) {
  std::string out;
  auto add = [&](const DISPATCHER_HEADER& h) {
    // IntrusiveList iterates only mutably; this walk reads.
    for (const KWAIT_BLOCK& wb : const_cast<DISPATCHER_HEADER&>(h).WaitListHead) out += (out.empty() ? "" : ", ") + wb.Thread->name;
  };
  if (o.is_dispatcher()) add(static_cast<const DISPATCHER_HEADER&>(o));
  if (o.type == KOBJECTS::GuardedMutexObject || o.type == KOBJECTS::FastMutexObject) {
    add(static_cast<const KGUARDED_MUTEX&>(o).Gate);
    add(static_cast<const KGUARDED_MUTEX&>(o).Event);
  }
  return "[" + out + "]";
}

// The share count the lock records: the word's Shared field while no one waits; once waiters
// queue behind several sharers (MultipleShared), the oldest wait block's ShareCount (ReactOS
// ex/pushlock.c moves it there); waiting without MultipleShared, the word counts no sharer.
std::uint64_t share_count_of(const Kernel& k, const ex::EX_PUSH_LOCK& l) {
  const ex::PushLockFields f = ex::decode_push_lock(l.Value);
  if (!f.Waiting) return f.Shared;
  if (!f.MultipleShared) return 0;
  const std::vector<ex::WaitBlockView> chain = ex::wait_block_chain(k, l);
  return chain.empty() ? 0 : static_cast<std::uint64_t>(std::max(chain.back().share_count, 0));
}

std::string wait_chain_of(const Kernel& k, const ex::EX_PUSH_LOCK& l) {
  std::string out;
  for (const ex::WaitBlockView& b : ex::wait_block_chain(k, l)) {
    if (!out.empty()) out += ", ";
    out += (b.flags & 1) ? 'X' : 'S';
  }
  return "[" + out + "]";
}

std::string list_text(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return "[" + out + "]";
}

std::string bool_name(bool b) { return b ? "true" : "false"; }

// A word as a person reads it: small values in decimal, the rest in hex too.
std::string word_text(std::int64_t v) {
  if (v >= -4096 && v <= 4096) return std::to_string(v);
  return fmt::format("{} ({:#x})", v, static_cast<std::uint64_t>(v));
}

}  // namespace

namespace {
void compare(ThreadCtx& c, const Assertion& a, Checker& ck) {
  KTHREAD& t = *c.thread;
  Kernel& k = c.interp->kernel();
  // ke::irql_name names every level (a number where NT has no name); scenario::irql_name
  // returns nullptr for the unnamed levels 3, 4, 6-11, which crashed the comparison.
  if (a.irql)
    ck.eq("irql", std::string(ke::irql_name(static_cast<KIRQL>(*a.irql))),
          std::string(ke::irql_name(t.Irql)));
  if (a.KernelApcDisable) ck.eq("KernelApcDisable", *a.KernelApcDisable, static_cast<int>(t.KernelApcDisable));
  if (a.SpecialApcDisable) ck.eq("SpecialApcDisable", *a.SpecialApcDisable, static_cast<int>(t.SpecialApcDisable));
  if (a.KeAreApcsDisabled) ck.eq("KeAreApcsDisabled", bool_name(*a.KeAreApcsDisabled), bool_name(KeAreApcsDisabled()));
  if (a.KeAreAllApcsDisabled)
    ck.eq("KeAreAllApcsDisabled", bool_name(*a.KeAreAllApcsDisabled), bool_name(KeAreAllApcsDisabled()));
  if (a.last_status) {
    std::string actual = t.last_boolean >= 0 ? (t.last_boolean ? "TRUE" : "FALSE") : status_name(t.last_status);
    std::string expected = *a.last_status;
    if (expected.starts_with("0x") || expected.starts_with("0X")) {  // compare codes by value
      expected = fmt::format("{:#010x}", std::stoull(expected, nullptr, 16));
      if (t.last_boolean < 0) actual = fmt::format("{:#010x}", static_cast<std::uint32_t>(t.last_status));
    }
    ck.eq("last_status", expected, actual);
  }
  if (a.object >= 0) {
    const KOBJECT_BASE& o = *c.interp->object_at(a.object);
    if (o.type == KOBJECTS::PushLockObject) {
      const std::uint64_t v = static_cast<const ex::EX_PUSH_LOCK&>(o).Value;
      const ex::PushLockFields f = ex::decode_push_lock(v);
      if (a.value) ck.eq("value", fmt::format("{:#x}", *a.value), fmt::format("{:#x}", v));
      if (a.Locked) ck.eq("Locked", *a.Locked, static_cast<int>(f.Locked));
      if (a.Waiting) ck.eq("Waiting", *a.Waiting, static_cast<int>(f.Waiting));
      if (a.Waking) ck.eq("Waking", *a.Waking, static_cast<int>(f.Waking));
      if (a.MultipleShared) ck.eq("MultipleShared", *a.MultipleShared, static_cast<int>(f.MultipleShared));
      if (a.Shared) ck.eq("Shared", fmt::format("{:#x}", *a.Shared), fmt::format("{:#x}", f.Shared));
      const auto& l = static_cast<const ex::EX_PUSH_LOCK&>(o);
      if (a.share_count) ck.eq("share_count", *a.share_count, share_count_of(k, l));
      if (a.wait_chain) {
        std::string expected;
        for (char c : *a.wait_chain) expected += std::string(expected.empty() ? "" : ", ") + c;
        ck.eq("wait_chain", "[" + expected + "]", wait_chain_of(k, l));
      }
    }
    if (o.is_dispatcher()) {
      const LONG state = static_cast<const DISPATCHER_HEADER&>(o).SignalState;
      if (a.signaled) ck.eq("signaled", bool_name(*a.signaled), bool_name(state > 0));
      if (a.signal_state) ck.eq("signal_state", *a.signal_state, static_cast<std::int64_t>(state));
      if (a.count && o.type == KOBJECTS::SemaphoreObject) ck.eq("count", *a.count, static_cast<std::int64_t>(state));
    }
    if (a.count && (o.type == KOBJECTS::GuardedMutexObject || o.type == KOBJECTS::FastMutexObject))
      ck.eq("count", *a.count, static_cast<std::int64_t>(static_cast<const KGUARDED_MUTEX&>(o).Count));
    if (o.type == KOBJECTS::GuardedMutexObject || o.type == KOBJECTS::FastMutexObject) {
      const auto& m = static_cast<const KGUARDED_MUTEX&>(o);
      if (a.contention) ck.eq("contention", *a.contention, static_cast<std::int64_t>(m.Contention));
      if (a.old_irql)
        ck.eq("old_irql", std::string(ke::irql_name(static_cast<KIRQL>(*a.old_irql))),
              std::string(ke::irql_name(m.OldIrql)));
    }
    if (a.waiter_list) ck.eq("waiter_list", list_text(*a.waiter_list), waiter_list_of(o));
    if (a.owner) ck.eq("owner", *a.owner, owner_name(o));
    if (a.waiters) ck.eq("waiters", static_cast<std::int64_t>(*a.waiters), waiters_of(k, o));
  }
  if (a.priority) ck.eq("priority", *a.priority, static_cast<int>(t.priority));
  if (a.result) ck.eq("result", word_text(*a.result), word_text(c.result));
  if (a.variable >= 0 && a.value)
    ck.eq("value", word_text(static_cast<std::int64_t>(*a.value)), word_text(c.interp->word(a.variable)));
  if (a.local >= 0 && a.value)
    ck.eq("value", word_text(static_cast<std::int64_t>(*a.value)),
          word_text(c.locals[static_cast<std::size_t>(a.local)]));
}
}  // namespace

std::vector<AssertComparison> Exec::compare_assert(ThreadCtx& c, const Assertion& a) {
  Checker ck;
  ck.record = true;
  compare(c, a, ck);
  return std::move(ck.all);
}

void Exec::check_assert(ThreadCtx& c, const Step& s) {
  Checker ck;
  compare(c, *s.assertion, ck);
  if (ck.failures.empty()) return;
  std::string what;
  for (const std::string& f : ck.failures) what += (what.empty() ? "" : "; ") + f;
  c.interp->kernel().fail_assertion(what, &s);
}

}  // namespace kesim::scenario
