// sim/scenario/program.hpp — a validated scenario: what the YAML loader produces and the
// interpreter runs. Every name is resolved to an index at load time, so running a step
// never looks anything up by string (the hot path allocates nothing).
//
// Invariants once load() succeeded:
//   - every Step::object / objects[] indexes Program::objects and has a type the op accepts,
//     except a KeWait* step naming a thread: object / objects[k] is -1 and the thread index is
//     in Step::thread / Step::wait_threads[k];
//   - every Step::thread indexes Program::threads, Step::routine indexes Program::routines;
//   - Step::body is non-empty only for Repeat (its steps) and KeInsertQueueApc with inline steps
//     (then routine is the index of an anonymous routine holding them, body stays empty).
//   - durations are nanoseconds >= 0; IRQLs are 0..15.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/report/source_map.hpp"

namespace kesim::scenario {

using Duration = std::int64_t;  // nanoseconds

// 1-based line and column in the scenario file (yaml-cpp marks are 0-based: add 1).
struct Loc {
  int line = 0;
  int column = 0;
};

// Every operation a step can name. The spelling of each enumerator is the YAML spelling; each
// has one row in the routine table (routine.hpp), where everything else about it lives.
enum class Op : std::uint16_t {
  // control
  work, repeat, call, log, dump, assert_,
  ask,  // predict mode's question (an extension of §9): validated like assert, checked only by play
  // threads
  PsCreateSystemThread, PsTerminateSystemThread, KeDelayExecutionThread, KeSetPriorityThread,
  // IRQL
  KeRaiseIrql, KeLowerIrql,
  // regions
  KeEnterCriticalRegion, KeLeaveCriticalRegion, KeEnterGuardedRegion, KeLeaveGuardedRegion,
  // APCs
  KeInsertQueueApc,
  // push locks
  ExInitializePushLock, ExAcquirePushLockExclusive, ExAcquirePushLockShared,
  ExReleasePushLockExclusive, ExReleasePushLockShared, ExReleasePushLock,
  ExTryConvertPushLockSharedToExclusive,
  // cache-aware push locks
  ExAcquireCacheAwarePushLockExclusive, ExReleaseCacheAwarePushLockExclusive,
  ExAcquireCacheAwarePushLockShared, ExReleaseCacheAwarePushLockShared,
  // mutexes
  KeAcquireGuardedMutex, KeTryToAcquireGuardedMutex, KeReleaseGuardedMutex,
  ExAcquireFastMutex, ExTryToAcquireFastMutex, ExReleaseFastMutex, KeReleaseMutex,
  // spin locks
  KeAcquireSpinLock, KeReleaseSpinLock,
  // dispatcher
  KeWaitForSingleObject, KeWaitForMultipleObjects, KeSetEvent, KeResetEvent, KeClearEvent,
  KePulseEvent, KeReleaseSemaphore, KeSetTimer, KeCancelTimer,
  // gates
  KeWaitForGate, KeSignalGateBoostPriority,
  // synchronous I/O
  ZwCreateFile, ZwWriteFile, ZwOpenFile, ZwSetInformationFile, ZwClose,
  // memory words (SCENARIO-FORMAT §7)
  InterlockedCompareExchange, InterlockedExchange, InterlockedExchangeAdd, InterlockedIncrement,
  InterlockedDecrement, InterlockedOr, InterlockedAnd, InterlockedXor, InterlockedBitTestAndSet,
  InterlockedBitTestAndReset, ReadNoFence, WriteNoFence, YieldProcessor,
  // control flow (§7)
  if_, while_,
  // issue #6, appended so that existing op numbers stay put: unsafe mutex forms, the raise-free
  // and queued spin locks, KeRaiseIrqlToDpcLevel, KeReleaseMutant, try/except
  KeAcquireGuardedMutexUnsafe, KeReleaseGuardedMutexUnsafe, ExAcquireFastMutexUnsafe,
  ExReleaseFastMutexUnsafe, ExEnterCriticalRegionAndAcquireFastMutexUnsafe,
  ExReleaseFastMutexUnsafeAndLeaveCriticalRegion, KeReleaseMutant,
  KeAcquireSpinLockAtDpcLevel, KeReleaseSpinLockFromDpcLevel, KeTryToAcquireSpinLockAtDpcLevel,
  KeTestSpinLock, KeAcquireInStackQueuedSpinLock, KeReleaseInStackQueuedSpinLock,
  KeRaiseIrqlToDpcLevel, try_,
  // ERESOURCE (sim/ex/eresource.hpp; rows in routines_resource.cpp)
  ExInitializeResourceLite, ExDeleteResourceLite, ExAcquireResourceExclusiveLite,
  ExTryToAcquireResourceExclusiveLite, ExAcquireResourceSharedLite, ExAcquireSharedStarveExclusive,
  ExAcquireSharedWaitForExclusive, ExConvertExclusiveToSharedLite, ExReleaseResourceLite,
  ExIsResourceAcquiredExclusiveLite, ExIsResourceAcquiredSharedLite, ExGetExclusiveWaiterCount,
  ExGetSharedWaiterCount,
  // keyed events (sim/ex/keyed_event.hpp; rows in routines_keyed.cpp)
  NtWaitForKeyedEvent, NtReleaseKeyedEvent,
  count_
};

// The YAML spelling of an op ("assert" for assert_), from its row (routines.cpp).
const char* op_name(Op op);
// Op by YAML spelling; nullopt if unknown.
std::optional<Op> op_from_name(std::string_view name);

enum class ObjectType : std::uint8_t {
  push_lock, event, semaphore, timer, mutex, guarded_mutex, fast_mutex, gate, spin_lock,
  cache_aware_push_lock, resource, keyed_event,
};
const char* object_type_name(ObjectType t);
std::optional<ObjectType> object_type_from_name(std::string_view s);

enum class EventKind : std::uint8_t { notification, synchronization };

struct ObjectDecl {
  std::string name;
  ObjectType type = ObjectType::event;
  EventKind kind = EventKind::notification;  // event, timer
  bool signaled = false;                      // event
  std::int32_t count = 0;                     // semaphore initial count
  std::int32_t limit = 0x7fffffff;            // semaphore limit
  bool mutant = false;  // mutex `kind: mutant` (extension): KeInitializeMutant, ApcDisable 0
  // `owner: THREAD` of a mutant (KeInitializeMutant(Mutant, TRUE)): owned by that thread at
  // start, SignalState 0. Empty: unowned. A thread instance name (NAME or NAME[k]).
  std::string owner;
  Loc owner_loc;
  Loc loc;
};

// A string with ${name} references, substituted at run time from the repeat variables and
// ${index} (the instance index of a `count:` thread). `has_vars` false means `raw` is final.
struct Text {
  std::string raw;
  bool has_vars = false;
};

enum class WaitType : std::uint8_t { WaitAll, WaitAny };
enum class Mode : std::uint8_t { KernelMode, UserMode };
enum class ApcKind : std::uint8_t { special, normal, user };

// KWAIT_REASON values as numbered in SEMANTICS.md §1; the loader accepts any of these names.
using WaitReason = std::uint8_t;
inline constexpr WaitReason kExecutive = 0;

// Debugger views for `dump` and reports (names checked at load time).
using report::View;
using report::ViewKind;

// An integer operand of a word operation: a literal, or a thread local plus a literal
// (`{local: old, add: 1}`).
struct Operand {
  std::int64_t value = 0;
  int local = -1;  // index into Program::locals, or -1 for a literal
};

// A condition of `if`, `while`, `invariants` (§7): a value compared with a literal, or
// `status: success` (NT_SUCCESS of the last status), or `last_status: NAME`.
enum class CondSource : std::uint8_t { variable, local, result, status_success, last_status };
enum class CmpOp : std::uint8_t { eq, ne, lt, le, gt, ge, and_ };
const char* cmp_name(CmpOp op);  // "eq", ..., "and"
struct Condition {
  CondSource source = CondSource::variable;
  int index = -1;            // variable or local index
  CmpOp op = CmpOp::ne;      // with `value`; a bare {variable: W} means `ne: 0`
  std::int64_t value = 0;
  std::string status;        // last_status: the NTSTATUS name (or TRUE / FALSE)
  bool negate = false;       // status: failure
  Loc loc;
};

struct Assertion {
  std::optional<int> irql;
  std::optional<int> KernelApcDisable;
  std::optional<int> SpecialApcDisable;
  std::optional<bool> KeAreApcsDisabled;
  std::optional<bool> KeAreAllApcsDisabled;
  std::optional<std::string> last_status;  // NTSTATUS name, or TRUE / FALSE
  int object = -1;                          // the object the keys below are about
  std::optional<std::uint64_t> value;
  std::optional<int> Locked, Waiting, Waking, MultipleShared;
  std::optional<std::uint64_t> Shared;
  std::optional<bool> signaled;
  std::optional<std::int64_t> signal_state;
  std::optional<std::string> owner;  // thread name or "none"
  std::optional<std::int64_t> count;
  std::optional<int> waiters;
  // Issue #6 keys (README "Assert keys for kernel tests"):
  std::optional<std::int64_t> contention;   // guarded/fast mutex Contention
  std::optional<int> old_irql;              // fast mutex OldIrql
  std::optional<int> priority;              // the running thread's current priority
  std::optional<std::vector<std::string>> waiter_list;  // wait-list order, head first
  std::optional<std::uint64_t> share_count; // push lock: the share count the lock records
  std::optional<std::string> wait_chain;    // push lock wait blocks newest -> oldest: "SSX"
  int variable = -1;                        // with `value`: a memory word (§7)
  int local = -1;                           // with `value`: a thread local (§7)
  std::optional<std::int64_t> result;       // the thread's result (§7)
  // Source position of each key, for "assertion failed: KernelApcDisable is 0, expected -1".
  std::map<std::string, Loc> key_locs;
};

struct Step {
  Op op = Op::work;
  Loc loc;
  int object = -1;           // the object operated on
  std::vector<int> objects;  // KeWaitForMultipleObjects
  // KeWaitForMultipleObjects naming threads (threads are dispatcher objects too): empty when
  // every entry is an object; otherwise objects.size() entries, and entry k is a thread
  // (wait_threads[k] >= 0, objects[k] == -1) or an object (wait_threads[k] == -1).
  // KeWaitForSingleObject on a thread uses `thread` instead, with object == -1.
  std::vector<int> wait_threads;
  int thread = -1;           // PsCreateSystemThread / KeSetPriorityThread / KeInsertQueueApc target
  int routine = -1;          // call / KeInsertQueueApc
  std::optional<Duration> duration;  // work, delay interval, wait timeout (absent = forever), timer due
  std::optional<Duration> period;    // KeSetTimer period
  std::int64_t number = 0;  // repeat count, semaphore adjustment, priority, bytes, IRQL, increment
  bool flag = false;        // KeSetEvent/KeRelease* Wait argument (accepted, see README)
  bool abandon = false;     // KeReleaseMutant Abandon
  std::vector<std::string> except;  // try: the NTSTATUS names (or hex codes) `except:` catches
  std::string var;          // repeat `as`
  WaitType wait_type = WaitType::WaitAll;
  WaitReason reason = kExecutive;
  Mode mode = Mode::KernelMode;
  bool alertable = false;
  ApcKind apc_kind = ApcKind::special;
  std::vector<Step> body;   // repeat, while
  std::vector<Step> else_steps;  // if: body is `then`, else_steps is `else`
  int variable = -1;        // word operations: the target word (Program::variables)
  int as_local = -1;        // `as: NAME`: the local that receives the result
  Operand operand;          // exchange / value / bit
  Operand comparand;        // InterlockedCompareExchange
  std::shared_ptr<const Condition> cond;  // if / while
  Text text;                // log text, I/O path
  Text text2;               // rename_to
  std::vector<View> views;  // dump
  std::shared_ptr<const Assertion> assertion;
};

struct Routine {
  std::string name;  // "" for the anonymous routine of an inline `steps:` APC
  std::vector<Step> steps;
  Loc loc;
};

enum class StartKind : std::uint8_t { at_time, manual };

struct ThreadDecl {
  std::string name;
  int priority = 8;
  StartKind start = StartKind::at_time;
  Duration start_time = 0;
  std::vector<int> affinity;  // empty = every CPU
  int count = 1;              // instances NAME[0]..NAME[count-1] when > 1
  std::vector<Step> steps;
  Loc loc;
};

enum class Version : std::uint8_t { xp, server2003, win10 };
const char* version_name(Version v);
std::optional<Version> version_from_name(std::string_view s);

struct Machine {
  int processors = 2;
  Version version = Version::win10;
  std::optional<bool> autoboost;  // default: true on win10, false before
  std::uint64_t seed = 0;
  Duration quantum = 30'000'000;       // 30 ms (README: the default we picked)
  Duration io_latency = 100'000;       // 100 us
  int jitter = 0;                      // percent: work and io_latency vary by up to this (extension)
  Duration time_limit = 60'000'000'000;  // 60 s
  std::uint64_t max_steps = 200'000'000;  // scheduling points before the run stops (extension)
  std::uint32_t stack_size = 0;            // fiber stack bytes; 0 = the engine default (extension)
  bool verifier = false;                   // Driver Verifier's checks (extension; README "Driver Verifier")
  bool autoboost_enabled() const { return autoboost.value_or(version == Version::win10); }
};

enum class Outcome : std::uint8_t { completed, deadlock, hang, bugcheck, assertion_failed, time_limit };
const char* outcome_name(Outcome o);
std::optional<Outcome> outcome_from_name(std::string_view s);

struct Expect {
  std::optional<Outcome> outcome;
  std::optional<std::uint32_t> bugcheck;
  std::optional<std::vector<std::string>> deadlock;       // thread names in the cycle, any order
  std::vector<std::pair<std::string, std::string>> blocked;  // thread (or template) -> wait reason
  std::vector<std::pair<std::string, std::int64_t>> files;   // directory -> file count
  std::vector<std::pair<std::string, std::int64_t>> findings;  // finding kind -> count
  Loc loc;
  bool present = false;
};

// What a level tells the student (`level:`, an extension of SCENARIO-FORMAT §9): play prints
// the title and briefing before the first choice and one hint per `hint` command.
struct Level {
  std::string title;
  std::string briefing;
  std::vector<std::string> hints;
  bool present = false;
  Loc loc;
};

// A memory word of `variables:` (§7).
struct VariableDecl {
  std::string name;
  std::int64_t initial = 0;
  Loc loc;
};

struct Program {
  std::string file;  // path as given on the command line
  std::string name;
  std::string description;
  Machine machine;
  std::vector<ObjectDecl> objects;
  std::vector<Routine> routines;
  std::vector<ThreadDecl> threads;
  std::vector<VariableDecl> variables;
  std::vector<std::string> locals;       // every `as:` name; each thread has its own copy
  std::vector<Condition> invariants;     // checked after every step of every thread
  Expect expect;
  Expect goal;  // a level's `goal:` (§9): same keys as expect; present only in levels
  Level level;  // a level's briefing and hints (extension of §9)
  // The source lines, for caret diagnostics and for printing the step in reports.
  std::vector<std::string> source_lines;

  int find_object(std::string_view n) const;
  int find_thread(std::string_view n) const;
  int find_routine(std::string_view n) const;
  int find_variable(std::string_view n) const;
  int find_local(std::string_view n) const;
  bool has_plain_accesses() const { return !variables.empty(); }
};

// One diagnostic: file:line:column: message, printed with the source line and a caret.
struct Diagnostic {
  Loc loc;
  std::string message;
};

struct LoadResult {
  std::unique_ptr<Program> program;  // null when there were errors
  std::vector<Diagnostic> errors;    // in file order
  std::vector<std::string> source_lines;  // the file's lines, for format_diagnostics
};

// Loads and validates a scenario file (or text, for tests). Never throws for bad input.
LoadResult load_file(const std::string& path);
LoadResult load_text(const std::string& text, const std::string& file_name);

// "file:line:column: error: message\n    <source line>\n    ^" for each diagnostic, like
// LLVM's SMDiagnostic::print (tabs expanded, caret under the column). Line 0 (no position,
// e.g. a file that cannot be opened) prints "file: error: message" alone.
std::string format_diagnostics(const std::string& file, const std::vector<std::string>& source_lines,
                               const std::vector<Diagnostic>& errors);

// Durations: "500ns", "10us", "5ms", "2s", bare integer = ns. IRQLs: names or 0..15.
std::optional<Duration> parse_duration(std::string_view s);
std::optional<int> parse_irql(std::string_view s);
std::optional<WaitReason> wait_reason_from_name(std::string_view s);
const char* wait_reason_name(WaitReason r);
int wait_reason_count();  // names 0..count-1 exist
// Canonical name of an IRQL (x64), or nullptr for a level without one.
const char* irql_name(int irql);
// Integers: decimal or 0x hex; parse_int also accepts a leading '-'. No spaces, no '+'.
std::optional<std::uint64_t> parse_uint(std::string_view s);
std::optional<std::int64_t> parse_int(std::string_view s);
// Byte sizes: an integer, optionally suffixed k/K (1024) or m/M (1024*1024).
std::optional<std::uint64_t> parse_size(std::string_view s);
// A jitter percentage: an integer 0..100, optionally followed by '%' ("10%", "10").
std::optional<int> parse_percent(std::string_view s);

}  // namespace kesim::scenario
