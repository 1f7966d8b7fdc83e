// sim/scenario/step_assert.cpp — the `assert` and `dump` steps (SCENARIO-FORMAT.md §3, §5).
// Object keys follow what the debugger shows for each type: the push-lock bit fields as
// `dt nt!_EX_PUSH_LOCK` names them (x64: Shared is the 60-bit share count), the dispatcher
// header's SignalState, the owner of the mutex family, the semaphore count.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "sim/scenario/step_parser.hpp"

namespace kesim::scenario::detail {
namespace {

constexpr unsigned kPushLock = type_bit(ObjectType::push_lock);
constexpr unsigned kDispatcher = type_bit(ObjectType::event) | type_bit(ObjectType::semaphore) |
                                 type_bit(ObjectType::timer) | type_bit(ObjectType::mutex) |
                                 type_bit(ObjectType::gate);
constexpr unsigned kOwned = type_bit(ObjectType::mutex) | type_bit(ObjectType::guarded_mutex) |
                            type_bit(ObjectType::fast_mutex);
constexpr unsigned kAnyObject = (1u << 12) - 1;

// The object types an assert key is about; 0 for keys about the running thread.
unsigned object_key_types(std::string_view key) {
  if (key == "value" || key == "Locked" || key == "Waiting" || key == "Waking" ||
      key == "MultipleShared" || key == "Shared") {
    return kPushLock;
  }
  if (key == "signaled" || key == "signal_state") return kDispatcher;
  if (key == "owner") return kOwned;
  // count: a semaphore's count; for guarded and fast mutexes (an extension) the Count word,
  // which is negative on xp/server2003 fast mutexes with waiters.
  if (key == "count")
    return type_bit(ObjectType::semaphore) | type_bit(ObjectType::guarded_mutex) |
           type_bit(ObjectType::fast_mutex);
  if (key == "waiters") return kAnyObject;
  // Issue #6: the fields kmtest CheckMutex reads (Contention; a fast mutex's OldIrql), what
  // `!pushlock` shows of a push lock (share count, wait blocks), a wait list's order. A guarded
  // or fast mutex's waiters sleep on its gate or event, whose wait list `waiter_list` reads.
  if (key == "contention") return type_bit(ObjectType::guarded_mutex) | type_bit(ObjectType::fast_mutex);
  if (key == "old_irql") return type_bit(ObjectType::fast_mutex);
  if (key == "share_count" || key == "wait_chain") return kPushLock;
  if (key == "waiter_list")
    return kDispatcher | type_bit(ObjectType::guarded_mutex) | type_bit(ObjectType::fast_mutex);
  return 0;
}


std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

}  // namespace

bool valid_status(std::string_view s) {
  if (s == "TRUE" || s == "FALSE") return true;
  if (s.starts_with("0x") || s.starts_with("0X")) return parse_uint(s).has_value();
  if (!s.starts_with("STATUS_") || s.size() == 7) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string thread_ref_error(const Program& program, std::string_view ref) {
  std::string_view base = ref;
  std::optional<std::uint64_t> index;
  if (ref.ends_with(']')) {
    std::size_t open = ref.rfind('[');
    if (open == std::string_view::npos) return fmt::format("bad thread name '{}'", ref);
    base = ref.substr(0, open);
    index = parse_uint(ref.substr(open + 1, ref.size() - open - 2));
    if (!index) return fmt::format("bad instance index in '{}' (expected NAME[0], NAME[1], ...)", ref);
  }
  int t = program.find_thread(base);
  if (t < 0) {
    std::vector<std::string> names;
    for (const ThreadDecl& d : program.threads) names.push_back(d.name);
    return fmt::format("unknown thread '{}'{}", base, did_you_mean(base, names));
  }
  const ThreadDecl& d = program.threads[t];
  if (index && d.count == 1) return fmt::format("thread '{}' has one instance: write '{}'", d.name, d.name);
  if (index && *index >= static_cast<std::uint64_t>(d.count)) {
    return fmt::format("thread '{}' has count {}: its instances are {}[0]..{}[{}]", d.name, d.count,
                       d.name, d.name, d.count - 1);
  }
  return {};
}

// An unquoted `!pushlock L` is, to YAML, the scalar "L" with the local tag "!pushlock" (and a
// bare `!locks` an empty scalar tagged "!locks"): put the view's words back together.
std::string view_text(const YAML::Node& n) {
  const std::string& tag = n.Tag();
  if (tag.size() > 1 && tag[0] == '!')
    return n.Scalar().empty() ? tag : tag + " " + n.Scalar();
  return n.Scalar();
}

void StepParser::parse_dump(Step& step, const Field& f, const Scope&) {
  std::vector<std::pair<std::string, Loc>> texts;
  if (f.value.IsDefined() && (f.value.IsScalar() || (f.value.IsNull() && f.value.Tag().size() > 1))) {
    texts.emplace_back(view_text(f.value), f.loc);
  } else if (auto items = r_.list(f.value, f.loc, "'dump'")) {
    if (items->empty()) {
      r_.error(f.loc, "'dump' needs at least one view (!thread, !locks, !pushlock NAME, !apc, !ready, !waiters)");
    }
    for (const YAML::Node& item : *items) {
      Loc loc = Reader::loc_of(item, f.loc);
      if (item.Tag().size() > 1 && item.Tag()[0] == '!' && (item.IsScalar() || item.IsNull()))
        texts.emplace_back(view_text(item), loc);
      else if (auto s = r_.scalar(item, loc, "a 'dump' view", "a view like '!thread'"))
        texts.emplace_back(*s, loc);
    }
  }

  static const std::vector<std::string> kViews = {"!thread", "!locks", "!pushlock", "!apc", "!ready", "!waiters"};
  for (const auto& [text, loc] : texts) {
    std::vector<std::string> words = split(text);
    std::string head = words.empty() ? std::string() : words[0];
    auto it = std::find(kViews.begin(), kViews.end(), head);
    if (it == kViews.end()) {
      r_.error(loc, fmt::format("unknown view '{}'{} (views: !thread [NAME], !locks, !pushlock NAME, "
                                "!apc, !ready, !waiters)", text, did_you_mean(head, kViews)));
      continue;
    }
    View view;
    view.kind = static_cast<ViewKind>(it - kViews.begin());
    std::size_t max_args = view.kind == ViewKind::thread || view.kind == ViewKind::pushlock ? 1 : 0;
    if (words.size() - 1 > max_args) {
      r_.error(loc, fmt::format("too many words in view '{}'", text));
      continue;
    }
    if (view.kind == ViewKind::pushlock && words.size() < 2) {
      r_.error(loc, "'!pushlock' needs the lock's name: '!pushlock NAME'");
      continue;
    }
    if (view.kind == ViewKind::thread && words.size() == 2) {
      // A thread as reports name it: NAME, or NAME[k] for an instance of a `count:` thread.
      if (const std::string err = thread_ref_error(program_, words[1]); err.empty())
        view.name = words[1];
      else if (resolve_thread(YAML::Node(words[1]), loc, "'!thread'") >= 0)
        view.name = words[1];
    }
    if (view.kind == ViewKind::pushlock) {
      if (resolve_object(YAML::Node(words[1]), loc, "'!pushlock'",
                         kPushLock | type_bit(ObjectType::cache_aware_push_lock), "!pushlock") >= 0)
        view.name = words[1];
    }
    step.views.push_back(view);
  }
}

// `waiter_list: [A, B]`: thread names as reports give them, head of the wait list first.
void StepParser::parse_waiter_list(Assertion& a, const Field& k) {
  auto items = r_.list(k.value, k.loc, "'waiter_list'");
  if (!items) return;
  std::vector<std::string> names;
  for (const YAML::Node& item : *items) {
    const Loc loc = Reader::loc_of(item, k.loc);
    auto s = r_.scalar(item, loc, "a 'waiter_list' entry", "a thread name");
    if (!s) return;
    if (std::string why = thread_ref_error(program_, *s); !why.empty()) {
      r_.error(loc, why + " (in 'waiter_list')");
      return;
    }
    names.push_back(*s);
  }
  a.waiter_list = std::move(names);
}

// `wait_chain: [S, X]`: one letter per push-lock wait block, newest first as `!pushlock`
// lists them: X for an exclusive waiter (EX_PUSH_LOCK_FLAGS_EXCLUSIVE), S for a shared one.
void StepParser::parse_wait_chain(Assertion& a, const Field& k) {
  auto items = r_.list(k.value, k.loc, "'wait_chain'");
  if (!items) return;
  std::string chain;
  for (const YAML::Node& item : *items) {
    const Loc loc = Reader::loc_of(item, k.loc);
    auto i = r_.choice(item, loc, "a 'wait_chain' entry", {"S", "X"});
    if (!i) return;
    chain += *i == 0 ? 'S' : 'X';
  }
  a.wait_chain = std::move(chain);
}

// `try: [steps]` with `except: STATUS_X` (or a list of them): a raised status the list names
// ends the try body and execution goes on after the step (README, "try/except").
void StepParser::parse_try(std::vector<Step>& out, const Fields& fs, Loc, const Scope& scope) {
  Step step;
  step.op = Op::try_;
  const Field& head = fs.items[0];
  step.loc = head.key_loc;
  for (std::size_t i = 1; i < fs.items.size(); ++i)
    if (fs.items[i].key != "except")
      r_.error(fs.items[i].key_loc, fmt::format("unknown key '{}' in 'try' (a 'try' step has 'try' and "
                                                "'except')", fs.items[i].key));
  Scope inner = scope;
  inner.depth++;
  step.body = parse_list(head.value, head.loc, "'try'", inner);
  const Field* except = fs.get("except");
  if (!except) {
    r_.error(head.key_loc, "'try' needs 'except: STATUS_...' (the status it catches)");
  } else {
    std::vector<std::pair<YAML::Node, Loc>> names;
    if (except->value.IsSequence()) {
      for (const YAML::Node& item : except->value) names.emplace_back(item, Reader::loc_of(item, except->loc));
      if (names.empty()) r_.error(except->loc, "'except' needs at least one status");
    } else {
      names.emplace_back(except->value, except->loc);
    }
    for (const auto& [node, loc] : names) {
      auto s = r_.scalar(node, loc, "'except'", "an NTSTATUS name");
      if (!s) continue;
      if (!s->starts_with("STATUS_") && !s->starts_with("0x") && !s->starts_with("0X"))
        r_.error(loc, fmt::format("expected an NTSTATUS name (STATUS_MUTANT_NOT_OWNED, ...) or code for "
                                  "'except', got '{}'", *s));
      else if (!valid_status(*s))
        r_.error(loc, fmt::format("'{}' is not an NTSTATUS name or code", *s));
      else
        step.except.push_back(*s);
    }
  }
  out.push_back(std::move(step));
}

void StepParser::parse_assert(Step& step, const Field& f, const Scope&) {
  Fields fs = r_.fields(f.value, f.loc, "'assert'",
                        {"irql", "KernelApcDisable", "SpecialApcDisable", "KeAreApcsDisabled",
                         "KeAreAllApcsDisabled", "last_status", "object", "value", "Locked", "Waiting",
                         "Waking", "MultipleShared", "Shared", "signaled", "signal_state", "owner",
                         "count", "waiters", "variable", "local", "result", "contention", "old_irql",
                         "priority", "waiter_list", "share_count", "wait_chain"});
  if (!fs.is_map) return;
  if (!f.value.IsMap() || f.value.size() == 0) r_.error(f.loc, "'assert' needs at least one key");
  auto a = std::make_shared<Assertion>();
  const Field* object = fs.get("object");
  if (object) a->object = resolve_object(object->value, object->loc, "'object'", kAnyObject, "assert");

  constexpr std::int64_t kShortMin = std::numeric_limits<std::int16_t>::min();
  constexpr std::int64_t kShortMax = std::numeric_limits<std::int16_t>::max();
  constexpr std::int64_t kLongMin = std::numeric_limits<std::int32_t>::min();
  constexpr std::int64_t kLongMax = std::numeric_limits<std::int32_t>::max();
  for (const Field& k : fs.items) {
    a->key_locs[k.key] = k.key_loc;
    const bool word_value_key = k.key == "value" && (fs.get("variable") || fs.get("local"));
    if (word_value_key) {
      if (object) r_.error(k.key_loc, "'value' is ambiguous: the assert names both an object and a word");
      else if (auto v = word_value(k)) a->value = static_cast<std::uint64_t>(*v);
      continue;
    }
    if (unsigned types = object_key_types(k.key)) {
      if (!object) {
        r_.error(k.key_loc, fmt::format("'{}' is about an object: add 'object: NAME' to the assert", k.key));
        continue;
      }
      if (a->object < 0) continue;  // already reported
      const ObjectDecl& o = program_.objects[a->object];
      if (!(types & type_bit(o.type))) {
        r_.error(k.key_loc, fmt::format("'{}' applies to {}, but '{}' is {}", k.key, describe_types(types),
                                        o.name, describe_types(type_bit(o.type))));
        continue;
      }
    }
    const std::string& key = k.key;
    if (parse_assert_word_key(*a, k)) continue;
    if (key == "irql") a->irql = r_.irql(k);
    else if (key == "KernelApcDisable") a->KernelApcDisable = r_.integer(k, kShortMin, kShortMax);
    else if (key == "SpecialApcDisable") a->SpecialApcDisable = r_.integer(k, kShortMin, kShortMax);
    else if (key == "KeAreApcsDisabled") a->KeAreApcsDisabled = r_.boolean(k);
    else if (key == "KeAreAllApcsDisabled") a->KeAreAllApcsDisabled = r_.boolean(k);
    else if (key == "value") a->value = r_.unsigned_integer(k, std::numeric_limits<std::uint64_t>::max());
    else if (key == "Locked") a->Locked = r_.integer(k, 0, 1);
    else if (key == "Waiting") a->Waiting = r_.integer(k, 0, 1);
    else if (key == "Waking") a->Waking = r_.integer(k, 0, 1);
    else if (key == "MultipleShared") a->MultipleShared = r_.integer(k, 0, 1);
    else if (key == "Shared") a->Shared = r_.unsigned_integer(k, (std::uint64_t{1} << 60) - 1);
    else if (key == "signaled") a->signaled = r_.boolean(k);
    else if (key == "signal_state") a->signal_state = r_.integer(k, kLongMin, kLongMax);
    else if (key == "count") a->count = r_.integer(k, kLongMin, kLongMax);
    else if (key == "waiters") a->waiters = r_.integer(k, 0, kLongMax);
    else if (key == "contention") a->contention = r_.integer(k, 0, std::numeric_limits<std::uint32_t>::max());
    else if (key == "old_irql") a->old_irql = r_.irql(k);
    else if (key == "priority") a->priority = r_.integer(k, 0, 31);
    else if (key == "share_count") a->share_count = r_.unsigned_integer(k, (std::uint64_t{1} << 60) - 1);
    else if (key == "waiter_list") parse_waiter_list(*a, k);
    else if (key == "wait_chain") parse_wait_chain(*a, k);
    else if (key == "last_status") {
      if (auto s = r_.scalar(k)) {
        if (valid_status(*s)) a->last_status = *s;
        else r_.error(k.loc, fmt::format("expected an NTSTATUS name (STATUS_SUCCESS, ...), TRUE or FALSE "
                                         "for 'last_status', got '{}'", *s));
      }
    } else if (key == "owner") {
      if (auto s = r_.scalar(k)) {
        std::string why = *s == "none" ? std::string() : thread_ref_error(program_, *s);
        if (why.empty()) a->owner = *s;
        else r_.error(k.loc, why + " (for 'owner'; use 'none' for an unowned object)");
      }
    }
  }
  if ((a->variable >= 0 || a->local >= 0) && !a->value)
    r_.error(f.loc, "'assert' on a variable or local needs 'value: V'");
  step.assertion = std::move(a);
}

}  // namespace kesim::scenario::detail
