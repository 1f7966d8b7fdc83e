// sim/ex/pushlock_kind.cpp — the LockKinds of push locks and cache-aware push locks
// (sim/ke/lock_kind.hpp). A push lock has no owner field (seed S0, "Push Locks – What are
// they?": there is no easy way to find the current owner), so its holders are what kesim
// tracked; exclusive or shared is read from the word.
#include <fmt/format.h>

#include <algorithm>

#include "sim/ex/pushlock.hpp"
#include "sim/ke/lock_kind.hpp"

namespace kesim::ex {

using ke::HoldMode;
using ke::KOBJECT_BASE;
using ke::KTHREAD;

namespace {

// "Locked|Waiting|Shared=2", or "free".
std::string word_flags(std::uint64_t v) {
  const PushLockFields f = decode_push_lock(v);
  std::string s;
  auto add = [&](bool on, const char* n) {
    if (!on) return;
    if (!s.empty()) s += "|";
    s += n;
  };
  add(f.Locked, "Locked");
  add(f.Waiting, "Waiting");
  add(f.Waking, "Waking");
  add(f.MultipleShared, "MultipleShared");
  if (!f.Waiting && f.Shared) s += fmt::format("{}Shared={}", s.empty() ? "" : "|", f.Shared);
  return s.empty() ? "free" : s;
}

class PushLockKind final : public ke::LockKind {
 public:
  std::uint64_t word(const KOBJECT_BASE& o) const override { return static_cast<const EX_PUSH_LOCK&>(o).Value; }
  bool records_owner() const override { return false; }
  HoldMode hold_mode(const KOBJECT_BASE& o) const override {
    const PushLockFields f = decode_push_lock(word(o));
    // With Waiting set the share count lives in the wait blocks, not in the word.
    if (!f.Waiting) return f.Shared ? HoldMode::shared : HoldMode::exclusive;
    if (f.MultipleShared || o.holders.size() > 1) return HoldMode::shared;
    return HoldMode::owned;
  }
  std::string describe(const ke::Kernel&, const KOBJECT_BASE& o) const override {
    return fmt::format("     Word: 0x{:x} ({})\n", word(o), word_flags(word(o)));
  }
};

// One push lock per slot; exclusive holders hold every slot, shared ones one.
class CacheAwarePushLockKind final : public ke::LockKind {
 public:
  std::uint64_t word(const KOBJECT_BASE& o) const override {
    const auto& l = lock(o);
    return l.Locks.empty() ? 0 : l.Locks.front()->Value;  // slot 0; describe() shows them all
  }
  bool records_owner() const override { return false; }
  void holders(const KOBJECT_BASE& o, std::vector<const KTHREAD*>& out) const override {
    const std::size_t first = out.size();
    ke::LockKind::holders(o, out);
    if (out.size() > first) return;
    for (const EX_PUSH_LOCK* s : lock(o).Locks)
      for (const KTHREAD* h : s->holders)
        if (std::find(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), h) == out.end())
          out.push_back(h);
  }
  HoldMode hold_mode(const KOBJECT_BASE& o) const override {
    bool all_locked = true;
    for (const EX_PUSH_LOCK* s : lock(o).Locks) {
      if (!s->holders.empty() && s->lock_kind->hold_mode(*s) == HoldMode::shared) return HoldMode::shared;
      if (!decode_push_lock(s->Value).Locked) all_locked = false;
    }
    return all_locked ? HoldMode::exclusive : HoldMode::owned;
  }
  std::string describe(const ke::Kernel&, const KOBJECT_BASE& o) const override {
    std::string s;
    for (const EX_PUSH_LOCK* slot : lock(o).Locks)
      s += fmt::format("     Slot {}: 0x{:x} ({})\n", slot->name, slot->Value, word_flags(slot->Value));
    return s;
  }
  void parts(const KOBJECT_BASE& o, std::vector<const KOBJECT_BASE*>& out) const override {
    out.insert(out.end(), lock(o).Locks.begin(), lock(o).Locks.end());
  }

 private:
  static const EX_PUSH_LOCK_CACHE_AWARE& lock(const KOBJECT_BASE& o) {
    return static_cast<const EX_PUSH_LOCK_CACHE_AWARE&>(o);
  }
};

const PushLockKind kPushLock;
const CacheAwarePushLockKind kCacheAware;

}  // namespace

const ke::LockKind& kPushLockKind = kPushLock;
const ke::LockKind& kCacheAwarePushLockKind = kCacheAware;

}  // namespace kesim::ex
