// tests/scenario/routines_test.cpp — the routine table (sim/scenario/routine.hpp): one row per
// operation, each with an executor and a consistent argument schema; the `kesim explain`
// catalogue and the rows name the same operations; what is derived from the rows (argument
// forms, does_io, the version check) says what SCENARIO-FORMAT.md says; running steps through
// the rows allocates nothing per step.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <set>
#include <string>

#include "sim/check/catalog.hpp"
#include "sim/machine/machine.hpp"
#include "sim/scenario/interpreter.hpp"
#include "sim/scenario/routine_rows.hpp"

// Counts heap allocations, for the allocation test below (single-threaded test binary).
namespace {
std::atomic<long> g_allocations{0};
}  // namespace
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace kesim::scenario {
namespace {

constexpr int kOps = static_cast<int>(Op::count_);

std::vector<const RoutineDescriptor*> every_row() {
  std::vector<const RoutineDescriptor*> out;
  for (auto group : {rows::control(), rows::threads(), rows::locks(), rows::dispatcher(), rows::words(),
                     rows::resource(), rows::keyed()})
    for (const RoutineDescriptor& d : group) out.push_back(&d);
  return out;
}

TEST(Routines, EveryOpHasExactlyOneRowAndItsNameRoundTrips) {
  const auto rows = every_row();
  EXPECT_EQ(rows.size(), static_cast<std::size_t>(kOps));
  std::set<int> ops;
  std::set<std::string_view> names;
  for (const RoutineDescriptor* d : rows) {
    EXPECT_TRUE(ops.insert(static_cast<int>(d->op)).second) << d->name << " has two rows";
    EXPECT_TRUE(names.insert(d->name).second) << d->name;
  }
  for (int i = 0; i < kOps; ++i) {
    const Op op = static_cast<Op>(i);
    const RoutineDescriptor& d = descriptor(op);
    EXPECT_EQ(d.op, op) << i;
    EXPECT_EQ(op_from_name(d.name), op) << d.name;
    EXPECT_STREQ(op_name(op), std::string(d.name).c_str());
    EXPECT_NE(d.exec, nullptr) << d.name;
  }
  EXPECT_EQ(all_descriptors().size(), static_cast<std::size_t>(kOps));
}

TEST(Routines, TheCatalogueExplainsExactlyTheRowsThatSaySo) {
  for (const RoutineDescriptor* d : all_descriptors()) {
    SCOPED_TRACE(std::string(d->name));
    const check::OperationInfo* info = check::find_operation(d->name);
    if (const char* key = explain_key(*d)) {
      ASSERT_NE(info, nullptr) << "the row promises an explain entry the catalogue lacks";
      EXPECT_EQ(std::string_view(info->name), key);
      EXPECT_FALSE(check::explain(key).empty());
    } else {
      EXPECT_EQ(info, nullptr) << "the catalogue has an entry: set the row's explain to entry";
    }
  }
  for (const check::OperationInfo& info : check::all_operations()) {
    const auto op = op_from_name(info.name);
    ASSERT_TRUE(op.has_value()) << info.name << " is in the catalogue but has no row";
    EXPECT_STREQ(explain_key(descriptor(*op)), info.name);
  }
}

TEST(Routines, SchemasAreConsistent) {
  for (const RoutineDescriptor* d : all_descriptors()) {
    SCOPED_TRACE(std::string(d->name));
    bool takes_object = d->scalar == Arg::object;
    std::set<std::string_view> keys;
    for (const KeySpec& k : d->keys) {
      EXPECT_TRUE(keys.insert(k.key).second) << k.key;
      EXPECT_NE(k.key, "as");  // every routine's map form takes `as:` already
      EXPECT_NE(k.type, Arg::none) << k.key;
      if (k.type == Arg::number) {
        EXPECT_LE(k.min, k.max) << k.key;
      }
      takes_object = takes_object || k.type == Arg::object;
    }
    EXPECT_EQ(takes_object, d->kinds != 0) << "object kinds without an object argument, or back";
    if (d->parse_step) {
      EXPECT_EQ(d->result, Result::control);
    }
    EXPECT_EQ(d->since_why != nullptr, d->since != Version::xp);
    EXPECT_EQ(d->usage != nullptr, d->parse == &detail::StepParser::parse_word_op);
  }
}

// SCENARIO-FORMAT.md §2: the operations written without an argument, and the ones whose one
// argument also has the map form {object|irql|thread: X, as: LOCAL}.
TEST(Routines, ArgumentFormsDerivedFromTheRows) {
  std::set<std::string_view> bare;
  for (const RoutineDescriptor* d : all_descriptors())
    if (takes_no_argument(*d)) bare.insert(d->name);
  EXPECT_EQ(bare, (std::set<std::string_view>{"PsTerminateSystemThread", "KeRaiseIrqlToDpcLevel", "KeEnterCriticalRegion",
                                              "KeLeaveCriticalRegion", "KeEnterGuardedRegion",
                                              "KeLeaveGuardedRegion", "YieldProcessor"}));
  EXPECT_STREQ(single_argument_key(descriptor(Op::ExAcquirePushLockExclusive)), "object");
  EXPECT_STREQ(single_argument_key(descriptor(Op::KeRaiseIrql)), "irql");
  EXPECT_STREQ(single_argument_key(descriptor(Op::PsCreateSystemThread)), "thread");
  EXPECT_EQ(single_argument_key(descriptor(Op::KeSetEvent)), nullptr);  // has named keys
  EXPECT_EQ(single_argument_key(descriptor(Op::work)), nullptr);        // control: no `as:`
  EXPECT_EQ(single_argument_key(descriptor(Op::InterlockedIncrement)), nullptr);
}

std::unique_ptr<Program> load(const std::string& text) {
  LoadResult r = load_text(text, "t.yaml");
  EXPECT_TRUE(r.errors.empty()) << format_diagnostics("t.yaml", r.source_lines, r.errors);
  return std::move(r.program);
}

TEST(Routines, DoesIoSeesARequestInAnyBranch) {
  const char* kIo = "name: io\nvariables: {W: 0}\nthreads:\n  - name: T\n    steps:\n"
                    "      - if: {variable: W}\n        then: [work: 1us]\n        else: [ZwClose: 'C:\\x']\n";
  const char* kNoIo = "name: no-io\nthreads:\n  - name: T\n    steps: [work: 1us, KeEnterCriticalRegion]\n";
  EXPECT_TRUE(does_io(*load(kIo)));
  EXPECT_FALSE(does_io(*load(kNoIo)));
}

TEST(Routines, AGuardedRegionInAnElseBranchIsRejectedOnXp) {
  // Regression: the version check walked `then` bodies but not `else` steps.
  const auto p = load("name: xp\nmachine: {version: xp}\nvariables: {W: 0}\nthreads:\n  - name: T\n"
                      "    steps:\n      - if: {variable: W}\n        then: [work: 1us]\n"
                      "        else: [KeEnterGuardedRegion]\n");
  machine::Machine m(machine_config(*p));
  Interpreter in(*p, m);
  ASSERT_EQ(in.setup_errors().size(), 1u);
  EXPECT_EQ(in.setup_errors()[0].loc.line, 9);
  EXPECT_EQ(in.setup_errors()[0].message,
            "KeEnterGuardedRegion does not exist on xp: guarded regions and guarded mutexes "
            "arrived with Windows Server 2003 (machine.version)");
}

// Heap allocations of one run of a loop of `n` iterations over routines of every result rule.
long allocations_of_loop(int n) {
  const std::string text =
      "name: loop\nvariables: {W: 0}\nobjects:\n  L: {type: push_lock}\n  E: {type: event}\n"
      "  M: {type: fast_mutex}\nthreads:\n  - name: T\n    steps:\n      - repeat:\n"
      "          count: " + std::to_string(n) + "\n          steps:\n"
      "            - InterlockedIncrement: {target: W, as: v}\n"
      "            - InterlockedCompareExchange: {target: W, exchange: 0, comparand: {local: v}}\n"
      "            - ExAcquirePushLockExclusive: L\n            - ExReleasePushLockExclusive: L\n"
      "            - KeSetEvent: {event: E, as: prev}\n            - KeResetEvent: E\n"
      "            - ExTryToAcquireFastMutex: M\n            - ExReleaseFastMutex: M\n"
      "            - KeRaiseIrql: {irql: APC_LEVEL, as: old}\n            - KeLowerIrql: PASSIVE_LEVEL\n"
      "            - KeEnterCriticalRegion\n            - KeLeaveCriticalRegion\n"
      "            - if: {status: success}\n              then: [YieldProcessor]\n"
      "            - assert: {result: 0}\n";
  const auto p = load(text);
  machine::Machine m(machine_config(*p));
  Interpreter in(*p, m);
  const long before = g_allocations.load();
  const check::RunResult& r = m.run();
  const long during = g_allocations.load() - before;
  EXPECT_EQ(r.outcome, check::Outcome::completed) << r.assertion;
  return during;
}

TEST(Routines, StepsThroughTheRowsAllocateNothingPerStep) {
  const long few = allocations_of_loop(10);
  const long many = allocations_of_loop(1000);
  EXPECT_EQ(many, few) << "a step allocates: " << (many - few) << " more allocations for 990 more iterations";
}

}  // namespace
}  // namespace kesim::scenario
