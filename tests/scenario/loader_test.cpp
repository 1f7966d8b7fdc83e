// tests/scenario/loader_test.cpp — the scenario loader (SCENARIO-FORMAT.md §1–§4): a valid
// file with every operation loads to the right indices and values; every class of schema
// error is reported at its exact line:column, all of them, in file order; scalar parsers;
// caret diagnostics.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "sim/scenario/program.hpp"

namespace kesim::scenario {
namespace {

using Lines = std::vector<std::string>;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

LoadResult load(const std::string& yaml) { return load_text(yaml, "t.yaml"); }

// "line:column: message" per error, for exact comparisons.
std::vector<std::string> errors_of(const LoadResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.errors) {
    out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": " + d.message);
  }
  return out;
}

// The only error of a file that must have exactly one.
std::string only_error(const std::string& yaml) {
  LoadResult r = load(yaml);
  EXPECT_EQ(r.program, nullptr);
  std::vector<std::string> e = errors_of(r);
  EXPECT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  return e.empty() ? std::string() : e[0];
}

// One object of each type, a routine, a manual thread; the steps of thread T start on
// line 20, column 9 ("      - " is 8 wide).
constexpr const char* kHeader = R"(name: t
objects:
  PL: {type: push_lock}
  CPL: {type: cache_aware_push_lock}
  Ev: {type: event}
  Sem: {type: semaphore, count: 1, limit: 2}
  Tm: {type: timer}
  Mx: {type: mutex}
  GM: {type: guarded_mutex}
  FM: {type: fast_mutex}
  Gt: {type: gate}
  SL: {type: spin_lock}
routines:
  R: [{log: hi}]
threads:
  - name: Other
    start: manual
  - name: T
    steps:
)";

std::string with_steps(const std::string& steps) { return kHeader + steps; }

// A step error: T's only step is `step` (on line 20).
std::string step_error(const std::string& step) { return only_error(with_steps("      - " + step + "\n")); }

// The step T runs, from a file that must load.
Step step_of(const std::string& step) {
  LoadResult r = load(with_steps("      - " + step + "\n"));
  EXPECT_NE(r.program, nullptr) << ::testing::PrintToString(errors_of(r));
  if (!r.program) return {};
  EXPECT_EQ(r.program->threads[1].steps.size(), 1u);
  return r.program->threads[1].steps.at(0);
}

// SCENARIO-FORMAT.md §1's example plus every operation; step k of Main is on line 37 + k.
constexpr const char* kFull = R"(name: every-op_1.0
description: >
  All operations.
machine:
  processors: 4
  version: server2003
  autoboost: true
  seed: 0x10
  quantum: 15ms
  io_latency: 1.5us
  time_limit: 2s
  max_steps: 1000
  stack_size: 64k
objects:
  PL: {type: push_lock}
  CPL: {type: cache_aware_push_lock}
  Ev: {type: event, kind: synchronization, signaled: true}
  Sem: {type: semaphore, count: 1, limit: 3}
  Tm: {type: timer, kind: synchronization}
  Mx: {type: mutex}
  GM: {type: guarded_mutex}
  FM: {type: fast_mutex}
  Gt: {type: gate}
  SL: {type: spin_lock}
  Rs: {type: resource}
routines:
  Touch:
    - ExAcquirePushLockShared: PL
    - ExReleasePushLockShared: PL
  Outer:
    - call: Touch
threads:
  - name: Main
    priority: 12
    start: 0
    affinity: [0, 3]
    steps:
      - work: 50us
      - repeat: {count: 3, as: i, steps: [{log: "pass ${i} of ${index}"}, {repeat: {count: 0, steps: []}}]}
      - call: Outer
      - log: hello
      - dump: ["!thread", "!thread Worker", "!locks", "!pushlock PL", "!apc", "!ready", "!waiters"]
      - dump: "!pushlock CPL"
      - assert: {irql: APC_LEVEL, KernelApcDisable: -1, SpecialApcDisable: 0, KeAreApcsDisabled: true, KeAreAllApcsDisabled: false, last_status: STATUS_TIMEOUT}
      - assert: {object: PL, value: 0x11, Locked: 1, Waiting: 0, Waking: 0, MultipleShared: 0, Shared: 1, waiters: 2}
      - assert: {object: Mx, signaled: false, signal_state: -1, owner: Worker}
      - assert: {object: Sem, count: 1}
      - PsCreateSystemThread: Worker
      - PsTerminateSystemThread
      - KeDelayExecutionThread: 10ms
      - KeDelayExecutionThread: {interval: 1s, mode: UserMode, alertable: true}
      - KeSetPriorityThread: {thread: Worker, priority: 31}
      - KeRaiseIrql: DISPATCH_LEVEL
      - KeLowerIrql: 0
      - KeEnterCriticalRegion
      - KeLeaveCriticalRegion
      - KeEnterGuardedRegion
      - KeLeaveGuardedRegion
      - KeInsertQueueApc: {thread: Worker, kind: normal, routine: Touch}
      - KeInsertQueueApc: {thread: Worker, kind: user, steps: [{log: apc}, KeEnterCriticalRegion]}
      - ExInitializePushLock: PL
      - ExAcquirePushLockExclusive: PL
      - ExAcquirePushLockShared: PL
      - ExReleasePushLockExclusive: PL
      - ExReleasePushLockShared: PL
      - ExReleasePushLock: PL
      - ExTryConvertPushLockSharedToExclusive: PL
      - ExAcquireCacheAwarePushLockExclusive: CPL
      - ExReleaseCacheAwarePushLockExclusive: CPL
      - ExAcquireCacheAwarePushLockShared: CPL
      - ExReleaseCacheAwarePushLockShared: CPL
      - KeAcquireGuardedMutex: GM
      - KeTryToAcquireGuardedMutex: GM
      - KeReleaseGuardedMutex: GM
      - ExAcquireFastMutex: FM
      - ExTryToAcquireFastMutex: FM
      - ExReleaseFastMutex: FM
      - KeReleaseMutex: Mx
      - KeReleaseMutex: {mutex: Mx, wait: true}
      - KeAcquireSpinLock: SL
      - KeReleaseSpinLock: SL
      - KeWaitForSingleObject: Ev
      - KeWaitForSingleObject: {object: Sem, reason: WrPushLock, mode: UserMode, alertable: true, timeout: 0}
      - KeWaitForSingleObject: {object: Worker, reason: 13}
      - KeWaitForMultipleObjects: {objects: [Ev, Mx, Tm], wait_type: WaitAny, reason: UserRequest, timeout: 5ms}
      - KeWaitForMultipleObjects: {objects: [Sem, Worker]}
      - KeSetEvent: Ev
      - KeSetEvent: {event: Ev, increment: 1, wait: true}
      - KeResetEvent: Ev
      - KeClearEvent: Ev
      - KePulseEvent: Ev
      - KeReleaseSemaphore: Sem
      - KeReleaseSemaphore: {semaphore: Sem, adjustment: 2}
      - KeSetTimer: {timer: Tm, due: 1ms, period: 10ms}
      - KeSetTimer: {timer: Tm, due: 0}
      - KeCancelTimer: Tm
      - KeWaitForGate: Gt
      - KeSignalGateBoostPriority: Gt
      - ZwCreateFile: {path: 'C:\Temp\${index}.txt'}
      - ZwWriteFile: {path: 'C:\Temp\a', bytes: 4096}
      - ZwOpenFile: 'C:\Temp\a'
      - ZwSetInformationFile: {path: 'C:\Temp\a', rename_to: 'C:\Temp2\a'}
      - ZwClose: {path: 'C:\Temp\a'}
  - name: Worker
    start: manual
    count: 3
    steps: []
  - name: Late
    start: 1.5ms
    steps:
      - InterlockedCompareExchange: {target: W, exchange: 1, comparand: 0, as: old}
      - InterlockedExchange: {target: W, value: {local: old, add: 1}}
      - InterlockedExchangeAdd: {target: W, value: -2}
      - InterlockedIncrement: W
      - InterlockedDecrement: {target: W, as: now}
      - InterlockedOr: {target: W, value: 0x10}
      - InterlockedAnd: {target: W, value: 0xffffffffffffffff}
      - InterlockedXor: {target: W, value: 1}
      - InterlockedBitTestAndSet: {target: W, bit: 63}
      - InterlockedBitTestAndReset: {target: W, bit: 0}
      - ReadNoFence: {target: W, as: seen}
      - WriteNoFence: {target: W, value: 0}
      - YieldProcessor
      - if: {local: old, ne: 0}
        then: [{KeSetEvent: {event: Ev, as: prev}}]
        else: [{KeRaiseIrql: {irql: APC_LEVEL, as: irql}}]
      - while: {variable: W, and: 0x1}
        steps: [YieldProcessor]
      - if: {status: success}
        then: [{ask: {question: "W is?", answer: {variable: W, value: -1}, why: "it was set"}}]
      - assert: {variable: W, value: -1}
      - assert: {local: seen, value: 0x8000000000000010, result: 0}
      - try:
          - KeAcquireGuardedMutexUnsafe: GM
          - KeReleaseGuardedMutexUnsafe: GM
          - ExAcquireFastMutexUnsafe: FM
          - ExReleaseFastMutexUnsafe: FM
          - ExEnterCriticalRegionAndAcquireFastMutexUnsafe: FM
          - ExReleaseFastMutexUnsafeAndLeaveCriticalRegion: FM
          - KeReleaseMutant: {mutant: Mx, increment: 2, abandon: true, wait: true}
          - KeRaiseIrqlToDpcLevel
          - KeAcquireSpinLockAtDpcLevel: SL
          - KeReleaseSpinLockFromDpcLevel: SL
          - KeTryToAcquireSpinLockAtDpcLevel: SL
          - KeTestSpinLock: {object: SL, as: prev}
          - KeAcquireInStackQueuedSpinLock: SL
          - KeReleaseInStackQueuedSpinLock: SL
          - assert: {object: GM, contention: 1, waiter_list: [Main, "Worker[1]"], priority: 31}
          - assert: {object: FM, old_irql: APC_LEVEL}
          - assert: {object: PL, share_count: 3, wait_chain: [S, X]}
        except: [STATUS_MUTANT_NOT_OWNED, 0xC0000047]
      - ExInitializeResourceLite: Rs
      - ExAcquireResourceExclusiveLite: {resource: Rs, wait: FALSE, as: ok}
      - ExTryToAcquireResourceExclusiveLite: Rs
      - ExAcquireResourceSharedLite: Rs
      - ExAcquireSharedStarveExclusive: {resource: Rs}
      - ExAcquireSharedWaitForExclusive: Rs
      - ExConvertExclusiveToSharedLite: Rs
      - ExReleaseResourceLite: Rs
      - ExIsResourceAcquiredExclusiveLite: Rs
      - ExIsResourceAcquiredSharedLite: {object: Rs, as: n}
      - ExGetExclusiveWaiterCount: Rs
      - ExGetSharedWaiterCount: Rs
      - ExDeleteResourceLite: Rs
      - NtReleaseKeyedEvent: {key: 0x10, as: st}
      - NtWaitForKeyedEvent: {event: CritSecOutOfMemoryEvent, key: 0x20, alertable: true, timeout: 1ms}
variables:
  W: 0
  Owners: {value: 0x10}
invariants:
  - {variable: Owners, le: 1}
expect:
  outcome: deadlock
  deadlock: [Main, "Worker[2]"]
  blocked: {Main: WrPushLock, Worker: 28}
  files: {'C:\Temp2': 1000}
  findings: {data_race: 0, lock_order: 1}
)";

enum Obj { PL, CPL, Ev, Sem, Tm, Mx, GM, FM, Gt, SL };

class FullScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    result_ = load(kFull);
    ASSERT_TRUE(result_.errors.empty()) << ::testing::PrintToString(errors_of(result_));
    ASSERT_NE(result_.program, nullptr);
    p_ = result_.program.get();
    ASSERT_EQ(p_->threads.size(), 3u);
    ASSERT_EQ(p_->threads[0].steps.size(), 66u);
  }
  const Step& main_step(int k) const { return p_->threads[0].steps.at(static_cast<std::size_t>(k)); }

  LoadResult result_;
  const Program* p_ = nullptr;
};

TEST_F(FullScenario, HeaderMachineAndObjects) {
  EXPECT_EQ(p_->name, "every-op_1.0");
  EXPECT_EQ(p_->description, "All operations.");
  EXPECT_EQ(p_->file, "t.yaml");
  EXPECT_EQ(p_->source_lines.size(), 177u);
  EXPECT_EQ(p_->source_lines[37], "      - work: 50us");
  const Machine& m = p_->machine;
  EXPECT_EQ(m.processors, 4);
  EXPECT_EQ(m.version, Version::server2003);
  EXPECT_EQ(m.autoboost, std::optional<bool>(true));
  EXPECT_TRUE(m.autoboost_enabled());
  EXPECT_EQ(m.seed, 16u);
  EXPECT_EQ(m.quantum, 15'000'000);
  EXPECT_EQ(m.io_latency, 1'500);
  EXPECT_EQ(m.time_limit, 2'000'000'000);
  EXPECT_EQ(m.max_steps, 1000u);
  EXPECT_EQ(m.stack_size, 65536u);

  // The ten above, the resource, and the global keyed event a step without `event` declared.
  ASSERT_EQ(p_->objects.size(), 12u);
  EXPECT_EQ(p_->objects[11].name, "CritSecOutOfMemoryEvent");
  EXPECT_EQ(p_->objects[11].type, ObjectType::keyed_event);
  const char* names[] = {"PL", "CPL", "Ev", "Sem", "Tm", "Mx", "GM", "FM", "Gt", "SL"};
  ObjectType types[] = {ObjectType::push_lock, ObjectType::cache_aware_push_lock, ObjectType::event,
                        ObjectType::semaphore, ObjectType::timer, ObjectType::mutex,
                        ObjectType::guarded_mutex, ObjectType::fast_mutex, ObjectType::gate,
                        ObjectType::spin_lock};
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(p_->objects[i].name, names[i]);
    EXPECT_EQ(p_->objects[i].type, types[i]) << names[i];
    EXPECT_EQ(p_->objects[i].loc.line, 15 + i);
    EXPECT_EQ(p_->objects[i].loc.column, 3);
    EXPECT_EQ(p_->find_object(names[i]), i);
  }
  EXPECT_EQ(p_->objects[Ev].kind, EventKind::synchronization);
  EXPECT_TRUE(p_->objects[Ev].signaled);
  EXPECT_EQ(p_->objects[Sem].count, 1);
  EXPECT_EQ(p_->objects[Sem].limit, 3);
  EXPECT_EQ(p_->objects[Tm].kind, EventKind::synchronization);
  EXPECT_EQ(p_->objects[PL].kind, EventKind::notification);
  EXPECT_EQ(p_->find_object("Main"), -1);  // threads are another namespace
}

TEST_F(FullScenario, WordsResultsAndControlFlow) {
  ASSERT_EQ(p_->variables.size(), 2u);
  EXPECT_EQ(p_->variables[0].name, "W");
  EXPECT_EQ(p_->variables[1].initial, 0x10);
  EXPECT_EQ(p_->locals, (std::vector<std::string>{"old", "now", "seen", "prev", "irql", "ok", "n", "st"}));
  ASSERT_EQ(p_->invariants.size(), 1u);
  EXPECT_EQ(p_->invariants[0].index, 1);
  EXPECT_EQ(p_->invariants[0].op, CmpOp::le);
  EXPECT_EQ(p_->invariants[0].value, 1);
  const auto& late = p_->threads[2].steps;
  ASSERT_EQ(late.size(), 34u);
  // Keyed events: no `event` is the global one (a NULL handle); the key is the pointer value.
  EXPECT_EQ(late[32].op, Op::NtReleaseKeyedEvent);
  EXPECT_EQ(late[32].object, 11);
  EXPECT_EQ(late[32].number, 0x10);
  EXPECT_EQ(late[33].op, Op::NtWaitForKeyedEvent);
  EXPECT_EQ(late[33].object, 11);
  EXPECT_EQ(late[33].number, 0x20);
  EXPECT_TRUE(late[33].alertable);
  EXPECT_EQ(late[33].duration, 1'000'000);
  // ERESOURCE: Wait is TRUE unless written FALSE (kept in Step::number).
  EXPECT_EQ(late[20].op, Op::ExAcquireResourceExclusiveLite);
  EXPECT_EQ(late[20].number, 0);
  EXPECT_EQ(late[20].object, 10);
  EXPECT_EQ(late[20].as_local, 5);
  EXPECT_EQ(late[22].op, Op::ExAcquireResourceSharedLite);
  EXPECT_EQ(late[22].number, 1);
  EXPECT_EQ(late[23].number, 1);  // map form without `wait`
  EXPECT_EQ(late[28].as_local, 6);
  EXPECT_EQ(late[0].op, Op::InterlockedCompareExchange);
  EXPECT_EQ(late[0].variable, 0);
  EXPECT_EQ(late[0].operand.value, 1);
  EXPECT_EQ(late[0].comparand.value, 0);
  EXPECT_EQ(late[0].as_local, 0);
  EXPECT_EQ(late[1].operand.local, 0);
  EXPECT_EQ(late[1].operand.value, 1);
  EXPECT_EQ(late[2].operand.value, -2);
  EXPECT_EQ(late[6].operand.value, -1);  // 0xffffffffffffffff, as its bits
  EXPECT_EQ(late[8].operand.value, 63);
  ASSERT_EQ(late[13].op, Op::if_);
  EXPECT_EQ(late[13].cond->source, CondSource::local);
  EXPECT_EQ(late[13].cond->op, CmpOp::ne);
  ASSERT_EQ(late[13].body.size(), 1u);
  EXPECT_EQ(late[13].body[0].as_local, 3);
  ASSERT_EQ(late[13].else_steps.size(), 1u);
  EXPECT_EQ(late[13].else_steps[0].number, 1);
  EXPECT_EQ(late[13].else_steps[0].as_local, 4);
  EXPECT_EQ(late[14].op, Op::while_);
  EXPECT_EQ(late[14].cond->op, CmpOp::and_);
  EXPECT_EQ(late[14].body[0].op, Op::YieldProcessor);
  EXPECT_EQ(late[15].cond->source, CondSource::status_success);
  EXPECT_EQ(late[16].assertion->variable, 0);
  EXPECT_EQ(late[16].assertion->value, static_cast<std::uint64_t>(-1));
  EXPECT_EQ(late[17].assertion->local, 2);
  EXPECT_EQ(late[17].assertion->result, 0);
  // `ask` (predict mode): the question, the why, and the answer parsed as an assert.
  ASSERT_EQ(late[15].body.size(), 1u);
  const Step& ask = late[15].body[0];
  EXPECT_EQ(ask.op, Op::ask);
  EXPECT_EQ(ask.text.raw, "W is?");
  EXPECT_EQ(ask.text2.raw, "it was set");
  ASSERT_TRUE(ask.assertion);
  EXPECT_EQ(ask.assertion->variable, 0);
  EXPECT_EQ(ask.assertion->value, static_cast<std::uint64_t>(-1));
  // issue #6: try/except, the new routines and assert keys
  ASSERT_EQ(late[18].op, Op::try_);
  EXPECT_EQ(late[18].except, (std::vector<std::string>{"STATUS_MUTANT_NOT_OWNED", "0xC0000047"}));
  const auto& body = late[18].body;
  ASSERT_EQ(body.size(), 17u);
  EXPECT_EQ(body[6].op, Op::KeReleaseMutant);
  EXPECT_EQ(body[6].number, 2);
  EXPECT_TRUE(body[6].abandon);
  EXPECT_TRUE(body[6].flag);
  EXPECT_EQ(body[11].as_local, 3);
  const Assertion& a = *body[14].assertion;
  EXPECT_EQ(a.contention, 1);
  EXPECT_EQ(a.waiter_list, (std::vector<std::string>{"Main", "Worker[1]"}));
  EXPECT_EQ(a.priority, 31);
  EXPECT_EQ(body[15].assertion->old_irql, 1);
  EXPECT_EQ(body[16].assertion->share_count, 3u);
  EXPECT_EQ(body[16].assertion->wait_chain, "SX");
}

TEST(LoaderErrors, WordsAndConditions) {
  const std::string vars = "variables:\n  W: 0\n";
  auto err = [&](const std::string& step) {
    return only_error(std::string("name: t\n") + vars + "threads:\n  - name: T\n    steps:\n      - " + step + "\n");
  };
  EXPECT_EQ(err("InterlockedIncrement: X"), "7:31: unknown variable 'X'");
  EXPECT_EQ(err("InterlockedExchange: W"),
            "7:30: 'InterlockedExchange' takes a map: 'InterlockedExchange: {target: WORD, value: V}'");
  EXPECT_EQ(err("InterlockedCompareExchange: {target: W, exchange: 1}"),
            "7:37: 'InterlockedCompareExchange' needs 'comparand' ('InterlockedCompareExchange: "
            "{target: WORD, exchange: V, comparand: V, as: LOCAL}')");
  EXPECT_EQ(err("InterlockedBitTestAndSet: {target: W, bit: 64}"),
            "7:52: expected an integer in 0..63 for 'bit', got '64'");
  EXPECT_EQ(err("assert: {local: nope, value: 1}"),
            "7:25: local 'nope' is never set: no step stores into it with 'as: nope'");
  EXPECT_EQ(err("assert: {variable: W}"), "7:17: 'assert' on a variable or local needs 'value: V'");
  EXPECT_EQ(err("if: {variable: W, eq: 1, ne: 2}\n        then: []"),
            "7:34: 'if' compares one value once; 'ne' is a second comparison");
  EXPECT_EQ(err("if: {status: maybe}\n        then: []"),
            "7:22: 'status' is 'success' (NT_SUCCESS) or 'failure', got 'maybe'");
  EXPECT_EQ(err("if: {variable: W}"), "7:9: 'if' needs 'then: [steps]'");
  EXPECT_EQ(err("while: {variable: W}\n        steps: []\n        step: []"),
            "9:9: unknown key 'step' in 'while' (a 'while' step has 'while' and 'steps')");
  EXPECT_EQ(err("KeEnterCriticalRegion: {as: x}"),
            "7:32: 'KeEnterCriticalRegion' takes no argument; write it as '- KeEnterCriticalRegion'");
  EXPECT_EQ(only_error("name: t\nvariables:\n  W: 0\ninvariants:\n  - {local: x, eq: 0}\n"
                       "threads:\n  - name: T\n    steps: [{InterlockedIncrement: {target: W, as: x}}]\n"),
            "5:6: an invariant is about memory words: use 'variable: NAME'");
}

TEST_F(FullScenario, ThreadsAndRoutines) {
  const ThreadDecl& main = p_->threads[0];
  EXPECT_EQ(main.name, "Main");
  EXPECT_EQ(main.priority, 12);
  EXPECT_EQ(main.start, StartKind::at_time);
  EXPECT_EQ(main.start_time, 0);
  EXPECT_EQ(main.affinity, (std::vector<int>{0, 3}));
  EXPECT_EQ(main.count, 1);
  EXPECT_EQ(main.loc.line, 33);
  const ThreadDecl& worker = p_->threads[1];
  EXPECT_EQ(worker.start, StartKind::manual);
  EXPECT_EQ(worker.count, 3);
  EXPECT_EQ(worker.priority, 8);
  EXPECT_TRUE(worker.steps.empty());
  EXPECT_TRUE(worker.affinity.empty());
  EXPECT_EQ(p_->threads[2].start_time, 1'500'000);
  EXPECT_EQ(p_->find_thread("Late"), 2);

  // Two named routines, then the anonymous one of the inline APC.
  ASSERT_EQ(p_->routines.size(), 3u);
  EXPECT_EQ(p_->routines[0].name, "Touch");
  EXPECT_EQ(p_->routines[0].loc.line, 27);
  ASSERT_EQ(p_->routines[0].steps.size(), 2u);
  EXPECT_EQ(p_->routines[0].steps[0].op, Op::ExAcquirePushLockShared);
  EXPECT_EQ(p_->routines[0].steps[0].object, PL);
  EXPECT_EQ(p_->routines[0].steps[0].loc.line, 28);
  EXPECT_EQ(p_->routines[0].steps[0].loc.column, 7);
  EXPECT_EQ(p_->routines[1].steps.at(0).routine, 0);
  EXPECT_EQ(p_->routines[2].name, "");
  ASSERT_EQ(p_->routines[2].steps.size(), 2u);
  EXPECT_EQ(p_->routines[2].steps[1].op, Op::KeEnterCriticalRegion);
  EXPECT_EQ(p_->find_routine("Outer"), 1);
  EXPECT_EQ(p_->find_routine(""), -1);
}

TEST_F(FullScenario, EveryOperationAppears) {
  std::set<Op> seen;
  auto walk = [&](auto&& self, const std::vector<Step>& steps) -> void {
    for (const Step& s : steps) {
      seen.insert(s.op);
      self(self, s.body);
      self(self, s.else_steps);
    }
  };
  for (const ThreadDecl& t : p_->threads) walk(walk, t.steps);
  for (const Routine& r : p_->routines) walk(walk, r.steps);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(Op::count_));
  for (int k = 0; k < 66; ++k) EXPECT_EQ(main_step(k).loc.line, 38 + k) << k;
  EXPECT_EQ(main_step(0).loc.column, 9);
}

TEST_F(FullScenario, ControlSteps) {
  EXPECT_EQ(main_step(0).op, Op::work);
  EXPECT_EQ(main_step(0).duration, 50'000);
  const Step& rep = main_step(1);
  EXPECT_EQ(rep.op, Op::repeat);
  EXPECT_EQ(rep.number, 3);
  EXPECT_EQ(rep.var, "i");
  ASSERT_EQ(rep.body.size(), 2u);
  EXPECT_EQ(rep.body[0].op, Op::log);
  EXPECT_EQ(rep.body[0].text.raw, "pass ${i} of ${index}");
  EXPECT_TRUE(rep.body[0].text.has_vars);
  EXPECT_EQ(rep.body[0].loc.line, 39);
  EXPECT_EQ(rep.body[0].loc.column, 44);
  EXPECT_EQ(rep.body[1].number, 0);
  EXPECT_EQ(rep.body[1].var, "");
  EXPECT_TRUE(rep.body[1].body.empty());
  EXPECT_EQ(main_step(2).routine, 1);
  EXPECT_EQ(main_step(3).text.raw, "hello");
  EXPECT_FALSE(main_step(3).text.has_vars);

  const auto& views = main_step(4).views;
  ASSERT_EQ(views.size(), 7u);
  EXPECT_EQ(views[0].kind, ViewKind::thread);
  EXPECT_EQ(views[0].name, "");
  EXPECT_EQ(views[1].kind, ViewKind::thread);
  EXPECT_EQ(views[1].name, "Worker");
  EXPECT_EQ(views[2].kind, ViewKind::locks);
  EXPECT_EQ(views[3].kind, ViewKind::pushlock);
  EXPECT_EQ(views[3].name, "PL");
  EXPECT_EQ(views[4].kind, ViewKind::apc);
  EXPECT_EQ(views[5].kind, ViewKind::ready);
  EXPECT_EQ(views[6].kind, ViewKind::waiters);
  ASSERT_EQ(main_step(5).views.size(), 1u);
  EXPECT_EQ(main_step(5).views[0].name, "CPL");
}

TEST_F(FullScenario, Assertions) {
  const Assertion& a = *main_step(6).assertion;
  EXPECT_EQ(a.irql, 1);
  EXPECT_EQ(a.KernelApcDisable, -1);
  EXPECT_EQ(a.SpecialApcDisable, 0);
  EXPECT_EQ(a.KeAreApcsDisabled, true);
  EXPECT_EQ(a.KeAreAllApcsDisabled, false);
  EXPECT_EQ(a.last_status, "STATUS_TIMEOUT");
  EXPECT_EQ(a.object, -1);
  EXPECT_FALSE(a.Locked.has_value());
  ASSERT_EQ(a.key_locs.size(), 6u);
  EXPECT_EQ(a.key_locs.at("irql").line, 44);
  EXPECT_EQ(a.key_locs.at("irql").column, 18);
  EXPECT_EQ(a.key_locs.at("KernelApcDisable").column, 35);

  const Assertion& pl = *main_step(7).assertion;
  EXPECT_EQ(pl.object, PL);
  EXPECT_EQ(pl.value, 0x11u);
  EXPECT_EQ(pl.Locked, 1);
  EXPECT_EQ(pl.Waiting, 0);
  EXPECT_EQ(pl.Waking, 0);
  EXPECT_EQ(pl.MultipleShared, 0);
  EXPECT_EQ(pl.Shared, 1u);
  EXPECT_EQ(pl.waiters, 2);
  EXPECT_EQ(pl.key_locs.size(), 8u);

  const Assertion& mx = *main_step(8).assertion;
  EXPECT_EQ(mx.object, Mx);
  EXPECT_EQ(mx.signaled, false);
  EXPECT_EQ(mx.signal_state, -1);
  EXPECT_EQ(mx.owner, "Worker");
  EXPECT_EQ(main_step(9).assertion->count, 1);
}

TEST_F(FullScenario, ThreadIrqlRegionAndApcSteps) {
  EXPECT_EQ(main_step(10).op, Op::PsCreateSystemThread);
  EXPECT_EQ(main_step(10).thread, 1);
  EXPECT_EQ(main_step(11).op, Op::PsTerminateSystemThread);
  EXPECT_EQ(main_step(12).duration, 10'000'000);
  EXPECT_EQ(main_step(12).mode, Mode::KernelMode);
  EXPECT_FALSE(main_step(12).alertable);
  EXPECT_EQ(main_step(13).duration, 1'000'000'000);
  EXPECT_EQ(main_step(13).mode, Mode::UserMode);
  EXPECT_TRUE(main_step(13).alertable);
  EXPECT_EQ(main_step(14).thread, 1);
  EXPECT_EQ(main_step(14).number, 31);
  EXPECT_EQ(main_step(15).number, 2);
  EXPECT_EQ(main_step(16).number, 0);
  EXPECT_EQ(main_step(17).op, Op::KeEnterCriticalRegion);
  EXPECT_EQ(main_step(20).op, Op::KeLeaveGuardedRegion);
  EXPECT_EQ(main_step(21).thread, 1);
  EXPECT_EQ(main_step(21).apc_kind, ApcKind::normal);
  EXPECT_EQ(main_step(21).routine, 0);
  EXPECT_EQ(main_step(22).apc_kind, ApcKind::user);
  EXPECT_EQ(main_step(22).routine, 2);
  EXPECT_TRUE(main_step(22).body.empty());
}

TEST_F(FullScenario, LockSteps) {
  for (int k = 23; k <= 29; ++k) EXPECT_EQ(main_step(k).object, PL) << k;
  EXPECT_EQ(main_step(23).op, Op::ExInitializePushLock);
  EXPECT_EQ(main_step(29).op, Op::ExTryConvertPushLockSharedToExclusive);
  for (int k = 30; k <= 33; ++k) EXPECT_EQ(main_step(k).object, CPL) << k;
  for (int k = 34; k <= 36; ++k) EXPECT_EQ(main_step(k).object, GM) << k;
  for (int k = 37; k <= 39; ++k) EXPECT_EQ(main_step(k).object, FM) << k;
  EXPECT_EQ(main_step(40).object, Mx);
  EXPECT_FALSE(main_step(40).flag);
  EXPECT_EQ(main_step(41).object, Mx);
  EXPECT_TRUE(main_step(41).flag);
  EXPECT_EQ(main_step(42).object, SL);
  EXPECT_EQ(main_step(43).op, Op::KeReleaseSpinLock);
}

TEST_F(FullScenario, DispatcherSteps) {
  const Step& w = main_step(44);
  EXPECT_EQ(w.object, Ev);
  EXPECT_EQ(w.thread, -1);
  EXPECT_EQ(w.reason, kExecutive);
  EXPECT_FALSE(w.duration.has_value());  // forever
  const Step& w2 = main_step(45);
  EXPECT_EQ(w2.object, Sem);
  EXPECT_EQ(w2.reason, 28);
  EXPECT_EQ(w2.mode, Mode::UserMode);
  EXPECT_TRUE(w2.alertable);
  EXPECT_EQ(w2.duration, 0);  // poll
  const Step& on_thread = main_step(46);
  EXPECT_EQ(on_thread.object, -1);
  EXPECT_EQ(on_thread.thread, 1);
  EXPECT_EQ(on_thread.reason, 13);
  const Step& m = main_step(47);
  EXPECT_EQ(m.objects, (std::vector<int>{Ev, Mx, Tm}));
  EXPECT_TRUE(m.wait_threads.empty());
  EXPECT_EQ(m.wait_type, WaitType::WaitAny);
  EXPECT_EQ(m.reason, 6);
  EXPECT_EQ(m.duration, 5'000'000);
  const Step& m2 = main_step(48);
  EXPECT_EQ(m2.objects, (std::vector<int>{Sem, -1}));
  EXPECT_EQ(m2.wait_threads, (std::vector<int>{-1, 1}));
  EXPECT_EQ(m2.wait_type, WaitType::WaitAll);

  EXPECT_EQ(main_step(49).object, Ev);
  EXPECT_EQ(main_step(49).number, 0);
  EXPECT_EQ(main_step(50).number, 1);
  EXPECT_TRUE(main_step(50).flag);
  EXPECT_EQ(main_step(51).op, Op::KeResetEvent);
  EXPECT_EQ(main_step(53).object, Ev);
  EXPECT_EQ(main_step(54).object, Sem);
  EXPECT_EQ(main_step(54).number, 1);  // default Adjustment
  EXPECT_EQ(main_step(55).number, 2);
  EXPECT_EQ(main_step(56).object, Tm);
  EXPECT_EQ(main_step(56).duration, 1'000'000);
  EXPECT_EQ(main_step(56).period, 10'000'000);
  EXPECT_EQ(main_step(57).duration, 0);
  EXPECT_FALSE(main_step(57).period.has_value());
  EXPECT_EQ(main_step(58).object, Tm);
  EXPECT_EQ(main_step(59).object, Gt);
  EXPECT_EQ(main_step(60).object, Gt);
}

TEST_F(FullScenario, IoStepsAndExpect) {
  EXPECT_EQ(main_step(61).text.raw, "C:\\Temp\\${index}.txt");
  EXPECT_TRUE(main_step(61).text.has_vars);
  EXPECT_EQ(main_step(62).number, 4096);
  EXPECT_EQ(main_step(63).text.raw, "C:\\Temp\\a");
  EXPECT_EQ(main_step(63).number, 0);
  EXPECT_EQ(main_step(64).text2.raw, "C:\\Temp2\\a");
  EXPECT_EQ(main_step(65).op, Op::ZwClose);

  const Expect& e = p_->expect;
  EXPECT_TRUE(e.present);
  EXPECT_EQ(e.loc.line, 172);
  EXPECT_EQ(e.outcome, Outcome::deadlock);
  EXPECT_FALSE(e.bugcheck.has_value());
  EXPECT_EQ(e.deadlock, (std::vector<std::string>{"Main", "Worker[2]"}));
  using Pair = std::pair<std::string, std::string>;
  EXPECT_EQ(e.blocked, (std::vector<Pair>{{"Main", "WrPushLock"}, {"Worker", "WrPushLock"}}));
  using Count = std::pair<std::string, std::int64_t>;
  EXPECT_EQ(e.files, (std::vector<Count>{{"C:\\Temp2", 1000}}));
  EXPECT_EQ(e.findings, (std::vector<Count>{{"data_race", 0}, {"lock_order", 1}}));
}

// The example of SCENARIO-FORMAT.md §1, verbatim.
TEST(Loader, FormatExampleLoads) {
  LoadResult r = load(R"(name: foreign-release                      # required, [A-Za-z0-9_.-]+
description: >                             # optional, shown in reports
  DriverEntry releases a push lock that a worker thread acquired.
machine:                                   # optional, every key has a default
  processors: 2                            # simulated CPUs, 1..64 (default 2)
  version: win10                           # xp | server2003 | win10 (default win10)
  autoboost: true                          # lock ownership tracking (default: true on win10, false before)
  seed: 0                                  # scheduling seed (default 0); --seed overrides
  quantum: 30ms                            # time slice (document the default you pick)
  io_latency: 100us                        # device time of one synchronous I/O (default 100us)
  time_limit: 60s                          # virtual time after which the run stops: outcome time_limit
objects:                                   # every kernel object the threads use, by name
  FilePushLock: {type: push_lock}
  Done:   {type: event, kind: notification, signaled: false}   # kind: notification | synchronization
  Sem:    {type: semaphore, count: 0, limit: 4}
  Tick:   {type: timer, kind: synchronization}
  Mtx:    {type: mutex}                    # KMUTEX (owned, recursive, abandoned)
  GMtx:   {type: guarded_mutex}
  FMtx:   {type: fast_mutex}
  Gate:   {type: gate}
  Lock:   {type: spin_lock}
  CLock:  {type: cache_aware_push_lock}
routines:                                  # optional named step lists (for APCs and `call`)
  TouchLock:
    - ExAcquirePushLockShared: FilePushLock
    - ExReleasePushLockShared: FilePushLock
threads:
  - name: DriverEntry                      # required, unique
    priority: 12                           # 0..31 (default 8)
    start: 0                               # a time (default 0), or `manual` = started by PsCreateSystemThread
    affinity: [0]                          # optional list of CPUs
    count: 1                               # N identical threads NAME[0]..NAME[N-1]; ${index} in their strings
    steps:
      - PsCreateSystemThread: Worker
      - work: 50us
      - ExReleasePushLockExclusive: FilePushLock
  - name: Worker
    start: manual
    steps:
      - KeEnterCriticalRegion
      - ExAcquirePushLockExclusive: FilePushLock
      - repeat: {count: 1000, as: i, steps: [{work: 10us}]}
      - ExReleasePushLockExclusive: FilePushLock
      - KeLeaveCriticalRegion
expect:                                    # optional; see section 4
  outcome: bugcheck
  bugcheck: 0x162
)");
  ASSERT_TRUE(r.errors.empty()) << ::testing::PrintToString(errors_of(r));
  const Program& p = *r.program;
  EXPECT_EQ(p.name, "foreign-release");
  EXPECT_EQ(p.description, "DriverEntry releases a push lock that a worker thread acquired.");
  EXPECT_EQ(p.objects.size(), 10u);
  EXPECT_EQ(p.objects[p.find_object("Sem")].limit, 4);
  EXPECT_EQ(p.threads[0].steps[0].thread, 1);
  EXPECT_EQ(p.threads[0].steps[2].object, 0);
  EXPECT_EQ(p.threads[1].steps[2].number, 1000);
  EXPECT_EQ(p.threads[1].steps[2].body[0].duration, 10'000);
  EXPECT_EQ(p.expect.outcome, Outcome::bugcheck);
  EXPECT_EQ(p.expect.bugcheck, 0x162u);
}

TEST(Loader, DefaultsOfAMinimalFile) {
  LoadResult r = load("name: m\nthreads:\n  - name: A\n");
  ASSERT_NE(r.program, nullptr);
  const Program& p = *r.program;
  EXPECT_EQ(p.machine.processors, 2);
  EXPECT_EQ(p.machine.version, Version::win10);
  EXPECT_FALSE(p.machine.autoboost.has_value());
  EXPECT_TRUE(p.machine.autoboost_enabled());
  EXPECT_EQ(p.machine.quantum, 30'000'000);
  EXPECT_EQ(p.machine.io_latency, 100'000);
  EXPECT_EQ(p.machine.time_limit, 60'000'000'000);
  EXPECT_FALSE(p.expect.present);
  ASSERT_EQ(p.threads.size(), 1u);
  EXPECT_TRUE(p.threads[0].steps.empty());
  EXPECT_EQ(p.threads[0].loc.line, 3);
  EXPECT_EQ(p.threads[0].loc.column, 5);

  LoadResult xp = load("name: m\nmachine: {version: xp}\n");
  ASSERT_NE(xp.program, nullptr);
  EXPECT_FALSE(xp.program->machine.autoboost_enabled());
}

TEST(Loader, MapOrderIsFileOrderAndNamespacesAreSeparate) {
  LoadResult r = load(R"(name: m
threads:
  - name: Z
    steps: [{KeSetEvent: Z}, {PsCreateSystemThread: B}]
  - name: B
    start: manual
objects:
  Z: {type: event}
  A: {type: event}
)");
  ASSERT_NE(r.program, nullptr) << ::testing::PrintToString(errors_of(r));
  EXPECT_EQ(r.program->objects[0].name, "Z");
  EXPECT_EQ(r.program->objects[1].name, "A");
  EXPECT_EQ(r.program->threads[0].steps[0].object, 0);
  EXPECT_EQ(r.program->threads[0].steps[1].thread, 1);
}

// --- whole-file errors -----------------------------------------------------------------

TEST(LoaderErrors, EmptyFile) {
  EXPECT_EQ(only_error(""), "1:1: empty scenario: expected a map with at least 'name' and 'threads'");
  EXPECT_EQ(only_error("# just a comment\n"),
            "1:1: empty scenario: expected a map with at least 'name' and 'threads'");
}

TEST(LoaderErrors, NotYaml) {
  EXPECT_EQ(only_error("name: x\nthreads: [\n"), "3:1: invalid YAML: end of sequence flow not found");
  EXPECT_EQ(only_error("name: a: b\n"), "1:8: invalid YAML: illegal map value");
}

TEST(LoaderErrors, TopLevelNotAMap) {
  EXPECT_EQ(only_error("- name: x\n"),
            "1:1: a scenario is a map (name, description, machine, objects, routines, threads, "
            "expect), got a list");
  EXPECT_EQ(only_error("hello world\n"),
            "1:1: a scenario is a map (name, description, machine, objects, routines, threads, "
            "expect), got 'hello world'");
}

TEST(LoaderErrors, MissingFile) {
  LoadResult r = load_file("/nonexistent/kesim/scenario.yaml");
  EXPECT_EQ(r.program, nullptr);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].loc.line, 0);
  EXPECT_EQ(r.errors[0].loc.column, 0);
  EXPECT_EQ(r.errors[0].message, "cannot open: No such file or directory");
  EXPECT_EQ(format_diagnostics("/nonexistent/kesim/scenario.yaml", r.source_lines, r.errors),
            "/nonexistent/kesim/scenario.yaml: error: cannot open: No such file or directory\n");
}

TEST(Loader, LoadFileReadsAndKeepsThePath) {
  std::string path = ::testing::TempDir() + "kesim_loader_test.yaml";
  {
    std::ofstream out(path);
    out << "name: f\nthreads:\n  - name: A\n    steps: [{work: x}]\n";
  }
  LoadResult r = load_file(path);
  std::remove(path.c_str());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].loc.line, 4);
  EXPECT_EQ(r.errors[0].loc.column, 20);
  ASSERT_EQ(r.source_lines.size(), 4u);
  EXPECT_EQ(r.source_lines[3], "    steps: [{work: x}]");
}

TEST(LoaderErrors, NameIsRequiredAndChecked) {
  EXPECT_EQ(only_error("threads: []\n"), "1:1: the scenario needs a 'name'");
  EXPECT_EQ(only_error("name: 'a b'\n"),
            "1:7: scenario name 'a b' may contain only letters, digits, '_', '.' and '-'");
  EXPECT_EQ(only_error("name: [a]\n"), "1:7: expected a string for 'name', got a list");
}

TEST(LoaderErrors, UnknownKeysListTheAllowedOnes) {
  EXPECT_EQ(only_error("name: x\nthread: []\n"),
            "2:1: unknown key 'thread' in the scenario; did you mean 'threads'? (allowed: name, "
            "description, machine, variables, objects, routines, threads, invariants, expect, goal, level)");
  EXPECT_EQ(only_error("name: x\nmachine:\n  cpus: 2\n"),
            "3:3: unknown key 'cpus' in 'machine' (allowed: processors, version, autoboost, seed, "
            "quantum, io_latency, time_limit, max_steps, stack_size, verifier, jitter)");
  EXPECT_EQ(only_error("name: x\nthreads:\n  - name: A\n    prio: 3\n"),
            "4:5: unknown key 'prio' in a thread (allowed: name, priority, start, affinity, count, steps)");
  EXPECT_EQ(only_error("name: x\nexpect: {outcome: hang, bugchek: 1}\n"),
            "2:25: unknown key 'bugchek' in 'expect'; did you mean 'bugcheck'? (allowed: outcome, "
            "bugcheck, deadlock, blocked, files, findings)");
  EXPECT_EQ(step_error("KeSetTimer: {timer: Tm, due: 1ms, dpc: 1}"),
            "20:43: unknown key 'dpc' in 'KeSetTimer' (allowed: timer, due, period)");
}

TEST(LoaderErrors, DuplicateKeyInAMap) {
  EXPECT_EQ(only_error("name: x\nname: y\n"), "2:1: duplicate key 'name' in the scenario (first at line 1)");
}

// --- machine -----------------------------------------------------------------------------

TEST(LoaderErrors, MachineValues) {
  LoadResult r = load(R"(name: x
machine:
  processors: 65
  version: win7
  autoboost: yes
  seed: -1
  quantum: 0
  io_latency: 10 us
  time_limit: -5s
  max_steps: 0
  stack_size: 1g
)");
  EXPECT_EQ(errors_of(r),
              (Lines{"3:15: expected an integer in 1..64 for 'processors', got '65'",
                          "4:12: expected one of xp, server2003, win10 for 'version', got 'win7'",
                          "5:14: expected true or false for 'autoboost', got 'yes'",
                          "6:9: expected an unsigned integer for 'seed', got '-1'",
                          "7:12: 'quantum' must be greater than 0",
                          "8:15: expected a duration (500ns, 10us, 5ms, 2s; a bare integer is ns) for "
                          "'io_latency', got '10 us'",
                          "9:15: expected a duration (500ns, 10us, 5ms, 2s; a bare integer is ns) for "
                          "'time_limit', got '-5s'",
                          "10:14: 'max_steps' must be at least 1",
                          "11:15: expected a size in bytes (65536, 64k, 1m) up to 4 GB for "
                          "'stack_size', got '1g'"}));
}

TEST(Loader, StackSizeForms) {
  auto stack = [](const std::string& v) {
    LoadResult r = load("name: x\nmachine: {stack_size: " + v + "}\n");
    return r.program ? r.program->machine.stack_size : 0xDEADu;
  };
  EXPECT_EQ(stack("65536"), 65536u);
  EXPECT_EQ(stack("64k"), 65536u);
  EXPECT_EQ(stack("1m"), 1048576u);
  EXPECT_EQ(stack("0x8000"), 32768u);
  EXPECT_EQ(stack("4096m"), 0xDEADu);  // 4 GB does not fit
}

// --- objects -----------------------------------------------------------------------------

TEST(LoaderErrors, ObjectDeclarations) {
  LoadResult r = load(R"(name: x
objects:
  A: {type: push_lock, kind: notification}
  B: {type: event, count: 1}
  C: {type: semaphore, count: 5, limit: 4}
  D: {type: semaphore, limit: 0}
  E: {kind: notification}
  F: {type: evnt}
  G: event
  A: {type: gate}
  H: {type: timer, kind: periodic, signaled: true}
)");
  EXPECT_EQ(errors_of(r),
              (Lines{"3:24: 'kind' does not apply to a push_lock (it takes only 'type')",
                          "4:20: 'count' does not apply to an event (it takes: kind, signaled, signal_state)",
                          "5:31: semaphore 'C': count 5 is greater than its limit 4",
                          "6:31: expected an integer in 1..2147483647 for 'limit', got '0'",
                          "7:3: object 'E' needs a 'type' (push_lock, event, semaphore, timer, mutex, "
                          "guarded_mutex, fast_mutex, gate, spin_lock, cache_aware_push_lock, resource, keyed_event)",
                          "8:13: unknown object type 'evnt'; did you mean 'event'? (types: push_lock, "
                          "event, semaphore, timer, mutex, guarded_mutex, fast_mutex, gate, spin_lock, "
                          "cache_aware_push_lock, resource, keyed_event)",
                          "9:6: expected a map for object 'G', got 'event'",
                          "10:3: duplicate key 'A' in 'objects' (first at line 3)",
                          "11:26: expected one of notification, synchronization for 'kind', got 'periodic'",
                          "11:36: 'signaled' does not apply to a timer (it takes: kind)"}));
}

TEST(LoaderErrors, BrokenObjectIsNotReportedAgainWhereUsed) {
  LoadResult r = load(R"(name: x
objects:
  L: {type: pushlock}
threads:
  - name: A
    steps: [{ExAcquirePushLockExclusive: L}, {KeWaitForSingleObject: L}]
)");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(contains(errors_of(r)[0], "3:13: unknown object type 'pushlock'; did you mean 'push_lock'?"))
      << errors_of(r)[0];
}

// --- threads -----------------------------------------------------------------------------

TEST(LoaderErrors, ThreadDeclarations) {
  LoadResult r = load(R"(name: x
machine: {processors: 2}
threads:
  - name: A
    priority: 32
    start: soon
    affinity: [0, 2, 0]
    count: 0
  - priority: 1
  - name: A
  - name: B
    count: 1000001
    steps: {work: 1us}
  - just-a-name
)");
  EXPECT_EQ(errors_of(r),
              (Lines{"5:15: expected an integer in 0..31 for 'priority', got '32'",
                          "6:12: expected a duration (500ns, 10us, 5ms, 2s; a bare integer is ns) for "
                          "'start', got 'soon'",
                          "7:19: CPU '2' in 'affinity' is not one of the machine's processors 0..1",
                          "7:22: CPU 0 is listed twice in 'affinity'",
                          "8:12: expected an integer in 1..200000 for 'count', got '0'",
                          "9:5: a thread needs a 'name'",
                          "10:11: duplicate thread 'A' (first declared at line 4)",
                          "12:12: expected an integer in 1..200000 for 'count', got '1000001'",
                          "13:12: expected a list for 'steps', got a map",
                          "14:5: expected a map for a thread, got 'just-a-name'"}));
}

TEST(Loader, AffinityMayBeOneCpu) {
  LoadResult r = load("name: x\nmachine: {processors: 8}\nthreads:\n  - {name: A, affinity: 7}\n");
  ASSERT_NE(r.program, nullptr) << ::testing::PrintToString(errors_of(r));
  EXPECT_EQ(r.program->threads[0].affinity, std::vector<int>{7});
}

// --- steps -------------------------------------------------------------------------------

TEST(LoaderErrors, StepShape) {
  EXPECT_EQ(step_error("KeWaitForSingleObjet: Ev"),
            "20:9: unknown operation 'KeWaitForSingleObjet'; did you mean 'KeWaitForSingleObject'?");
  EXPECT_EQ(step_error("KeSetEvent"), "20:9: 'KeSetEvent' needs an argument: write '- KeSetEvent: ...'");
  EXPECT_EQ(step_error("KeEnterCriticalRegion: now"),
            "20:32: 'KeEnterCriticalRegion' takes no argument; write it as '- KeEnterCriticalRegion'");
  EXPECT_EQ(step_error("[work, 1us]"),
            "20:9: expected a step (an operation name, or a map 'operation: argument'), got a list");
  EXPECT_EQ(step_error("{}"), "20:9: empty step");
  EXPECT_EQ(only_error(with_steps("      - KeWaitForSingleObject: Ev\n        timeout: 5ms\n")),
            "21:9: a step has exactly one key, the operation; 'timeout' is a second key (named "
            "arguments go in a map: 'KeWaitForSingleObject: {...}')");
  // `- KeLeaveCriticalRegion:` (null argument) is the bare form.
  EXPECT_EQ(step_of("KeLeaveCriticalRegion:").op, Op::KeLeaveCriticalRegion);
}

TEST(LoaderErrors, ArgumentTypes) {
  EXPECT_EQ(step_error("work: {ms: 5}"),
            "20:15: expected a duration (500ns, 10us, 5ms, 2s; a bare integer is ns) for 'work', got a map");
  EXPECT_EQ(step_error("KeRaiseIrql: [1]"),
            "20:22: expected an IRQL (PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL, ..., HIGH_LEVEL, or "
            "0..15) for 'KeRaiseIrql', got a list");
  EXPECT_EQ(step_error("KeLowerIrql: 16"),
            "20:22: expected an IRQL (PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL, ..., HIGH_LEVEL, or "
            "0..15) for 'KeLowerIrql', got '16'");
  EXPECT_EQ(step_error("KeSetPriorityThread: {thread: Other, priority: high}"),
            "20:56: expected an integer in 0..31 for 'priority', got 'high'");
  EXPECT_EQ(step_error("repeat: {count: -1, steps: []}"),
            "20:25: expected an integer >= 0 for 'count', got '-1'");
  EXPECT_EQ(step_error("ExAcquirePushLockExclusive: {lock: PL}"),
            "20:38: unknown key 'lock' in 'ExAcquirePushLockExclusive' (allowed: object, as)");
  EXPECT_EQ(step_error("KeSetEvent: {event: Ev, wait: maybe}"),
            "20:39: expected true or false for 'wait', got 'maybe'");
  EXPECT_EQ(step_error("KeReleaseSemaphore: {semaphore: Sem, adjustment: 0}"),
            "20:58: expected an integer in 1..2147483647 for 'adjustment', got '0'");
  EXPECT_EQ(step_error("KeWaitForSingleObject: {object: Ev, reason: WrPushLok}"),
            "20:53: unknown wait reason 'WrPushLok' for 'reason'; did you mean 'WrPushLock'?");
  EXPECT_EQ(step_error("KeWaitForSingleObject: {object: Ev, reason: 43}"),
            "20:53: unknown wait reason '43' for 'reason'");
  EXPECT_EQ(step_error("KeWaitForSingleObject: {object: Ev, mode: Kernel}"),
            "20:51: expected one of KernelMode, UserMode for 'mode', got 'Kernel'");
  EXPECT_EQ(step_error("KeWaitForMultipleObjects: {objects: [Ev], wait_type: All}"),
            "20:62: expected one of WaitAll, WaitAny for 'wait_type', got 'All'");
  EXPECT_EQ(step_error("KeSetTimer: {timer: Tm}"), "20:21: 'KeSetTimer' needs 'due'");
  EXPECT_EQ(step_error("repeat: {count: 2}"), "20:17: 'repeat' needs 'steps'");
  EXPECT_EQ(step_error("ZwSetInformationFile: {path: a}"), "20:31: 'ZwSetInformationFile' needs 'rename_to'");
  EXPECT_EQ(step_error("ZwWriteFile: {path: a, bytes: -4}"),
            "20:39: expected an integer >= 0 for 'bytes', got '-4'");
}

TEST(LoaderErrors, ObjectReferences) {
  EXPECT_EQ(step_error("KeSetEvent: Evt"), "20:21: unknown object 'Evt'; did you mean 'Ev'?");
  EXPECT_EQ(step_error("KeSetEvent: Other"),
            "20:21: 'Other' is a thread, not an object; 'KeSetEvent' needs an event");
  EXPECT_EQ(step_error("ExAcquirePushLockExclusive: Ev"),
            "20:37: 'ExAcquirePushLockExclusive' needs a push_lock, but 'Ev' is an event");
  EXPECT_EQ(step_error("ExAcquirePushLockShared: CPL"),
            "20:34: 'ExAcquirePushLockShared' needs a push_lock, but 'CPL' is a cache_aware_push_lock");
  EXPECT_EQ(step_error("ExAcquireCacheAwarePushLockShared: PL"),
            "20:44: 'ExAcquireCacheAwarePushLockShared' needs a cache_aware_push_lock, but 'PL' is a push_lock");
  EXPECT_EQ(step_error("KeReleaseMutex: GM"),
            "20:25: 'KeReleaseMutex' needs a mutex, but 'GM' is a guarded_mutex");
  EXPECT_EQ(step_error("KeAcquireGuardedMutex: FM"),
            "20:32: 'KeAcquireGuardedMutex' needs a guarded_mutex, but 'FM' is a fast_mutex");
  EXPECT_EQ(step_error("ExReleaseFastMutex: GM"),
            "20:29: 'ExReleaseFastMutex' needs a fast_mutex, but 'GM' is a guarded_mutex");
  EXPECT_EQ(step_error("KeAcquireSpinLock: Mx"), "20:28: 'KeAcquireSpinLock' needs a spin_lock, but 'Mx' is a mutex");
  EXPECT_EQ(step_error("KePulseEvent: Sem"), "20:23: 'KePulseEvent' needs an event, but 'Sem' is a semaphore");
  EXPECT_EQ(step_error("KeReleaseSemaphore: Ev"),
            "20:29: 'KeReleaseSemaphore' needs a semaphore, but 'Ev' is an event");
  EXPECT_EQ(step_error("KeCancelTimer: Ev"), "20:24: 'KeCancelTimer' needs a timer, but 'Ev' is an event");
  EXPECT_EQ(step_error("KeWaitForGate: Ev"), "20:24: 'KeWaitForGate' needs a gate, but 'Ev' is an event");
  EXPECT_EQ(step_error("KeSetTimer: {timer: Ev, due: 1ms}"),
            "20:29: 'KeSetTimer' needs a timer, but 'Ev' is an event");
  EXPECT_EQ(step_error("ExInitializePushLock: SL"),
            "20:31: 'ExInitializePushLock' needs a push_lock, but 'SL' is a spin_lock");
}

// ERESOURCE misuse the loader reports: options it does not take, a wait on it (not a dispatcher
// object), a Wait that is not a BOOLEAN, a key the routine does not take, the wrong lock type.
TEST(LoaderErrors, ResourceMisuse) {
  LoadResult r = load(R"(name: r
objects:
  R: {type: resource, count: 1}
  PL: {type: push_lock}
threads:
  - name: T
    steps:
      - KeWaitForSingleObject: R
      - ExAcquireResourceExclusiveLite: {resource: R, wait: maybe}
      - ExAcquirePushLockExclusive: R
      - ExReleaseResourceLite: PL
      - ExAcquireResourceSharedLite: {resource: R, Wait: TRUE}
      - ExTryToAcquireResourceExclusiveLite: {resource: R, wait: FALSE}
)");
  EXPECT_EQ(errors_of(r),
            (Lines{"3:23: 'count' does not apply to a resource (it takes only 'type')",
                   "8:32: 'R': an ERESOURCE is not a dispatcher object; use ExAcquireResourceExclusiveLite "
                   "or ExAcquireResourceSharedLite",
                   "9:61: expected true or false for 'wait', got 'maybe'",
                   "10:37: 'ExAcquirePushLockExclusive' needs a push_lock, but 'R' is a resource",
                   "11:32: 'ExReleaseResourceLite' needs a resource, but 'PL' is a push_lock",
                   "12:52: unknown key 'Wait' in 'ExAcquireResourceSharedLite'; did you mean 'wait'? "
                   "(allowed: resource, wait)",
                   "13:47: unknown key 'resource' in 'ExTryToAcquireResourceExclusiveLite' (allowed: object, as)",
                   "13:60: unknown key 'wait' in 'ExTryToAcquireResourceExclusiveLite' (allowed: object, as)"}));
}

// Keyed-event misuse the loader reports: options a keyed event does not take, a KeWaitFor* on it
// (not a dispatcher object), the bare-scalar form, a missing or negative key, an unknown key,
// and a step without `event` when the global keyed event's name is declared as something else.
TEST(LoaderErrors, KeyedEventMisuse) {
  LoadResult r = load(R"(name: k
objects:
  K: {type: keyed_event, count: 1}
  CritSecOutOfMemoryEvent: {type: event}
threads:
  - name: T
    steps:
      - KeWaitForSingleObject: K
      - NtWaitForKeyedEvent: K
      - NtReleaseKeyedEvent: {event: K}
      - NtReleaseKeyedEvent: {event: K, key: -2}
      - NtWaitForKeyedEvent: {event: K, key: 0x10, Timeout: 1ms}
      - NtWaitForKeyedEvent: {key: 0x10}
)");
  EXPECT_EQ(errors_of(r),
            (Lines{"3:26: 'count' does not apply to a keyed_event (it takes only 'type')",
                   "8:32: 'K': a keyed event is not a dispatcher object; use NtWaitForKeyedEvent or "
                   "NtReleaseKeyedEvent",
                   "9:30: expected a map for 'NtWaitForKeyedEvent', got 'K'",
                   "10:30: 'NtReleaseKeyedEvent' needs 'key'",
                   "11:46: expected an unsigned integer for 'key', got '-2'",
                   "12:52: unknown key 'Timeout' in 'NtWaitForKeyedEvent'; did you mean 'timeout'? "
                   "(allowed: event, key, alertable, timeout)",
                   "13:30: 'NtWaitForKeyedEvent' without 'event' uses the global keyed event "
                   "CritSecOutOfMemoryEvent, but that name is declared as an event"}));
}

TEST(LoaderErrors, WaitingOnSomethingThatIsNotADispatcherObject) {
  EXPECT_EQ(step_error("KeWaitForSingleObject: GM"),
            "20:32: 'GM': a guarded mutex is not a dispatcher object; use KeAcquireGuardedMutex");
  EXPECT_EQ(step_error("KeWaitForSingleObject: FM"),
            "20:32: 'FM': a fast mutex is not a dispatcher object; use ExAcquireFastMutex");
  EXPECT_EQ(step_error("KeWaitForSingleObject: PL"),
            "20:32: 'PL': a push lock is not a dispatcher object; use ExAcquirePushLockExclusive or "
            "ExAcquirePushLockShared");
  EXPECT_EQ(step_error("KeWaitForSingleObject: SL"),
            "20:32: 'SL': a spin lock is not a dispatcher object; use KeAcquireSpinLock");
  EXPECT_EQ(step_error("KeWaitForSingleObject: {object: Gt}"),
            "20:41: 'Gt': a gate is not waited on with KeWaitFor*; use KeWaitForGate");
  EXPECT_EQ(step_error("KeWaitForMultipleObjects: {objects: [Ev, CPL]}"),
            "20:50: 'CPL': a cache-aware push lock is not a dispatcher object; use "
            "ExAcquireCacheAwarePushLockExclusive or ExAcquireCacheAwarePushLockShared");
  EXPECT_EQ(step_error("KeWaitForSingleObject: Nobody"), "20:32: unknown object or thread 'Nobody'");
  EXPECT_EQ(step_error("KeWaitForMultipleObjects: {objects: []}"),
            "20:45: 'objects' needs at least one object");
  EXPECT_EQ(step_error("KeWaitForMultipleObjects: {wait_type: WaitAny}"),
            "20:35: 'KeWaitForMultipleObjects' needs 'objects'");
}

TEST(Loader, MoreThan64WaitObjectsLoad) {
  std::string objects = "[";
  for (int i = 0; i < 65; ++i) objects += i ? ", Ev" : "Ev";
  Step s = step_of("KeWaitForMultipleObjects: {objects: " + objects + "], wait_type: WaitAny}");
  EXPECT_EQ(s.objects.size(), 65u);
}

TEST(LoaderErrors, ThreadReferences) {
  EXPECT_EQ(step_error("PsCreateSystemThread: T"),
            "20:31: thread 'T' is not declared with 'start: manual', so PsCreateSystemThread cannot start it");
  EXPECT_EQ(step_error("PsCreateSystemThread: Othr"), "20:31: unknown thread 'Othr'; did you mean 'Other'?");
  EXPECT_EQ(step_error("PsCreateSystemThread: Ev"), "20:31: 'Ev' is an object, not a thread");
  EXPECT_EQ(step_error("KeSetPriorityThread: {priority: 3}"), "20:30: 'KeSetPriorityThread' needs 'thread'");
  EXPECT_EQ(step_error("PsTerminateSystemThread: T"),
            "20:34: 'PsTerminateSystemThread' takes no argument; write it as '- PsTerminateSystemThread'");
}

TEST(LoaderErrors, ApcArguments) {
  EXPECT_EQ(step_error("KeInsertQueueApc: {thread: Other, kind: kernel, routine: R}"),
            "20:49: expected one of special, normal, user for 'kind', got 'kernel'");
  EXPECT_EQ(step_error("KeInsertQueueApc: {thread: Other}"),
            "20:27: 'KeInsertQueueApc' needs 'routine' (a routine name) or 'steps' (inline steps)");
  EXPECT_EQ(step_error("KeInsertQueueApc: {thread: Other, routine: R, steps: []}"),
            "20:55: 'KeInsertQueueApc' takes either 'routine' or 'steps', not both");
  EXPECT_EQ(step_error("KeInsertQueueApc: {thread: Other, routine: Q}"), "20:52: unknown routine 'Q'");
  Step s = step_of("KeInsertQueueApc: {thread: Other, routine: R}");
  EXPECT_EQ(s.apc_kind, ApcKind::special);  // the default kind
  EXPECT_EQ(s.routine, 0);
  EXPECT_EQ(s.thread, 0);
}

TEST(LoaderErrors, Routines) {
  EXPECT_EQ(step_error("call: Q"), "20:15: unknown routine 'Q'");
  EXPECT_EQ(only_error("name: x\nroutines:\n  R: [{call: R}]\n"),
            "3:8: recursive routine 'R' (R -> R): a routine may not call itself, directly or indirectly");
  LoadResult r = load(R"(name: x
routines:
  A:
    - call: B
  B:
    - repeat: {count: 2, steps: [{call: C}]}
  C:
    - call: A
  D:
    - call: A
    - KeInsertQueueApc: {thread: T, steps: [{call: D}]}
threads:
  - name: T
)");
  EXPECT_EQ(errors_of(r), (Lines{"8:7: recursive routine 'A' (A -> B -> C -> A): a routine may "
                                        "not call itself, directly or indirectly"}));
  EXPECT_EQ(only_error("name: x\nroutines:\n  A: []\n  A: []\n"),
            "4:3: duplicate key 'A' in 'routines' (first at line 3)");
}

TEST(LoaderErrors, TextVariables) {
  EXPECT_EQ(step_error("log: \"i=${i}\""), "20:14: unknown variable '${i}' in 'log' (visible here: index)");
  EXPECT_EQ(step_error("repeat: {count: 2, as: i, steps: [{repeat: {count: 2, as: j, steps: [{log: \"${k}\"}]}}]}"),
            "20:84: unknown variable '${k}' in 'log' (visible here: index, i, j)");
  EXPECT_EQ(step_error("ZwCreateFile: {path: 'C:\\x${i'}"), "20:30: unterminated '${' in 'path'");
  EXPECT_EQ(step_error("repeat: {count: 2, as: index, steps: []}"),
            "20:32: 'index' is reserved (the instance index of a 'count:' thread)");
  EXPECT_EQ(step_error("repeat: {count: 2, as: 2i, steps: []}"),
            "20:32: 'as' must be an identifier ([A-Za-z_][A-Za-z0-9_]*), got '2i'");
  // A variable is visible only inside its repeat, not after it, and not inside an inline APC.
  EXPECT_EQ(only_error(with_steps("      - repeat: {count: 1, as: i, steps: []}\n      - log: ${i}\n")),
            "21:14: unknown variable '${i}' in 'log' (visible here: index)");
  EXPECT_EQ(step_error("repeat: {count: 1, as: i, steps: [{KeInsertQueueApc: {thread: T, steps: [{log: \"${i}\"}]}}]}"),
            "20:88: unknown variable '${i}' in 'log' (visible here: index)");

  Step s = step_of("repeat: {count: 2, as: i, steps: [{ZwSetInformationFile: {path: 'a${i}', rename_to: 'b${index}'}}]}");
  EXPECT_TRUE(s.body[0].text.has_vars);
  EXPECT_TRUE(s.body[0].text2.has_vars);
  EXPECT_EQ(s.body[0].text2.raw, "b${index}");
  EXPECT_FALSE(step_of("log: a $ b {c}").text.has_vars);
}

TEST(LoaderErrors, DumpViews) {
  EXPECT_EQ(step_error("dump: \"!bogus\""),
            "20:15: unknown view '!bogus' (views: !thread [NAME], !locks, !pushlock NAME, !apc, !ready, !waiters)");
  EXPECT_EQ(step_error("dump: [\"!lock\"]"),
            "20:16: unknown view '!lock'; did you mean '!locks'? (views: !thread [NAME], !locks, !pushlock "
            "NAME, !apc, !ready, !waiters)");
  EXPECT_EQ(step_error("dump: \"!pushlock\""), "20:15: '!pushlock' needs the lock's name: '!pushlock NAME'");
  EXPECT_EQ(step_error("dump: \"!pushlock Ev\""),
            "20:15: '!pushlock' needs a push_lock or cache_aware_push_lock, but 'Ev' is an event");
  EXPECT_EQ(step_error("dump: \"!thread Nobody\""), "20:15: unknown thread 'Nobody'");
  EXPECT_EQ(step_error("dump: \"!locks PL\""), "20:15: too many words in view '!locks PL'");
  EXPECT_EQ(step_error("dump: []"),
            "20:15: 'dump' needs at least one view (!thread, !locks, !pushlock NAME, !apc, !ready, !waiters)");
  EXPECT_EQ(step_error("dump: [{a: 1}]"), "20:16: expected a view like '!thread' for a 'dump' view, got a map");
}

TEST(LoaderErrors, Assertions) {
  EXPECT_EQ(step_error("assert: {Locked: 1}"),
            "20:18: 'Locked' is about an object: add 'object: NAME' to the assert");
  EXPECT_EQ(step_error("assert: {object: Ev, Locked: 1}"),
            "20:30: 'Locked' applies to a push_lock, but 'Ev' is an event");
  EXPECT_EQ(step_error("assert: {object: PL, signaled: true}"),
            "20:30: 'signaled' applies to an event or semaphore or timer or mutex or gate, but 'PL' is a push_lock");
  EXPECT_EQ(step_error("assert: {object: Ev, owner: T}"),
            "20:30: 'owner' applies to a mutex or guarded_mutex or fast_mutex, but 'Ev' is an event");
  EXPECT_EQ(step_error("assert: {object: Mx, count: 1}"),
            "20:30: 'count' applies to a semaphore or guarded_mutex or fast_mutex, but 'Mx' is a mutex");
  EXPECT_EQ(step_error("assert: {object: Nope, Locked: 1}"), "20:26: unknown object 'Nope'");
  EXPECT_EQ(step_error("assert: {object: PL, Locked: 2}"), "20:38: expected an integer in 0..1 for 'Locked', got '2'");
  EXPECT_EQ(step_error("assert: {KernelApcDisable: -32769}"),
            "20:36: expected an integer in -32768..32767 for 'KernelApcDisable', got '-32769'");
  EXPECT_EQ(step_error("assert: {irql: LOW}"),
            "20:24: expected an IRQL (PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL, ..., HIGH_LEVEL, or 0..15) "
            "for 'irql', got 'LOW'");
  EXPECT_EQ(step_error("assert: {last_status: timeout}"),
            "20:31: expected an NTSTATUS name (STATUS_SUCCESS, ...), TRUE or FALSE for 'last_status', got 'timeout'");
  EXPECT_EQ(step_error("assert: {object: Mx, owner: Nobody}"),
            "20:37: unknown thread 'Nobody' (for 'owner'; use 'none' for an unowned object)");
  EXPECT_EQ(step_error("assert: {objet: Mx}"),
            "20:18: unknown key 'objet' in 'assert'; did you mean 'object'? (allowed: irql, KernelApcDisable, "
            "SpecialApcDisable, KeAreApcsDisabled, KeAreAllApcsDisabled, last_status, object, value, Locked, "
            "Waiting, Waking, MultipleShared, Shared, signaled, signal_state, owner, count, waiters, variable, local, result, "
            "contention, old_irql, priority, waiter_list, share_count, wait_chain)");
  EXPECT_EQ(step_error("assert: {}"), "20:17: 'assert' needs at least one key");

  EXPECT_EQ(step_of("assert: {object: Mx, owner: none}").assertion->owner, "none");
  EXPECT_EQ(step_of("assert: {last_status: TRUE}").assertion->last_status, "TRUE");
  EXPECT_EQ(step_of("assert: {object: Gt, waiters: 0, signal_state: 0}").assertion->waiters, 0);
  EXPECT_EQ(step_of("assert: {irql: 0xf}").assertion->irql, 15);
  EXPECT_EQ(step_of("assert: {object: PL, value: 0xFFFFFFFFFFFFFFFF}").assertion->value, ~std::uint64_t{0});
}

TEST(LoaderErrors, Expect) {
  LoadResult r = load(R"(name: x
threads:
  - name: A
    count: 2
expect:
  outcome: crashed
  bugcheck: 0x1FFFFFFFF
  deadlock: [A, "A[2]", B, "A[x]"]
  blocked: {A: WrPushLok, C: Executive}
  files: {'C:\Temp': -1}
  findings: {data_race: 1, races: 2}
)");
  EXPECT_EQ(errors_of(r),
              (Lines{"6:12: expected one of completed, deadlock, hang, bugcheck, assertion_failed, "
                          "time_limit for 'outcome', got 'crashed'",
                          "7:13: expected an integer in 0..4294967295 for 'bugcheck', got '0x1FFFFFFFF'",
                          "8:17: thread 'A' has count 2: its instances are A[0]..A[1]",
                          "8:25: unknown thread 'B'",
                          "8:28: bad instance index in 'A[x]' (expected NAME[0], NAME[1], ...)",
                          "9:16: unknown wait reason 'WrPushLok' for 'A'; did you mean 'WrPushLock'?",
                          "9:27: unknown thread 'C'",
                          "10:22: expected an integer >= 0 for 'C:\\Temp', got '-1'",
                          "11:28: unknown finding kind 'races' (kinds: data_race, lock_order, foreign_release, apc_context)"}));
  EXPECT_EQ(only_error("name: x\nexpect: {outcome: hang, bugcheck: 0x162}\n"),
            "2:25: 'bugcheck' expects outcome bugcheck, but 'outcome' is hang");
  EXPECT_EQ(only_error("name: x\nthreads: [{name: T}]\nexpect: {outcome: hang, deadlock: [T]}\n"),
            "3:25: 'deadlock' expects outcome deadlock, but 'outcome' is hang");
  EXPECT_EQ(only_error("name: x\nthreads: [{name: T}]\nexpect: {blocked: {'T[0]': Executive}}\n"),
            "3:20: thread 'T' has one instance: write 'T'");
}

// --- several errors, file order ---------------------------------------------------------

TEST(LoaderErrors, AllErrorsAreReportedInFileOrder) {
  // Threads come before objects in the file, and steps are parsed after every declaration:
  // the errors must still come out sorted by position.
  LoadResult r = load(R"(name: x
threads:
  - name: A
    priority: 99
    steps:
      - KeSetEvent: Missing
      - work: soon
      - KeWaitForSingleObject: G
objects:
  G: {type: guarded_mutex}
  S: {type: semaphore, count: 9, limit: 1}
machine:
  processors: 100
bogus: 1
)");
  EXPECT_EQ(r.program, nullptr);
  EXPECT_EQ(errors_of(r),
              (Lines{"4:15: expected an integer in 0..31 for 'priority', got '99'",
                          "6:21: unknown object 'Missing'",
                          "7:15: expected a duration (500ns, 10us, 5ms, 2s; a bare integer is ns) for 'work', got 'soon'",
                          "8:32: 'G': a guarded mutex is not a dispatcher object; use KeAcquireGuardedMutex",
                          "11:31: semaphore 'S': count 9 is greater than its limit 1",
                          "13:15: expected an integer in 1..64 for 'processors', got '100'",
                          "14:1: unknown key 'bogus' in the scenario (allowed: name, description, machine, "
                          "variables, objects, routines, threads, invariants, expect, goal, level)"}));
}

// --- never throws, never crashes ----------------------------------------------------------

TEST(Loader, HostileInputDoesNotThrow) {
  // An alias that makes a step list contain itself.
  LoadResult cyclic = load("name: x\nthreads:\n  - name: A\n    steps: &s [{repeat: {count: 1, steps: *s}}]\n");
  EXPECT_EQ(cyclic.program, nullptr);
  ASSERT_FALSE(cyclic.errors.empty());
  EXPECT_TRUE(contains(cyclic.errors.back().message, "nested more than 64 levels")) << cyclic.errors.back().message;
  EXPECT_NO_THROW(load("name: x\nthreads: &t [{name: A, steps: *t}]\n"));
  EXPECT_NO_THROW(load(std::string(5000, '[')));
  EXPECT_NO_THROW(load("\t\x01\xff: ::\n- {"));
  EXPECT_NO_THROW(load("name: x\nobjects: {? [a]: b}\n"));
  EXPECT_NO_THROW(load("name: x\nthreads: [{name: A, steps: [~, 5, [], {work: ~}]}]\n"));
  LoadResult nulls = load("name: x\nthreads: [{name: A, steps: [~, {work: }]}]\n");
  EXPECT_EQ(errors_of(nulls),
              (Lines{"2:28: expected a step (an operation name, or a map 'operation: argument'), got nothing",
                          "2:33: expected a duration (500ns, 10us, 5ms, 2s; a bare integer is ns) for 'work', got nothing"}));
}

// --- scalars ------------------------------------------------------------------------------

TEST(Scalars, Durations) {
  EXPECT_EQ(parse_duration("500ns"), 500);
  EXPECT_EQ(parse_duration("10us"), 10'000);
  EXPECT_EQ(parse_duration("5ms"), 5'000'000);
  EXPECT_EQ(parse_duration("2s"), 2'000'000'000);
  EXPECT_EQ(parse_duration("0"), 0);
  EXPECT_EQ(parse_duration("123"), 123);
  EXPECT_EQ(parse_duration("1.5ms"), 1'500'000);
  EXPECT_EQ(parse_duration("0.000000001s"), 1);
  EXPECT_EQ(parse_duration("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_duration("9223372036s"), 9'223'372'036'000'000'000);
  EXPECT_EQ(parse_duration("9223372037s"), std::nullopt);  // overflow
  EXPECT_EQ(parse_duration("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999ns"), std::nullopt);
  EXPECT_EQ(parse_duration("1.5ns"), std::nullopt);  // not a whole nanosecond
  EXPECT_EQ(parse_duration("-5ms"), std::nullopt);
  EXPECT_EQ(parse_duration("+5ms"), std::nullopt);
  EXPECT_EQ(parse_duration(""), std::nullopt);
  EXPECT_EQ(parse_duration("ms"), std::nullopt);
  EXPECT_EQ(parse_duration("5 ms"), std::nullopt);
  EXPECT_EQ(parse_duration("5m"), std::nullopt);
  EXPECT_EQ(parse_duration("5msx"), std::nullopt);
  EXPECT_EQ(parse_duration("1.ms"), std::nullopt);
  EXPECT_EQ(parse_duration(".5ms"), std::nullopt);
  EXPECT_EQ(parse_duration("1.2.3s"), std::nullopt);
  EXPECT_EQ(parse_duration("0x10"), std::nullopt);
}

TEST(Scalars, Irqls) {
  EXPECT_EQ(parse_irql("PASSIVE_LEVEL"), 0);
  EXPECT_EQ(parse_irql("APC_LEVEL"), 1);
  EXPECT_EQ(parse_irql("DISPATCH_LEVEL"), 2);
  EXPECT_EQ(parse_irql("CMCI_LEVEL"), 5);
  EXPECT_EQ(parse_irql("SYNCH_LEVEL"), 12);
  EXPECT_EQ(parse_irql("CLOCK_LEVEL"), 13);
  EXPECT_EQ(parse_irql("IPI_LEVEL"), 14);
  EXPECT_EQ(parse_irql("POWER_LEVEL"), 14);
  EXPECT_EQ(parse_irql("PROFILE_LEVEL"), 15);
  EXPECT_EQ(parse_irql("HIGH_LEVEL"), 15);
  EXPECT_EQ(parse_irql("0"), 0);
  EXPECT_EQ(parse_irql("15"), 15);
  EXPECT_EQ(parse_irql("0xF"), 15);
  EXPECT_EQ(parse_irql("16"), std::nullopt);
  EXPECT_EQ(parse_irql("-1"), std::nullopt);
  EXPECT_EQ(parse_irql("passive_level"), std::nullopt);
  EXPECT_EQ(parse_irql(""), std::nullopt);
  EXPECT_STREQ(irql_name(2), "DISPATCH_LEVEL");
  EXPECT_EQ(irql_name(3), nullptr);
}

TEST(Scalars, Integers) {
  EXPECT_EQ(parse_uint("0x162"), 0x162u);
  EXPECT_EQ(parse_uint("0X1f"), 0x1fu);
  EXPECT_EQ(parse_uint("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_uint("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_uint("0x"), std::nullopt);
  EXPECT_EQ(parse_uint("1e3"), std::nullopt);
  EXPECT_EQ(parse_uint(" 1"), std::nullopt);
  EXPECT_EQ(parse_int("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(parse_int("-0x10"), -16);
  EXPECT_EQ(parse_int("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_int("--1"), std::nullopt);
  EXPECT_EQ(parse_size("2K"), 2048u);
  EXPECT_EQ(parse_size("k"), std::nullopt);
}

TEST(Scalars, NameTables) {
  for (int i = 0; i < static_cast<int>(Op::count_); ++i) {
    Op op = static_cast<Op>(i);
    EXPECT_EQ(op_from_name(op_name(op)), op) << op_name(op);
  }
  EXPECT_STREQ(op_name(Op::assert_), "assert");
  EXPECT_STREQ(op_name(Op::ZwClose), "ZwClose");
  EXPECT_EQ(op_from_name("assert_"), std::nullopt);
  EXPECT_EQ(wait_reason_count(), 43);
  EXPECT_EQ(wait_reason_from_name("Executive"), 0);
  EXPECT_EQ(wait_reason_from_name("WrExecutive"), 7);
  EXPECT_EQ(wait_reason_from_name("WrUserRequest"), 13);
  EXPECT_EQ(wait_reason_from_name("WrLpcReply"), 17);
  EXPECT_EQ(wait_reason_from_name("WrPushLock"), 28);
  EXPECT_EQ(wait_reason_from_name("WrGuardedMutex"), 35);
  EXPECT_EQ(wait_reason_from_name("WrRcu"), 42);
  EXPECT_EQ(wait_reason_from_name("MaximumWaitReason"), std::nullopt);
  EXPECT_STREQ(wait_reason_name(34), "WrFastMutex");
  EXPECT_STREQ(object_type_name(ObjectType::cache_aware_push_lock), "cache_aware_push_lock");
  EXPECT_EQ(object_type_from_name("guarded_mutex"), ObjectType::guarded_mutex);
  EXPECT_STREQ(outcome_name(Outcome::assertion_failed), "assertion_failed");
  EXPECT_EQ(outcome_from_name("time_limit"), Outcome::time_limit);
  EXPECT_EQ(outcome_from_name("timeout"), std::nullopt);
  EXPECT_STREQ(version_name(Version::server2003), "server2003");
  EXPECT_EQ(version_from_name("xp"), Version::xp);
}

// --- diagnostics --------------------------------------------------------------------------

TEST(Diagnostics, CaretUnderTheColumn) {
  LoadResult r = load("name: x\nthreads:\n  - name: A\n    steps: [{work: soon}]\n");
  EXPECT_EQ(format_diagnostics("s.yaml", r.source_lines, r.errors),
            "s.yaml:4:20: error: expected a duration (500ns, 10us, 5ms, 2s; a bare integer is ns) for "
            "'work', got 'soon'\n"
            "        steps: [{work: soon}]\n" +
                std::string(4 + 19, ' ') + "^\n");
}

TEST(Diagnostics, SeveralErrorsEachWithItsLine) {
  std::vector<std::string> lines = {"name: x", "a: 1", "b: 2"};
  std::vector<Diagnostic> errors = {{{2, 1}, "first"}, {{3, 4}, "second"}};
  EXPECT_EQ(format_diagnostics("f", lines, errors),
            "f:2:1: error: first\n    a: 1\n    ^\n"
            "f:3:4: error: second\n    b: 2\n       ^\n");
}

TEST(Diagnostics, TabsUtf8AndOddPositions) {
  // Tabs expand to 8 columns in the source and the caret; a UTF-8 character is one column
  // although yaml-cpp counts its bytes.
  std::vector<std::string> lines = {"\tx: 1", "é: bad", "short"};
  EXPECT_EQ(format_diagnostics("f", lines, {{{1, 2}, "m"}}), "f:1:2: error: m\n            x: 1\n            ^\n");
  EXPECT_EQ(format_diagnostics("f", lines, {{{2, 5}, "m"}}), "f:2:5: error: m\n    é: bad\n       ^\n");
  // Past the end of the line, and past the end of the file.
  EXPECT_EQ(format_diagnostics("f", lines, {{{3, 8}, "m"}}), "f:3:8: error: m\n    short\n           ^\n");
  EXPECT_EQ(format_diagnostics("f", lines, {{{9, 1}, "m"}}), "f:9:1: error: m\n");
  EXPECT_EQ(format_diagnostics("f", lines, {{{0, 0}, "cannot open: x"}}), "f: error: cannot open: x\n");
  EXPECT_EQ(format_diagnostics("f", lines, {}), "");
}

TEST(Diagnostics, YamlColumnsOfUtf8AreBytes) {
  LoadResult r = load("name: x\nobjects:\n  é: {type: event, kind: bad}\n");
  ASSERT_EQ(r.errors.size(), 2u);  // the name, then the kind
  EXPECT_EQ(r.errors[1].loc.column, 27);  // bytes: é is two
  EXPECT_EQ(format_diagnostics("f", r.source_lines, {r.errors[1]}),
            "f:3:27: error: expected one of notification, synchronization for 'kind', got 'bad'\n"
            "      é: {type: event, kind: bad}\n"
            "                             ^\n");
}

// A level (SCENARIO-FORMAT §9): `goal:` takes expect's keys; `level:` holds what play shows.
TEST(LevelLoading, GoalAndBriefingLoad) {
  LoadResult r = load(
      "name: l\n"
      "level:\n  title: T\n  briefing: |\n    Make them deadlock.\n  hints: [first, second]\n"
      "goal: {outcome: deadlock, deadlock: [A, B]}\n"
      "threads:\n  - {name: A, steps: [log: x]}\n  - {name: B, steps: [log: y]}\n");
  ASSERT_NE(r.program, nullptr) << ::testing::PrintToString(errors_of(r));
  const Program& p = *r.program;
  EXPECT_FALSE(p.expect.present);
  ASSERT_TRUE(p.goal.present);
  EXPECT_EQ(p.goal.outcome, Outcome::deadlock);
  EXPECT_EQ(p.goal.deadlock, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(p.level.title, "T");
  EXPECT_EQ(p.level.briefing, "Make them deadlock.");
  EXPECT_EQ(p.level.hints, (std::vector<std::string>{"first", "second"}));
}

TEST(LevelLoading, LevelWithoutGoalAndBadGoalKeysAreErrors) {
  EXPECT_EQ(only_error("name: l\nlevel: {title: T}\nthreads:\n  - {name: A, steps: [log: x]}\n"),
            "2:1: a 'level' needs a 'goal' (what the student must make happen)");
  EXPECT_TRUE(contains(only_error("name: l\ngoal: {outcom: deadlock}\nthreads:\n  - {name: A, steps: [log: x]}\n"),
                       "unknown key 'outcom' in 'goal'"));
}

// Issue #6: the kernel-test assert keys, try/except and the new routines' arguments.
TEST(LoaderErrors, KernelTestKeysAndTry) {
  EXPECT_EQ(step_error("assert: {object: Ev, contention: 1}"),
            "20:30: 'contention' applies to a guarded_mutex or fast_mutex, but 'Ev' is an event");
  EXPECT_EQ(step_error("assert: {object: GM, old_irql: APC_LEVEL}"),
            "20:30: 'old_irql' applies to a fast_mutex, but 'GM' is a guarded_mutex");
  EXPECT_EQ(step_error("assert: {object: Ev, share_count: 1}"),
            "20:30: 'share_count' applies to a push_lock, but 'Ev' is an event");
  EXPECT_EQ(step_error("assert: {object: SL, waiter_list: []}"),
            "20:30: 'waiter_list' applies to an event or semaphore or timer or mutex or guarded_mutex or "
            "fast_mutex or gate, but 'SL' is a spin_lock");
  EXPECT_EQ(step_error("assert: {object: Ev, waiter_list: [T, Nobody]}"),
            "20:47: unknown thread 'Nobody' (in 'waiter_list')");
  EXPECT_EQ(step_error("assert: {object: PL, wait_chain: [S, Q]}"),
            "20:46: expected one of S, X for a 'wait_chain' entry, got 'Q'");
  EXPECT_EQ(step_error("assert: {priority: 32}"), "20:28: expected an integer in 0..31 for 'priority', got '32'");
  EXPECT_EQ(step_error("assert: {wait_chain: [S]}"),
            "20:18: 'wait_chain' is about an object: add 'object: NAME' to the assert");
  EXPECT_EQ(step_error("{try: [{log: x}]}"), "20:10: 'try' needs 'except: STATUS_...' (the status it catches)");
  EXPECT_EQ(step_error("{try: [{log: x}], except: nope}"),
            "20:35: expected an NTSTATUS name (STATUS_MUTANT_NOT_OWNED, ...) or code for 'except', got 'nope'");
  EXPECT_EQ(step_error("{try: [{log: x}], except: STATUS_X, finally: []}"),
            "20:45: unknown key 'finally' in 'try' (a 'try' step has 'try' and 'except')");
  EXPECT_EQ(step_error("KeReleaseMutant: {mutant: Mx, abandon: maybe}"),
            "20:48: expected true or false for 'abandon', got 'maybe'");
  EXPECT_EQ(step_error("KeReleaseMutant: {mutant: GM}"),
            "20:35: 'KeReleaseMutant' needs a mutex, but 'GM' is a guarded_mutex");
  EXPECT_EQ(step_error("KeTestSpinLock: Ev"), "20:25: 'KeTestSpinLock' needs a spin_lock, but 'Ev' is an event");
}

}  // namespace
}  // namespace kesim::scenario
