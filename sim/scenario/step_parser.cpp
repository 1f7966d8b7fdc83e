// sim/scenario/step_parser.cpp — steps and their arguments (SCENARIO-FORMAT.md §2).
// Each op's argument is a scalar (the object) or a map of named arguments; the NT parameter
// names are kept where the format names them (Increment, Adjustment, Wait, Alertable...).
#include "sim/scenario/step_parser.hpp"

#include <fmt/format.h>

#include <limits>

namespace kesim::scenario::detail {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kLongMax = std::numeric_limits<std::int32_t>::max();

bool takes_no_argument(Op op) {
  switch (op) {
    case Op::PsTerminateSystemThread:
    case Op::KeEnterCriticalRegion:
    case Op::KeLeaveCriticalRegion:
    case Op::KeEnterGuardedRegion:
    case Op::KeLeaveGuardedRegion:
      return true;
    default:
      return false;
  }
}

// The object type an op taking just an object name needs; 0 when the op takes more.
unsigned object_op_types(Op op) {
  switch (op) {
    case Op::ExInitializePushLock:
    case Op::ExAcquirePushLockExclusive:
    case Op::ExAcquirePushLockShared:
    case Op::ExReleasePushLockExclusive:
    case Op::ExReleasePushLockShared:
    case Op::ExReleasePushLock:
    case Op::ExTryConvertPushLockSharedToExclusive:
      return type_bit(ObjectType::push_lock);
    case Op::ExAcquireCacheAwarePushLockExclusive:
    case Op::ExReleaseCacheAwarePushLockExclusive:
    case Op::ExAcquireCacheAwarePushLockShared:
    case Op::ExReleaseCacheAwarePushLockShared:
      return type_bit(ObjectType::cache_aware_push_lock);
    case Op::KeAcquireGuardedMutex:
    case Op::KeTryToAcquireGuardedMutex:
    case Op::KeReleaseGuardedMutex:
      return type_bit(ObjectType::guarded_mutex);
    case Op::ExAcquireFastMutex:
    case Op::ExTryToAcquireFastMutex:
    case Op::ExReleaseFastMutex:
      return type_bit(ObjectType::fast_mutex);
    case Op::KeAcquireSpinLock:
    case Op::KeReleaseSpinLock:
      return type_bit(ObjectType::spin_lock);
    case Op::KeResetEvent:
    case Op::KeClearEvent:
    case Op::KePulseEvent:
      return type_bit(ObjectType::event);
    case Op::KeCancelTimer:
      return type_bit(ObjectType::timer);
    case Op::KeWaitForGate:
    case Op::KeSignalGateBoostPriority:
      return type_bit(ObjectType::gate);
    default:
      return 0;
  }
}

bool is_scalar(const YAML::Node& n) { return n.IsDefined() && n.IsScalar(); }

}  // namespace

std::vector<Step> StepParser::parse_list(const YAML::Node& list, Loc loc, std::string_view what,
                                         const Scope& scope) {
  std::vector<Step> steps;
  if (scope.depth > kMaxDepth) {
    r_.error(loc, fmt::format("steps nested more than {} levels deep", kMaxDepth));
    return steps;
  }
  auto items = r_.list(list, loc, what);
  if (!items) return steps;
  for (const YAML::Node& item : *items) parse_step(steps, item, loc, scope);
  return steps;
}

void StepParser::parse_step(std::vector<Step>& out, const YAML::Node& node, Loc parent,
                            const Scope& scope) {
  Loc loc = Reader::loc_of(node, parent);
  if (!charge_step(loc)) return;
  auto lookup = [&](const std::string& name, Loc at) -> std::optional<Op> {
    auto op = op_from_name(name);
    if (!op) {
      std::vector<std::string> names;
      for (int i = 0; i < static_cast<int>(Op::count_); ++i) names.emplace_back(op_name(static_cast<Op>(i)));
      r_.error(at, fmt::format("unknown operation '{}'{}", name, did_you_mean(name, names)));
    }
    return op;
  };

  if (is_scalar(node)) {
    auto op = lookup(node.Scalar(), loc);
    if (!op) return;
    if (!takes_no_argument(*op)) {
      r_.error(loc, fmt::format("'{}' needs an argument: write '- {}: ...'", op_name(*op), op_name(*op)));
      return;
    }
    Step step;
    step.op = *op;
    step.loc = loc;
    out.push_back(std::move(step));
    return;
  }
  if (!node.IsDefined() || !node.IsMap()) {
    r_.error(loc, fmt::format("expected a step (an operation name, or a map 'operation: argument'), got {}",
                              Reader::describe(node)));
    return;
  }
  Fields fs = r_.entries(node, loc, "a step");
  if (fs.items.empty()) {
    r_.error(loc, "empty step");
    return;
  }
  for (std::size_t i = 1; i < fs.items.size(); ++i) {
    r_.error(fs.items[i].key_loc,
             fmt::format("a step has exactly one key, the operation; '{}' is a second key "
                         "(named arguments go in a map: '{}: {{...}}')",
                         fs.items[i].key, fs.items[0].key));
  }
  const Field& f = fs.items[0];
  auto op = lookup(f.key, f.key_loc);
  if (!op) return;
  Step step;
  step.op = *op;
  step.loc = f.key_loc;
  parse_argument(step, f, scope);
  out.push_back(std::move(step));
}

void StepParser::parse_argument(Step& step, const Field& f, const Scope& scope) {
  const YAML::Node& v = f.value;
  std::string what = fmt::format("'{}'", f.key);
  if (takes_no_argument(step.op)) {
    if (!v.IsNull()) {
      r_.error(f.loc, fmt::format("'{}' takes no argument; write it as '- {}'", f.key, f.key));
    }
    return;
  }
  if (unsigned types = object_op_types(step.op)) {
    step.object = resolve_object(v, f.loc, what, types, f.key);
    return;
  }
  switch (step.op) {
    case Op::work:
      step.duration = r_.duration(f);
      break;
    case Op::repeat:
      parse_repeat(step, f, scope);
      break;
    case Op::call:
      step.routine = resolve_routine(v, f.loc, what);
      break;
    case Op::log:
      step.text = text(v, f.loc, what, scope);
      break;
    case Op::dump:
      parse_dump(step, f);
      break;
    case Op::assert_:
      parse_assert(step, f);
      break;
    case Op::PsCreateSystemThread:
      step.thread = resolve_thread(v, f.loc, what);
      if (step.thread >= 0 && program_.threads[step.thread].start != StartKind::manual) {
        r_.error(f.loc, fmt::format("thread '{}' is not declared with 'start: manual', so "
                                    "PsCreateSystemThread cannot start it",
                                    program_.threads[step.thread].name));
      }
      break;
    case Op::KeDelayExecutionThread:
      parse_delay(step, f);
      break;
    case Op::KeSetPriorityThread:
      parse_set_priority(step, f);
      break;
    case Op::KeRaiseIrql:
    case Op::KeLowerIrql:
      if (auto irql = r_.irql(f)) step.number = *irql;
      break;
    case Op::KeInsertQueueApc:
      parse_apc(step, f, scope);
      break;
    case Op::KeSetEvent:
    case Op::KeReleaseSemaphore:
    case Op::KeReleaseMutex:
      parse_signal(step, f);
      break;
    case Op::KeSetTimer:
      parse_set_timer(step, f);
      break;
    case Op::KeWaitForSingleObject:
      parse_wait_single(step, f);
      break;
    case Op::KeWaitForMultipleObjects:
      parse_wait_multiple(step, f);
      break;
    case Op::ZwCreateFile:
    case Op::ZwWriteFile:
    case Op::ZwOpenFile:
    case Op::ZwSetInformationFile:
    case Op::ZwClose:
      parse_io(step, f, scope);
      break;
    default:
      r_.error(f.key_loc, fmt::format("internal: no argument parser for '{}'", f.key));
      break;
  }
}

namespace {
// A required key of an argument map; reports its absence at the map.
const Field* require(Reader& r, const Fields& fs, std::string_view key, const Field& f) {
  const Field* k = fs.get(key);
  if (!k && fs.is_map) r.error(f.loc, fmt::format("'{}' needs '{}'", f.key, key));
  return k;
}
}  // namespace

void StepParser::parse_repeat(Step& step, const Field& f, const Scope& scope) {
  Fields fs = r_.fields(f.value, f.loc, "'repeat'", {"count", "as", "steps"});
  if (!fs.is_map) return;
  if (const Field* count = require(r_, fs, "count", f)) {
    if (auto n = r_.integer(*count, 0, kInt64Max)) step.number = *n;
  }
  Scope inner = scope;
  inner.depth++;
  if (const Field* as = fs.get("as")) {
    if (auto name = r_.scalar(*as)) {
      if (!valid_identifier(*name)) {
        r_.error(as->loc, fmt::format("'as' must be an identifier ([A-Za-z_][A-Za-z0-9_]*), got '{}'", *name));
      } else if (*name == "index") {
        r_.error(as->loc, "'index' is reserved (the instance index of a 'count:' thread)");
      } else {
        step.var = *name;
        inner.vars.push_back(*name);
      }
    }
  }
  if (const Field* steps = require(r_, fs, "steps", f)) {
    step.body = parse_list(steps->value, steps->loc, "'steps'", inner);
  }
}

void StepParser::parse_delay(Step& step, const Field& f) {
  if (!f.value.IsMap()) {
    step.duration = r_.duration(f);
    return;
  }
  Fields fs = r_.fields(f.value, f.loc, "'KeDelayExecutionThread'", {"interval", "mode", "alertable"});
  if (const Field* interval = require(r_, fs, "interval", f)) step.duration = r_.duration(*interval);
  parse_wait_options(step, fs);
}

void StepParser::parse_set_priority(Step& step, const Field& f) {
  Fields fs = r_.fields(f.value, f.loc, "'KeSetPriorityThread'", {"thread", "priority"});
  if (const Field* t = require(r_, fs, "thread", f)) step.thread = resolve_thread(t->value, t->loc, "'thread'");
  if (const Field* p = require(r_, fs, "priority", f)) {
    if (auto n = r_.integer(*p, 0, 31)) step.number = *n;
  }
}

void StepParser::parse_apc(Step& step, const Field& f, const Scope& scope) {
  Fields fs = r_.fields(f.value, f.loc, "'KeInsertQueueApc'", {"thread", "kind", "routine", "steps"});
  if (!fs.is_map) return;
  if (const Field* t = require(r_, fs, "thread", f)) step.thread = resolve_thread(t->value, t->loc, "'thread'");
  if (const Field* k = fs.get("kind")) {
    if (auto i = r_.choice(*k, {"special", "normal", "user"})) step.apc_kind = static_cast<ApcKind>(*i);
  }
  const Field* routine = fs.get("routine");
  const Field* steps = fs.get("steps");
  if (routine && steps) {
    r_.error(steps->key_loc, "'KeInsertQueueApc' takes either 'routine' or 'steps', not both");
  } else if (!routine && !steps) {
    r_.error(f.loc, "'KeInsertQueueApc' needs 'routine' (a routine name) or 'steps' (inline steps)");
  } else if (routine) {
    step.routine = resolve_routine(routine->value, routine->loc, "'routine'");
  } else {
    // The APC runs later in its target's context: the enclosing repeat variables are gone.
    Scope apc_scope;
    apc_scope.depth = scope.depth + 1;
    Routine anonymous;
    anonymous.loc = steps->key_loc;
    anonymous.steps = parse_list(steps->value, steps->loc, "'steps'", apc_scope);
    program_.routines.push_back(std::move(anonymous));
    step.routine = static_cast<int>(program_.routines.size()) - 1;
  }
}

void StepParser::parse_signal(Step& step, const Field& f) {
  const char* object_key = "mutex";
  unsigned type = type_bit(ObjectType::mutex);
  if (step.op == Op::KeSetEvent) {
    object_key = "event";
    type = type_bit(ObjectType::event);
  } else if (step.op == Op::KeReleaseSemaphore) {
    object_key = "semaphore";
    type = type_bit(ObjectType::semaphore);
    step.number = 1;  // Adjustment
  }
  if (!f.value.IsMap()) {
    step.object = resolve_object(f.value, f.loc, fmt::format("'{}'", f.key), type, f.key);
    return;
  }
  std::string what = fmt::format("'{}'", f.key);
  Fields fs = step.op == Op::KeSetEvent ? r_.fields(f.value, f.loc, what, {"event", "increment", "wait"})
              : step.op == Op::KeReleaseSemaphore
                  ? r_.fields(f.value, f.loc, what, {"semaphore", "adjustment", "wait"})
                  : r_.fields(f.value, f.loc, what, {"mutex", "wait"});
  if (const Field* o = require(r_, fs, object_key, f)) {
    step.object = resolve_object(o->value, o->loc, fmt::format("'{}'", object_key), type, f.key);
  }
  if (const Field* inc = fs.get("increment")) {
    if (auto n = r_.integer(*inc, 0, 31)) step.number = *n;
  }
  if (const Field* adj = fs.get("adjustment")) {
    if (auto n = r_.integer(*adj, 1, kLongMax)) step.number = *n;
  }
  if (const Field* w = fs.get("wait")) step.flag = r_.boolean(*w).value_or(false);
}

void StepParser::parse_set_timer(Step& step, const Field& f) {
  Fields fs = r_.fields(f.value, f.loc, "'KeSetTimer'", {"timer", "due", "period"});
  if (const Field* t = require(r_, fs, "timer", f)) {
    step.object = resolve_object(t->value, t->loc, "'timer'", type_bit(ObjectType::timer), f.key);
  }
  if (const Field* due = require(r_, fs, "due", f)) step.duration = r_.duration(*due);
  if (const Field* period = fs.get("period")) step.period = r_.duration(*period);
}

void StepParser::parse_wait_options(Step& step, const Fields& fs) {
  if (const Field* reason = fs.get("reason")) {
    if (auto r = r_.wait_reason(*reason)) step.reason = *r;
  }
  if (const Field* mode = fs.get("mode")) {
    if (auto i = r_.choice(*mode, {"KernelMode", "UserMode"})) step.mode = static_cast<Mode>(*i);
  }
  if (const Field* alertable = fs.get("alertable")) step.alertable = r_.boolean(*alertable).value_or(false);
  if (const Field* timeout = fs.get("timeout")) step.duration = r_.duration(*timeout);
}

void StepParser::parse_wait_single(Step& step, const Field& f) {
  if (!f.value.IsMap()) {
    resolve_waitable(f.value, f.loc, "'KeWaitForSingleObject'", step.object, step.thread);
    return;
  }
  Fields fs = r_.fields(f.value, f.loc, "'KeWaitForSingleObject'",
                        {"object", "reason", "mode", "alertable", "timeout"});
  if (const Field* o = require(r_, fs, "object", f)) {
    resolve_waitable(o->value, o->loc, "'object'", step.object, step.thread);
  }
  parse_wait_options(step, fs);
}

void StepParser::parse_wait_multiple(Step& step, const Field& f) {
  Fields fs = r_.fields(f.value, f.loc, "'KeWaitForMultipleObjects'",
                        {"objects", "wait_type", "reason", "mode", "alertable", "timeout"});
  if (const Field* list = require(r_, fs, "objects", f)) {
    if (auto items = r_.list(list->value, list->loc, "'objects'")) {
      if (items->empty()) r_.error(list->loc, "'objects' needs at least one object");
      bool any_thread = false;
      for (const YAML::Node& item : *items) {
        int object = -1, thread = -1;
        resolve_waitable(item, Reader::loc_of(item, list->loc), "an 'objects' entry", object, thread);
        step.objects.push_back(object);
        step.wait_threads.push_back(thread);
        any_thread = any_thread || thread >= 0;
      }
      if (!any_thread) step.wait_threads.clear();
    }
  }
  if (const Field* type = fs.get("wait_type")) {
    if (auto i = r_.choice(*type, {"WaitAll", "WaitAny"})) step.wait_type = static_cast<WaitType>(*i);
  }
  parse_wait_options(step, fs);
}

void StepParser::parse_io(Step& step, const Field& f, const Scope& scope) {
  if (!f.value.IsMap() && step.op != Op::ZwSetInformationFile) {
    step.text = text(f.value, f.loc, fmt::format("'{}'", f.key), scope);
    return;
  }
  std::string what = fmt::format("'{}'", f.key);
  Fields fs = step.op == Op::ZwWriteFile ? r_.fields(f.value, f.loc, what, {"path", "bytes"})
              : step.op == Op::ZwSetInformationFile
                  ? r_.fields(f.value, f.loc, what, {"path", "rename_to"})
                  : r_.fields(f.value, f.loc, what, {"path"});
  if (const Field* path = require(r_, fs, "path", f)) step.text = text(path->value, path->loc, "'path'", scope);
  if (const Field* bytes = fs.get("bytes")) step.number = r_.integer(*bytes, 0, kInt64Max).value_or(0);
  if (step.op == Op::ZwSetInformationFile) {
    if (const Field* to = require(r_, fs, "rename_to", f)) step.text2 = text(to->value, to->loc, "'rename_to'", scope);
  }
}

}  // namespace kesim::scenario::detail
