// sim/scenario/routines_resource.cpp — ERESOURCE (sim/ex/eresource.hpp). Each takes the resource
// as its one argument; the acquire routines that have a Wait parameter also take the map form
// {resource: R, wait: FALSE} (Wait defaults to TRUE). Results as the WDK declares them
// (ReactOS ex/resource.c has the same signatures): the acquire routines and
// ExIsResourceAcquiredExclusiveLite a BOOLEAN; ExIsResourceAcquiredSharedLite and the waiter
// counts a ULONG; ExInitializeResourceLite and ExDeleteResourceLite an NTSTATUS; convert and
// release VOID.
#include "sim/ex/eresource.hpp"
#include "sim/scenario/routine_rows.hpp"

namespace kesim::scenario::rows {
namespace {

using ex::ERESOURCE;
using Ctx = ThreadCtx;

constexpr unsigned kResource = type_bit(ObjectType::resource);

constexpr KeySpec kAcquireKeys[] = {{"resource", Arg::object, true}, {"wait", Arg::wait_flag}};

ERESOURCE& res(const Ctx& c, const Step& s) { return obj<ERESOURCE>(c, s.object); }

// An acquire routine with a Wait argument: step.number holds it (1 unless `wait: FALSE`).
template <bool (*F)(ERESOURCE&, bool)>
std::int64_t acquire(Ctx& c, const Step& s) {
  return F(res(c, s), s.number != 0) ? 1 : 0;
}

constexpr RoutineDescriptor kRows[] = {
    {.op = Op::ExInitializeResourceLite, .name = "ExInitializeResourceLite", .result = Result::ntstatus,
     .scalar = Arg::object, .kinds = kResource,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t { return ex::ExInitializeResourceLite(res(c, s)); }},
    {.op = Op::ExDeleteResourceLite, .name = "ExDeleteResourceLite", .result = Result::ntstatus,
     .scalar = Arg::object, .kinds = kResource,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t { return ex::ExDeleteResourceLite(res(c, s)); }},
    {.op = Op::ExAcquireResourceExclusiveLite, .name = "ExAcquireResourceExclusiveLite",
     .result = Result::boolean, .scalar = Arg::object, .keys = kAcquireKeys, .kinds = kResource, .number = 1,
     .exec = acquire<ex::ExAcquireResourceExclusiveLite>},
    {.op = Op::ExTryToAcquireResourceExclusiveLite, .name = "ExTryToAcquireResourceExclusiveLite",
     .result = Result::boolean, .scalar = Arg::object, .kinds = kResource,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       return ex::ExTryToAcquireResourceExclusiveLite(res(c, s)) ? 1 : 0;
     }},
    {.op = Op::ExAcquireResourceSharedLite, .name = "ExAcquireResourceSharedLite", .result = Result::boolean,
     .scalar = Arg::object, .keys = kAcquireKeys, .kinds = kResource, .number = 1,
     .exec = acquire<ex::ExAcquireResourceSharedLite>},
    {.op = Op::ExAcquireSharedStarveExclusive, .name = "ExAcquireSharedStarveExclusive",
     .result = Result::boolean, .scalar = Arg::object, .keys = kAcquireKeys, .kinds = kResource, .number = 1,
     .exec = acquire<ex::ExAcquireSharedStarveExclusive>},
    {.op = Op::ExAcquireSharedWaitForExclusive, .name = "ExAcquireSharedWaitForExclusive",
     .result = Result::boolean, .scalar = Arg::object, .keys = kAcquireKeys, .kinds = kResource, .number = 1,
     .exec = acquire<ex::ExAcquireSharedWaitForExclusive>},
    {.op = Op::ExConvertExclusiveToSharedLite, .name = "ExConvertExclusiveToSharedLite", .scalar = Arg::object,
     .kinds = kResource,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       ex::ExConvertExclusiveToSharedLite(res(c, s));
       return 0;
     }},
    {.op = Op::ExReleaseResourceLite, .name = "ExReleaseResourceLite", .scalar = Arg::object, .kinds = kResource,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       ex::ExReleaseResourceLite(res(c, s));
       return 0;
     }},
    {.op = Op::ExIsResourceAcquiredExclusiveLite, .name = "ExIsResourceAcquiredExclusiveLite",
     .result = Result::boolean, .scalar = Arg::object, .kinds = kResource,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t {
       return ex::ExIsResourceAcquiredExclusiveLite(res(c, s)) ? 1 : 0;
     }},
    {.op = Op::ExIsResourceAcquiredSharedLite, .name = "ExIsResourceAcquiredSharedLite", .result = Result::value,
     .scalar = Arg::object, .kinds = kResource,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t { return ex::ExIsResourceAcquiredSharedLite(res(c, s)); }},
    {.op = Op::ExGetExclusiveWaiterCount, .name = "ExGetExclusiveWaiterCount", .result = Result::value,
     .scalar = Arg::object, .kinds = kResource,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t { return ex::ExGetExclusiveWaiterCount(res(c, s)); }},
    {.op = Op::ExGetSharedWaiterCount, .name = "ExGetSharedWaiterCount", .result = Result::value,
     .scalar = Arg::object, .kinds = kResource,
     .exec = [](Ctx& c, const Step& s) -> std::int64_t { return ex::ExGetSharedWaiterCount(res(c, s)); }},
};

}  // namespace

std::span<const RoutineDescriptor> resource() { return kRows; }

}  // namespace kesim::scenario::rows
