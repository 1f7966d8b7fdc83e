// sim/scenario/routines_keyed.cpp — keyed events (sim/ex/keyed_event.hpp):
//
//   - NtWaitForKeyedEvent: {event: K, key: 0x10, alertable: false, timeout: 5ms}
//   - NtReleaseKeyedEvent: {event: K, key: 0x10}
//
// The signatures are NtWaitForKeyedEvent/NtReleaseKeyedEvent(HANDLE, PVOID Key, BOOLEAN
// Alertable, PLARGE_INTEGER Timeout) -> NTSTATUS (WRK ex/keyedevent.c, ReactOS ex/keyedevt.c).
// `event` names an object declared `{type: keyed_event}` (as NtCreateKeyedEvent with no flags
// leaves it); without `event` the step passes a NULL handle, which both sources send to the
// global \KernelObjects\CritSecOutOfMemoryEvent: kesim declares that object, named
// CritSecOutOfMemoryEvent, the first time a step needs it (a declared keyed_event of that name is
// the same object). `key` is the pointer value (an odd one is STATUS_INVALID_PARAMETER_1 at run
// time, as in Windows); `timeout` absent waits for ever.
#include <fmt/format.h>

#include <limits>

#include "sim/ex/keyed_event.hpp"
#include "sim/scenario/routine_rows.hpp"

namespace kesim::scenario {

namespace detail {

void StepParser::parse_keyed(Step& step, const Field& f, const Scope&) {
  const RoutineDescriptor& d = descriptor(step.op);
  const std::string what = fmt::format("'{}'", f.key);
  Fields fs = r_.fields(f.value, f.loc, what, {"event", "key", "alertable", "timeout"});
  if (!fs.is_map) return;  // the reader reported it ("expected a map")
  if (const Field* e = fs.get("event")) {
    step.object = resolve_object(e->value, e->loc, "'event'", type_bit(ObjectType::keyed_event), d.name);
  } else {
    int i = program_.find_object(ex::kCritSecOutOfMemoryEventName);
    if (i < 0) {
      ObjectDecl global;
      global.name = ex::kCritSecOutOfMemoryEventName;
      global.type = ObjectType::keyed_event;
      global.loc = f.loc;
      program_.objects.push_back(std::move(global));
      i = static_cast<int>(program_.objects.size()) - 1;
    } else if (program_.objects[i].type != ObjectType::keyed_event) {
      r_.error(f.loc, fmt::format("{} without 'event' uses the global keyed event {}, but that name is "
                                  "declared as {}", what, ex::kCritSecOutOfMemoryEventName,
                                  describe_types(type_bit(program_.objects[i].type))));
      i = -1;
    }
    step.object = i;
  }
  const Field* k = fs.get("key");
  if (!k) r_.error(f.loc, fmt::format("{} needs 'key'", what));
  if (k) {
    if (auto v = r_.unsigned_integer(k->value, k->loc, "'key'", std::numeric_limits<std::uint64_t>::max()))
      step.number = static_cast<std::int64_t>(*v);
  }
  if (const Field* a = fs.get("alertable")) step.alertable = r_.boolean(*a).value_or(false);
  if (const Field* t = fs.get("timeout")) step.duration = r_.duration(*t);
}

}  // namespace detail

namespace rows {
namespace {

using Ctx = ThreadCtx;

ex::KEYED_EVENT& keyed_event(const Ctx& c, const Step& s) { return obj<ex::KEYED_EVENT>(c, s.object); }

template <ke::NTSTATUS (*F)(ex::KEYED_EVENT&, std::uint64_t, bool, const engine::Time*)>
std::int64_t keyed_call(Ctx& c, const Step& s) {
  const engine::Time* timeout = s.duration ? &*s.duration : nullptr;
  return F(keyed_event(c, s), static_cast<std::uint64_t>(s.number), s.alertable, timeout);
}

constexpr unsigned kKeyed = type_bit(ObjectType::keyed_event);
// The schema parse_keyed reads (documentation and tests; the key is read as an unsigned value).
constexpr KeySpec kKeyedKeys[] = {{"event", Arg::object},
                                  {"key", Arg::number, true, 0, std::numeric_limits<std::int64_t>::max()},
                                  {"alertable", Arg::alertable},
                                  {"timeout", Arg::duration}};

constexpr RoutineDescriptor kRows[] = {
    {.op = Op::NtWaitForKeyedEvent, .name = "NtWaitForKeyedEvent", .result = Result::ntstatus,
     .keys = kKeyedKeys, .parse = &StepParser::parse_keyed, .kinds = kKeyed, .exec = keyed_call<ex::NtWaitForKeyedEvent>},
    {.op = Op::NtReleaseKeyedEvent, .name = "NtReleaseKeyedEvent", .result = Result::ntstatus,
     .keys = kKeyedKeys, .parse = &StepParser::parse_keyed, .kinds = kKeyed, .exec = keyed_call<ex::NtReleaseKeyedEvent>},
};

}  // namespace

std::span<const RoutineDescriptor> keyed() { return kRows; }

}  // namespace rows
}  // namespace kesim::scenario
