// sim/scenario/routines.cpp — the index of the routine rows by Op, and what is derived from a
// row alone: the YAML spelling of an op and its reverse, the `kesim explain` key, the forms
// of the argument.
#include <array>

#include "sim/scenario/routine_rows.hpp"

namespace kesim::scenario {
namespace {

constexpr std::size_t kOps = static_cast<std::size_t>(Op::count_);
using Index = std::array<const RoutineDescriptor*, kOps>;

// Built once from the groups; a missing or doubled row leaves a hole or a clash that
// tests/scenario/routines_test.cpp reports (descriptor() of a hole would be a kesim bug).
Index build_index() {
  Index index{};
  for (std::span<const RoutineDescriptor> group :
       {rows::control(), rows::threads(), rows::locks(), rows::dispatcher(), rows::words(),
        rows::resource(), rows::keyed()}) {
    for (const RoutineDescriptor& d : group) {
      const auto i = static_cast<std::size_t>(d.op);
      if (i < kOps && !index[i]) index[i] = &d;
    }
  }
  return index;
}

const Index& index() {
  static const Index kIndex = build_index();
  return kIndex;
}

// Stands in for a hole in the index, so a kesim bug shows as an unknown op, not a crash.
constexpr RoutineDescriptor kMissing{.op = Op::count_, .name = "?"};

}  // namespace

const RoutineDescriptor& descriptor(Op op) {
  const auto i = static_cast<std::size_t>(op);
  const RoutineDescriptor* d = i < kOps ? index()[i] : nullptr;
  return d ? *d : kMissing;
}

std::span<const RoutineDescriptor* const> all_descriptors() { return index(); }

const char* op_name(Op op) { return descriptor(op).name.data(); }

std::optional<Op> op_from_name(std::string_view name) {
  for (const RoutineDescriptor* d : index())
    if (d && d->name == name) return d->op;
  return std::nullopt;
}

const char* explain_key(const RoutineDescriptor& d) {
  return d.explain == Explain::entry ? d.name.data() : nullptr;
}

const char* single_argument_key(const RoutineDescriptor& d) {
  if (d.result == Result::control || !d.keys.empty() || d.parse) return nullptr;
  switch (d.scalar) {
    case Arg::object: return "object";
    case Arg::irql: return "irql";
    case Arg::manual_thread: return "thread";
    default: return nullptr;
  }
}

bool takes_no_argument(const RoutineDescriptor& d) {
  return d.scalar == Arg::none && d.keys.empty() && !d.parse && !d.parse_step;
}

}  // namespace kesim::scenario
