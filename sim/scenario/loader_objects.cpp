// sim/scenario/loader_objects.cpp — `objects:` declarations (SCENARIO-FORMAT.md §1) and their
// initial state. `signal_state:` is the dispatcher header's initial SignalState, as the
// initialization routine leaves it (ReactOS ke/eventobj.c KeInitializeEvent: the State
// argument; ke/semphobj.c KeInitializeSemaphore: Count; ke/mutex.c KeInitializeMutex: 1,
// KeInitializeMutant: 0 with an initial owner, 1 without). `owner:` of a mutant is
// KeInitializeMutant(Mutant, TRUE) run by that thread before the scenario starts: the mutant is
// in its MutantListHead and SignalState is 0. A KMUTEX has no initial owner (KeInitializeMutex
// takes none).
#include <fmt/format.h>

#include <limits>

#include "sim/scenario/loader.hpp"

namespace kesim::scenario::detail {

void Loader::load_object(const Field& f) {
  ObjectDecl o;
  o.name = f.key;
  o.loc = f.key_loc;
  if (!valid_name(f.key)) {
    r_.error(f.key_loc, fmt::format("object name '{}' may contain only letters, digits, '_', '.' and '-'", f.key));
  }
  std::string what = fmt::format("object '{}'", f.key);
  Fields fs = r_.fields(f.value, f.loc, what,
                        {"type", "kind", "signaled", "count", "limit", "signal_state", "owner"});
  const Field* type = fs.get("type");
  if (fs.is_map && !type) {
    r_.error(f.key_loc, fmt::format("object '{}' needs a 'type' (push_lock, event, semaphore, timer, mutex, "
                                    "guarded_mutex, fast_mutex, gate, spin_lock, cache_aware_push_lock, resource, keyed_event)", f.key));
  }
  auto s = type ? r_.scalar(*type) : std::nullopt;
  auto t = s ? object_type_from_name(*s) : std::nullopt;
  if (s && !t) {
    std::vector<std::string> names;
    for (int i = 0; i < 12; ++i) names.emplace_back(object_type_name(static_cast<ObjectType>(i)));
    r_.error(type->loc, fmt::format("unknown object type '{}'{} (types: push_lock, event, semaphore, "
                                    "timer, mutex, guarded_mutex, fast_mutex, gate, spin_lock, "
                                    "cache_aware_push_lock, resource, keyed_event)", *s, did_you_mean(*s, names)));
  }
  if (!t) {
    steps_.add_broken_object(f.key);  // its type is unknown: do not check the steps using it
    return;
  }
  o.type = *t;
  auto allowed = [&](std::string_view key) {
    if (key == "type") return true;
    if (key == "kind")
      return o.type == ObjectType::event || o.type == ObjectType::timer || o.type == ObjectType::mutex;
    if (key == "signaled") return o.type == ObjectType::event;
    if (key == "signal_state")
      return o.type == ObjectType::event || o.type == ObjectType::semaphore || o.type == ObjectType::mutex;
    if (key == "owner") return o.type == ObjectType::mutex;
    return o.type == ObjectType::semaphore;  // count, limit
  };
  const char* takes = o.type == ObjectType::event   ? "kind, signaled, signal_state"
                      : o.type == ObjectType::timer ? "kind"
                      : o.type == ObjectType::mutex ? "kind (mutex or mutant), signal_state, owner"
                      : o.type == ObjectType::semaphore ? "count, limit, signal_state" : nullptr;
  const Field* count = nullptr;
  const Field* state = nullptr;
  const Field* signaled = nullptr;
  std::optional<std::int64_t> state_value;
  for (const Field& k : fs.items) {
    if (!allowed(k.key)) {
      r_.error(k.key_loc, takes ? fmt::format("'{}' does not apply to {} (it takes: {})", k.key,
                                              describe_types(type_bit(o.type)), takes)
                                : fmt::format("'{}' does not apply to {} (it takes only 'type')", k.key,
                                              describe_types(type_bit(o.type))));
    } else if (k.key == "kind" && o.type == ObjectType::mutex) {
      if (auto i = r_.choice(k, {"mutex", "mutant"})) o.mutant = *i == 1;
    } else if (k.key == "kind") {
      if (auto i = r_.choice(k, {"notification", "synchronization"})) o.kind = static_cast<EventKind>(*i);
    } else if (k.key == "signaled") {
      signaled = &k;
      o.signaled = r_.boolean(k).value_or(false);
    } else if (k.key == "count") {
      count = &k;
      o.count = static_cast<std::int32_t>(r_.integer(k, 0, std::numeric_limits<std::int32_t>::max()).value_or(0));
    } else if (k.key == "limit") {
      auto n = r_.integer(k, 1, std::numeric_limits<std::int32_t>::max());
      if (n) o.limit = static_cast<std::int32_t>(*n);
    } else if (k.key == "signal_state") {
      state = &k;
      // An event's state is KeInitializeEvent's BOOLEAN; a mutex's is 0 or 1 (checked below).
      const std::int64_t max = o.type == ObjectType::semaphore ? std::numeric_limits<std::int32_t>::max() : 1;
      state_value = r_.integer(k, 0, max);
    } else if (k.key == "owner") {
      if (auto name = r_.scalar(k)) {
        o.owner = *name;
        o.owner_loc = k.loc;
      }
    }
  }
  if (state && state_value) {
    if (o.type == ObjectType::event) {
      if (signaled && o.signaled != (*state_value != 0))
        r_.error(state->loc, fmt::format("event '{}': 'signal_state: {}' contradicts 'signaled: {}'", o.name,
                                         *state_value, o.signaled ? "true" : "false"));
      o.signaled = *state_value != 0;
    } else if (o.type == ObjectType::semaphore) {
      if (count && o.count != *state_value)
        r_.error(state->loc, fmt::format("semaphore '{}': 'signal_state: {}' contradicts 'count: {}' (a "
                                         "semaphore's signal state is its count)", o.name, *state_value, o.count));
      o.count = static_cast<std::int32_t>(*state_value);
      count = state;
    } else if (o.type == ObjectType::mutex) {
      const std::int64_t expected = o.owner.empty() ? 1 : 0;
      if (*state_value != expected)
        r_.error(state->loc, o.owner.empty()
                                 ? fmt::format("mutex '{}': an unowned mutex starts signaled (signal_state 1, "
                                               "KeInitializeMutex/KeInitializeMutant); give 'owner: THREAD' "
                                               "for a mutant owned at start", o.name)
                                 : fmt::format("mutex '{}': a mutant owned at start has signal_state 0 "
                                               "(KeInitializeMutant with InitialOwner TRUE)", o.name));
    }
  }
  if (!o.owner.empty() && !o.mutant) {
    r_.error(o.owner_loc, fmt::format("mutex '{}': only a mutant ('kind: mutant') can have an owner at start "
                                      "(KeInitializeMutant's InitialOwner; KeInitializeMutex takes none)", o.name));
    o.owner.clear();
  }
  if (count && o.count > o.limit) {
    r_.error(count->loc, fmt::format("semaphore '{}': count {} is greater than its limit {}", o.name, o.count, o.limit));
  }
  p_.objects.push_back(std::move(o));
}

// Runs once the threads are declared: `owner:` must name a thread instance that exists when
// the scenario starts (not `start: manual`, whose threads are created later).
void Loader::check_initial_owners() {
  for (ObjectDecl& o : p_.objects) {
    if (o.owner.empty()) continue;
    if (std::string why = thread_ref_error(p_, o.owner); !why.empty()) {
      r_.error(o.owner_loc, why + " (for 'owner')");
      o.owner.clear();
      continue;
    }
    std::string base = o.owner.substr(0, o.owner.find('['));
    const ThreadDecl& d = p_.threads[static_cast<std::size_t>(p_.find_thread(base))];
    if (d.start == StartKind::manual) {
      r_.error(o.owner_loc, fmt::format("mutant '{}': owner '{}' is started by PsCreateSystemThread "
                                        "('start: manual') and does not exist at start", o.name, o.owner));
      o.owner.clear();
    } else if (d.count > 1 && o.owner.find('[') == std::string::npos) {
      r_.error(o.owner_loc, fmt::format("mutant '{}': thread '{}' has count {}: name one instance, "
                                        "'{}[0]'..'{}[{}]'", o.name, d.name, d.count, d.name, d.name, d.count - 1));
      o.owner.clear();
    }
  }
}

}  // namespace kesim::scenario::detail
