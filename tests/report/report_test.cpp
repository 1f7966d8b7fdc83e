// Report layer tests: every debugger view on a small run, the text report of each outcome
// (deadlock cycle, hang, bugcheck as !analyze -v), the JSON keys of SCENARIO-FORMAT §6, the
// Chrome trace and JUnit XML, and determinism (same run → byte-identical text). Each test runs
// a fresh simulator; a small loaded Program supplies steps and source lines, which the lambdas
// mark as the current step as the interpreter would.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/check/analysis.hpp"
#include "sim/ke/ke.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/ex/pushlock.hpp"
#include "sim/report/report.hpp"
#include "sim/scenario/source_map.hpp"
#include "tests/report/trace_check.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;
using nlohmann::json;
using scenario::View;
using scenario::ViewKind;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

#define EXPECT_CONTAINS(text, part) EXPECT_TRUE(contains(text, part)) << "missing: " << (part) << "\n--- in:\n" << (text)

// Line numbers matter: steps of A start on line 8, of B on line 12.
constexpr const char* kYaml = R"(name: report-test
description: Two threads and a few locks.
objects:
  Done: {type: event}
  GA: {type: guarded_mutex}
threads:
  - name: A
    steps:
      - KeWaitForSingleObject: Done
      - KeAcquireGuardedMutex: GA
      - KeReleaseGuardedMutex: GA
  - name: B
    steps:
      - KeEnterCriticalRegion
      - KeSetEvent: Done
)";

// A loaded program and the source map reports read it through.
struct Loaded {
  std::unique_ptr<scenario::Program> prog;
  std::unique_ptr<scenario::ProgramSourceMap> source;
  const scenario::ProgramSourceMap& operator*() const { return *source; }
  const scenario::ProgramSourceMap* get() const { return source.get(); }
  scenario::Program* operator->() const { return prog.get(); }
};

Loaded program() {
  scenario::LoadResult r = scenario::load_text(kYaml, "t.yaml");
  EXPECT_TRUE(r.errors.empty()) << scenario::format_diagnostics("t.yaml", r.source_lines, r.errors);
  Loaded l;
  l.prog = std::move(r.program);
  l.source = std::make_unique<scenario::ProgramSourceMap>(*l.prog);
  return l;
}

const scenario::Step* step(const scenario::ProgramSourceMap& m, int thread, int i) {
  const scenario::Program& p = m.program();
  return &p.threads[static_cast<std::size_t>(thread)].steps[static_cast<std::size_t>(i)];
}

void mark(const scenario::Step* s) { KeGetCurrentThread()->current_step = s; }

std::string view(Simulator& sim, const scenario::ProgramSourceMap& p, ViewKind kind, int object = -1,
                 int thread = -1, const KTHREAD* current = nullptr) {
  View v;
  v.kind = kind;
  if (object >= 0) v.name = p.program().objects[static_cast<std::size_t>(object)].name;
  if (thread >= 0) v.name = p.program().threads[static_cast<std::size_t>(thread)].name;
  return report::render_view(sim.kernel(), p, v, current);
}

// One line of `text` that contains `part` ("" if none).
std::string line_with(const std::string& text, const std::string& part) {
  std::size_t pos = text.find(part);
  if (pos == std::string::npos) return "";
  const std::size_t b = text.rfind('\n', pos);
  const std::size_t e = text.find('\n', pos);
  return text.substr(b == std::string::npos ? 0 : b + 1, e == std::string::npos ? e : e - b - 1);
}

// ---- helpers --------------------------------------------------------------------------------

TEST(ReportFormat, TimesAddressesAndSteps) {
  EXPECT_EQ(report::format_time(12), "12 ns");
  EXPECT_EQ(report::format_time(350'000), "350 us");
  EXPECT_EQ(report::format_time(1'250'000), "1.250 ms");
  EXPECT_EQ(report::format_time(2'000'000'000), "2 s");
  EXPECT_EQ(report::hex(0x162), "0x162");
  EXPECT_EQ(report::hex(0), "0x0");
  EXPECT_EQ(report::debugger_address(0xffff910145796f70ull), "ffff9101`45796f70");
  auto p = program();
  EXPECT_EQ(report::describe_step(*p, step(*p, 0, 1)), "t.yaml:10: KeAcquireGuardedMutex");
  EXPECT_EQ(report::step_source(*p, step(*p, 0, 1)), "- KeAcquireGuardedMutex: GA");
  EXPECT_EQ(report::describe_step(*p, nullptr), "");
}

// ---- views ----------------------------------------------------------------------------------

TEST(ReportViews, ThreadShowsWaitRegionsStepAndPriority) {
  auto p = program();
  Simulator sim({.processors = 1});
  auto& done = sim.kernel().create_event("Done", true, false);
  sim.spawn("A", [&] {
    mark(step(*p, 0, 0));
    KeEnterCriticalRegion();
    KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr);
  }, 9);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::hang);

  const std::string out = view(sim, *p, ViewKind::thread);
  EXPECT_CONTAINS(out, "0: kd> !thread\n");
  EXPECT_CONTAINS(out, "THREAD ffff9101`42869040  Cid 0004.0b70  Teb: 0000000000000000 Win32Thread: "
                       "0000000000000000 WAIT: (Executive) KernelMode Non-Alertable\n");
  // The wait block: object address, type, name.
  const KEVENT& ev = done;
  EXPECT_CONTAINS(out, "    " + report::debugger_address(ev.address) + "  NotificationEvent      Done\n");
  EXPECT_CONTAINS(out, "    KernelApcDisable          -1\n");
  EXPECT_CONTAINS(out, "    SpecialApcDisable         0\n");
  EXPECT_CONTAINS(out, "    Irql                      PASSIVE_LEVEL (WaitIrql PASSIVE_LEVEL)\n");
  EXPECT_CONTAINS(out, "    Step                      t.yaml:9: KeWaitForSingleObject\n");
  EXPECT_CONTAINS(out, "                              - KeWaitForSingleObject: Done\n");
  EXPECT_CONTAINS(out, "Priority:\n    Current Base AutoBoost\n    9       9    0\n");
  EXPECT_FALSE(contains(out, "LockEntries"));  // none in use

  // !thread NAME by template index falls back to the name for API threads.
  EXPECT_CONTAINS(view(sim, *p, ViewKind::thread, -1, 0), "THREAD ffff9101`42869040");
  EXPECT_CONTAINS(view(sim, *p, ViewKind::thread, -1, 1), "No such thread.");
}

TEST(ReportViews, ThreadShowsLockEntriesInUse) {
  auto p = program();
  Simulator sim({.processors = 1});
  auto& done = sim.kernel().create_event("Done", true, false);
  KTHREAD& a = sim.spawn("A", [&] { KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr); });
  sim.run();
  a.LockEntries[0].LockState = 0xffff910145797f70ull;
  a.LockEntries[0].WaitingByte = true;
  const std::string out = report::render_thread(sim.kernel(), *p, a);
  EXPECT_CONTAINS(out, "LockEntries (in use):\n[0] @ ffff9101`428696e0\n"
                       "   +0x000 LockUnsafe           : 0xffff9101`45797f70\n"
                       "   +0x008 SessionId            : 0xffffffff (0n4294967295)\n"
                       "   +0x010 EntryIndex           : 0 ''\n"
                       "   +0x011 WaitingByte          : 0x1 ''\n"
                       "   +0x012 AcquiredByte         : 0 ''\n");
}

TEST(ReportViews, WaitersTableLikeMexLt) {
  auto p = program();
  Simulator sim({.processors = 2});
  auto& done = sim.kernel().create_event("Done", true, false);
  auto& gm = sim.kernel().create_guarded_mutex("GA", KOBJECTS::GuardedMutexObject);
  sim.spawn("Holder", [&] {
    KeAcquireGuardedMutex(gm);
    KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr);
  });
  sim.spawn("Blocked", [&] { KeAcquireGuardedMutex(gm); }, 8, 1000);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::hang);
  const std::string out = view(sim, *p, ViewKind::waiters);
  EXPECT_CONTAINS(out, "0: kd> !waiters\n");
  EXPECT_CONTAINS(out, "Process PID  TID Thread           Name    State   Time Reason         Waiting On\n");
  EXPECT_CONTAINS(out, "System    4  b70 ffff910142869040 Holder  Waiting 1 us Executive      Done\n");
  EXPECT_CONTAINS(out, "System    4  b74 ffff91014286a040 Blocked Waiting 0 ns WrGuardedMutex GA\n");
  EXPECT_CONTAINS(out, "\nThread Count: 2\n");
  // Grouped by wait reason: Executive (0) before WrGuardedMutex (35).
  EXPECT_LT(out.find("Holder "), out.find("Blocked "));
}

TEST(ReportViews, LocksShowHoldersWaitersAndWords) {
  auto p = program();
  Simulator sim({.processors = 2});
  auto& done = sim.kernel().create_event("Done", true, false);
  auto& gm = sim.kernel().create_guarded_mutex("GA", KOBJECTS::GuardedMutexObject);
  auto& pl = ex::create_push_lock(sim.kernel(), "PL");
  sim.kernel().create_spin_lock("SL");
  sim.spawn("Holder", [&] {
    KeAcquireGuardedMutex(gm);
    KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr);
  });
  sim.spawn("Blocked", [&] { KeAcquireGuardedMutex(gm); }, 8, 1000);
  sim.run();
  pl.Value = 0x21;  // two sharers, as kesim would leave them; no holders recorded
  const std::string out = view(sim, *p, ViewKind::locks);
  EXPECT_CONTAINS(out, "**** DUMP OF ALL LOCKS ****\n");
  EXPECT_CONTAINS(out, "\nLock GA (GuardedMutex) @ " + report::debugger_address(gm.address) +
                           "    Exclusively owned\n");
  EXPECT_CONTAINS(out, "     Threads: ffff9101`42869040-01<*> Holder\n");
  EXPECT_CONTAINS(out, "     Threads Waiting:\n              ffff9101`4286a040 Blocked  WrGuardedMutex");
  EXPECT_CONTAINS(out, "\nLock PL (PushLock) @ " + report::debugger_address(pl.address) + "    Not owned\n"
                       "     Word: 0x21 (Locked|Shared=2)\n");
  EXPECT_CONTAINS(out, "\nLock SL (SpinLock)");
  EXPECT_CONTAINS(out, "\n3 total locks, 1 locks currently held\n");
}

TEST(ReportViews, PushLockDecodedLikeDt) {
  auto p = program();
  p->objects.push_back({.name = "PL", .type = scenario::ObjectType::push_lock});
  const int pl_index = static_cast<int>(p->objects.size()) - 1;
  Simulator sim({.processors = 1});
  auto& pl = ex::create_push_lock(sim.kernel(), "PL");
  sim.run();

  pl.Value = 0;
  std::string out = view(sim, *p, ViewKind::pushlock, pl_index);
  EXPECT_CONTAINS(out, "0: kd> !pushlock PL\n");
  EXPECT_CONTAINS(out, "dt nt!_EX_PUSH_LOCK " + report::debugger_address(pl.address) + "   (PL)\n"
                       "   +0x000 Locked               : 0y0\n"
                       "   +0x000 Waiting              : 0y0\n"
                       "   +0x000 Waking               : 0y0\n"
                       "   +0x000 MultipleShared       : 0y0\n"
                       "   +0x000 Shared               : 0y" + std::string(60, '0') + " (0)\n"
                       "   +0x000 Value                : 0\n"
                       "   +0x000 Ptr                  : (null)\n"
                       "No wait blocks.\n");

  pl.Value = 0x11;
  out = view(sim, *p, ViewKind::pushlock, pl_index);
  EXPECT_CONTAINS(out, "   +0x000 Locked               : 0y1\n");
  EXPECT_CONTAINS(out, "   +0x000 Shared               : 0y" + std::string(59, '0') + "1 (0x1)\n");
  EXPECT_CONTAINS(out, "   +0x000 Value                : 0x11 (0n17)\n");
  EXPECT_CONTAINS(out, "   +0x000 Ptr                  : 0x00000000`00000011 Void\n");

  pl.Value = 0xfffff6840d337291ull;  // locked, upper bits set, Waiting clear: no chain to follow
  out = view(sim, *p, ViewKind::pushlock, pl_index);
  EXPECT_CONTAINS(out, "   +0x000 Value                : 0xfffff684`0d337291 (0n-10427959119215)\n");
  EXPECT_CONTAINS(out, "(0xfffff6840d33729)\n");

  View bad;
  bad.kind = ViewKind::pushlock;
  bad.name = "GA";  // a guarded mutex, not in this kernel
  EXPECT_CONTAINS(report::render_view(sim.kernel(), *p, bad, nullptr), "No push lock named GA.");
}

TEST(ReportViews, PushLockWaitChainOfARealContention) {
  auto p = program();
  p->objects.push_back({.name = "PL", .type = scenario::ObjectType::push_lock});
  const int pl_index = static_cast<int>(p->objects.size()) - 1;
  Simulator sim({.processors = 2});
  auto& done = sim.kernel().create_event("Done", true, false);
  auto& pl = ex::create_push_lock(sim.kernel(), "PL");
  sim.spawn("Owner", [&] {
    KeEnterCriticalRegion();
    ex::ExAcquirePushLockExclusive(pl);
    KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr);
  });
  sim.spawn("Waiter", [&] {
    KeEnterCriticalRegion();
    ex::ExAcquirePushLockExclusive(pl);
  }, 8, 1000);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::hang);
  const std::string out = view(sim, *p, ViewKind::pushlock, pl_index);
  EXPECT_CONTAINS(out, "   +0x000 Locked               : 0y1\n");
  EXPECT_CONTAINS(out, "   +0x000 Waiting              : 0y1\n");
  EXPECT_CONTAINS(out, "Wait blocks, newest -> oldest (1):\n");
  EXPECT_CONTAINS(out, "Thread ffff9101`4286a040 Waiter\n");
  EXPECT_CONTAINS(out, "EXCLUSIVE");
  const std::string waiters = view(sim, *p, ViewKind::waiters);
  EXPECT_CONTAINS(line_with(waiters, "Waiter"), "WrPushLock");
  EXPECT_CONTAINS(line_with(waiters, "Waiter"), " PL");
}

TEST(ReportViews, CacheAwarePushLockSlots) {
  auto p = program();
  p->objects.push_back({.name = "CL", .type = scenario::ObjectType::cache_aware_push_lock});
  const int cl_index = static_cast<int>(p->objects.size()) - 1;
  Simulator sim({.processors = 2});
  auto& done = sim.kernel().create_event("Done", true, false);
  auto& cl = ex::create_cache_aware_push_lock(sim.kernel(), "CL");
  KTHREAD& owner = sim.spawn("Owner", [&] {
    KeEnterCriticalRegion();
    ex::ExAcquireCacheAwarePushLockExclusive(cl);
    KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr);
  });
  sim.spawn("Reader", [&] {
    KeEnterCriticalRegion();
    ex::ExAcquireCacheAwarePushLockShared(cl);
  }, 8, 1000);
  ASSERT_EQ(sim.run().outcome, Outcome::hang);

  const std::string pl = view(sim, *p, ViewKind::pushlock, cl_index);
  EXPECT_CONTAINS(pl, "dt nt!_EX_PUSH_LOCK_CACHE_AWARE " + report::debugger_address(cl.address) + "   (CL)\n");
  EXPECT_CONTAINS(pl, "   +0x000 Locks                : [2] Ptr64 _EX_PUSH_LOCK\n");
  EXPECT_CONTAINS(pl, "\nSlot [0]\ndt nt!_EX_PUSH_LOCK " + report::debugger_address(cl.Locks[0]->address) +
                          "   (CL[0])\n   +0x000 Locked               : 0y1\n");
  EXPECT_CONTAINS(pl, "\nSlot [1]\ndt nt!_EX_PUSH_LOCK " + report::debugger_address(cl.Locks[1]->address));
  EXPECT_CONTAINS(pl, "Thread ffff9101`4286a040 Reader\n");  // queued on one slot

  const std::string locks = view(sim, *p, ViewKind::locks);
  EXPECT_CONTAINS(locks, "\nLock CL (CacheAwarePushLock) @ " + report::debugger_address(cl.address) +
                             "    Exclusively owned\n     Slot CL[0]: 0x");
  // Reader ran on CPU 0 (its slot), behind Owner's exclusive hold of every slot.
  EXPECT_CONTAINS(locks, " (Locked|Waiting)\n     Slot CL[1]: 0x1 (Locked)\n");
  EXPECT_CONTAINS(locks, "     Threads: ffff9101`42869040-01<*> Owner\n");
  EXPECT_CONTAINS(locks, "              ffff9101`4286a040 Reader  WrPushLock");
  EXPECT_FALSE(contains(locks, "Lock CL[0]"));  // slots are shown under their lock
  EXPECT_CONTAINS(locks, "\n1 total locks, 1 locks currently held\n");
  EXPECT_CONTAINS(report::render_thread(sim.kernel(), *p, owner), "    Holds                     CL (exclusive)\n");
}

TEST(ReportViews, ApcQueueOfAThreadInAGuardedRegion) {
  auto p = program();
  Simulator sim({.processors = 2});
  auto& done = sim.kernel().create_event("Done", true, false);
  KAPC apc;
  KTHREAD& target = sim.spawn("Target", [&] {
    KeEnterGuardedRegion();
    KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr);
  });
  sim.spawn("Inserter", [&] {
    KeInitializeApc(apc, target, ApcKind::Special, [](KAPC&) {}, nullptr, nullptr);
    apc.label = "CompleteIo";
    apc.address = 0xffff910145a00f70ull;
    KeInsertQueueApc(apc);
  }, 8, 2000);
  sim.run();
  const std::string out = view(sim, *p, ViewKind::apc);
  EXPECT_CONTAINS(out, "0: kd> !apc\n*** Enumerating APCs in all threads\n");
  EXPECT_CONTAINS(out, "Thread ffff9101`42869040 Target  KernelApcPending 1  KernelApcInProgress 0  "
                       "UserApcPending 0\n");
  EXPECT_CONTAINS(out, "    Irql PASSIVE_LEVEL  KernelApcDisable 0  SpecialApcDisable -1\n");
  EXPECT_CONTAINS(out, "      KAPC @ ffff9101`45a00f70  Special  Routine CompleteIo  queued by Inserter at 2 us\n");
  EXPECT_CONTAINS(out, "    UserMode APC list: empty\n");
  EXPECT_FALSE(contains(out, "Inserter  KernelApcPending"));  // nothing queued to Inserter
  EXPECT_CONTAINS(report::render_thread(sim.kernel(), *p, target),
                  "APC queues                Kernel 1 (1 special, 0 normal)  User 0\n");
}

TEST(ReportViews, ReadyQueuesAndRunningThreadAtADump) {
  auto p = program();
  Simulator sim({.processors = 1});
  std::string ready, self;
  sim.spawn("A", [&] {
    View v;
    v.kind = ViewKind::ready;
    ready = report::render_view(current_kernel(), *p, v, KeGetCurrentThread());
    v.kind = ViewKind::thread;
    self = report::render_view(current_kernel(), *p, v, KeGetCurrentThread());
  }, 10);
  sim.spawn("B", [] {}, 8);
  sim.spawn("C", [] {}, 9);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(ready,
            "---- dump at 0 ns by A ----\n"  // the dump header: no step set in this lambda
            "0: kd> !ready\n"
            "Processor 0: Running THREAD ffff9101`42869040 (A) at priority 10\n"
            "Processor 0: Ready Threads at priority 9\n"
            "    THREAD ffff9101`4286b040  Cid 0004.0b78  Teb: 0000000000000000 Win32Thread: "
            "0000000000000000 READY on processor 0  C\n"
            "Processor 0: Ready Threads at priority 8\n"
            "    THREAD ffff9101`4286a040  Cid 0004.0b74  Teb: 0000000000000000 Win32Thread: "
            "0000000000000000 READY on processor 0  B\n");
  EXPECT_CONTAINS(self, "THREAD ffff9101`42869040  Cid 0004.0b70");
  EXPECT_CONTAINS(self, "RUNNING on processor 0\n");
  EXPECT_FALSE(contains(self, "THREAD ffff9101`4286a040"));  // only the current thread
}

// ---- outcomes: text and JSON ---------------------------------------------------------------

struct FinishedRun {
  Loaded program;
  std::unique_ptr<Simulator> sim;
  RunResult result;
  check::Findings findings;
  report::RunInfo info() const {
    report::RunInfo i;
    i.source = program.get();
    i.kernel = &sim->kernel();
    i.result = &result;
    i.findings = &findings;
    return i;
  }
};

// A takes GA then GB, B takes GB then GA; both work in between, on two CPUs: a deadlock.
FinishedRun deadlock_run() {
  FinishedRun run;
  run.program = program();
  run.sim = std::make_unique<Simulator>(SimulatorOptions{.processors = 2});
  auto& ga = run.sim->kernel().create_guarded_mutex("GA", KOBJECTS::GuardedMutexObject);
  auto& gb = run.sim->kernel().create_guarded_mutex("GB", KOBJECTS::GuardedMutexObject);
  const scenario::ProgramSourceMap& p = *run.program;
  run.sim->spawn("T1", [&ga, &gb, &p] {
    KeAcquireGuardedMutex(ga);
    KiRunOnCpu(1000);
    mark(step(p, 0, 1));
    KeAcquireGuardedMutex(gb);
  });
  run.sim->spawn("T2", [&ga, &gb] {
    KeAcquireGuardedMutex(gb);
    KiRunOnCpu(1000);
    KeAcquireGuardedMutex(ga);
  });
  run.result = run.sim->run();
  return run;
}

TEST(ReportText, DeadlockShowsTheCycleAndTheViews) {
  FinishedRun run = deadlock_run();
  ASSERT_EQ(run.result.outcome, Outcome::deadlock);
  report::RunInfo info = run.info();
  info.expect = {.present = true, .met = false, .mismatches = {"outcome: expected completed, got deadlock"}};
  info.output = {"hello from a log step"};
  const std::string out = report::render_text(info);
  EXPECT_CONTAINS(out, "kesim report: report-test (t.yaml)\n  Two threads and a few locks.\n");
  EXPECT_CONTAINS(out, "  version win10, 2 processors, seed 0, AutoBoost on, quantum 30 ms\n");
  EXPECT_CONTAINS(out, "\nOutput:\n  hello from a log step\n");
  EXPECT_CONTAINS(out, "Outcome: DEADLOCK — a cycle in the wait-for graph\n"
                       "    T1 waits for GB (held by T2) → T2 waits for GA (held by T1)\n");
  EXPECT_CONTAINS(out, "          #00 t.yaml:10: KeAcquireGuardedMutex");
  EXPECT_CONTAINS(out, "Findings: none\n");
  EXPECT_CONTAINS(out, "Expect: NOT met\n    - outcome: expected completed, got deadlock\n");
  EXPECT_CONTAINS(out, "\n0: kd> !waiters\n");
  EXPECT_CONTAINS(out, "\n0: kd> !locks\n");
  EXPECT_CONTAINS(out, "\n0: kd> !thread ffff9101`42869040\n");
  EXPECT_CONTAINS(out, "\n0: kd> !thread ffff9101`4286a040\n");
  EXPECT_CONTAINS(out, fmt::format("trace hash {:016x}\n", run.result.trace_hash));

  const json j = report::to_json(info);
  EXPECT_EQ(j["outcome"], "deadlock");
  ASSERT_TRUE(j["deadlock"].is_object());
  EXPECT_EQ(j["deadlock"]["cycle"],
            json::parse(R"([{"thread":"T1","waits_for":"GB","held_by":"T2"},
                            {"thread":"T2","waits_for":"GA","held_by":"T1"}])"));
  EXPECT_TRUE(j["bugcheck"].is_null());
  EXPECT_EQ(j["threads"][0], json::parse(R"({"name":"T1","state":"Waiting",
                                             "wait_reason":"WrGuardedMutex","waiting_on":"GB"})"));
  EXPECT_EQ(j["expect"]["met"], false);
  EXPECT_EQ(j["expect"]["mismatches"][0], "outcome: expected completed, got deadlock");
  EXPECT_EQ(j["output"][0], "hello from a log step");
}

TEST(ReportText, BugcheckRenderedLikeAnalyzeV) {
  auto p = program();
  Simulator sim({.processors = 1});
  auto& sem = sim.kernel().create_semaphore("Sem", 1, 1);
  sim.spawn("Releaser", [&] {
    mark(step(*p, 1, 1));
    KeReleaseSemaphore(sem, 0, 1, false);
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::bugcheck);
  check::Findings findings = {{"lock_order", "GA then GB in T1, GB then GA in T2"}};
  report::RunInfo info;
  info.source = p.get();
  info.kernel = &sim.kernel();
  info.result = &r;
  info.findings = &findings;
  info.seed = 7;
  const std::string out = report::render_text(info);
  EXPECT_CONTAINS(out, "Outcome: BUGCHECK 0x7e\n");
  EXPECT_CONTAINS(out, std::string(79, '*') + "\n*" + std::string(77, ' ') + "*\n"
                       "*                        Bugcheck Analysis                                    *\n");
  EXPECT_CONTAINS(out, "\nSYSTEM_THREAD_EXCEPTION_NOT_HANDLED (7e)\n");
  EXPECT_CONTAINS(out, "\nArguments:\nArg1: 00000000c0000047, The exception code that was not handled (an NTSTATUS)\n");
  EXPECT_CONTAINS(out, "BUGCHECK_CODE:  7e\n");
  EXPECT_CONTAINS(out, "THREAD:  ffff9101`42869040 (Releaser)\n");
  EXPECT_CONTAINS(out, "STEP:  t.yaml:15: KeSetEvent\n       - KeSetEvent: Done\n");
  EXPECT_CONTAINS(out, "IRQL:  PASSIVE_LEVEL (0)\n");
  EXPECT_CONTAINS(out, "NOTE:  exception STATUS_SEMAPHORE_LIMIT_EXCEEDED");
  EXPECT_CONTAINS(out, "RECENT_HISTORY (oldest first):\n");
  EXPECT_CONTAINS(out, "BUGCHECK 0x7e");
  EXPECT_CONTAINS(out, "Findings (1):\n    [lock_order] GA then GB in T1, GB then GA in T2\n");
  EXPECT_CONTAINS(out, "Expect: none\n");
  EXPECT_CONTAINS(out, "seed 7");

  const json j = report::to_json(info);
  EXPECT_EQ(j["outcome"], "bugcheck");
  EXPECT_EQ(j["bugcheck"]["code"], "0x7e");
  EXPECT_EQ(j["bugcheck"]["name"], "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED");
  ASSERT_EQ(j["bugcheck"]["args"].size(), 4u);
  EXPECT_EQ(j["bugcheck"]["args"][0], "0xc0000047");
  EXPECT_EQ(j["bugcheck"]["thread"], "Releaser");
  EXPECT_EQ(j["bugcheck"]["step"], "t.yaml:15: KeSetEvent");
  EXPECT_TRUE(j["deadlock"].is_null());
  EXPECT_EQ(j["findings"], json::parse(R"([{"kind":"lock_order","message":"GA then GB in T1, GB then GA in T2"}])"));
  EXPECT_EQ(j["seed"], 7);
}

TEST(ReportText, HangExplainsEachBlockedThread) {
  auto p = program();
  Simulator sim({.processors = 1});
  auto& done = sim.kernel().create_event("Done", true, false);
  sim.spawn("A", [&] {
    mark(step(*p, 0, 0));
    KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr);
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::hang);
  report::RunInfo info;
  info.source = p.get();
  info.kernel = &sim.kernel();
  info.result = &r;
  const std::string out = report::render_text(info);
  EXPECT_CONTAINS(out, "Outcome: HANG — nothing can run again, and there is no cycle\n"
                       "    A: Waiting (Executive) on Done for 0 ns\n"
                       "        why: Done is not signaled");
  EXPECT_CONTAINS(out, "        stack:\n          #00 t.yaml:9: KeWaitForSingleObject");
  const json j = report::to_json(info);
  EXPECT_EQ(j["blocked"][0]["thread"], "A");
  EXPECT_TRUE(contains(j["blocked"][0]["why"].get<std::string>(), "Done is not signaled"));
}

TEST(ReportText, AssertionFailureNamesTheStep) {
  auto p = program();
  Simulator sim({.processors = 1});
  sim.spawn("B", [&] {
    KeEnterCriticalRegion();
    current_kernel().fail_assertion("KernelApcDisable is -1, expected 0", step(*p, 1, 1));
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::assertion_failed);
  report::RunInfo info;
  info.source = p.get();
  info.kernel = &sim.kernel();
  info.result = &r;
  const std::string out = report::render_text(info);
  EXPECT_CONTAINS(out, "Outcome: ASSERTION FAILED\n    at t.yaml:15: KeSetEvent\n       - KeSetEvent: Done\n"
                       "    KernelApcDisable is -1, expected 0\n");
  const json j = report::to_json(info);
  EXPECT_EQ(j["outcome"], "assertion_failed");
  EXPECT_EQ(j["assertion"]["message"], "KernelApcDisable is -1, expected 0");
  EXPECT_EQ(j["assertion"]["step"], "t.yaml:15: KeSetEvent");
}

TEST(ReportText, TimeLimitSaysWhichLimit) {
  auto p = program();
  Simulator sim({.processors = 1, .time_limit = 1'000'000});
  sim.spawn("Busy", [] { KiRunOnCpu(5'000'000); });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::time_limit);
  report::RunInfo info;
  info.source = p.get();
  info.kernel = &sim.kernel();
  info.result = &r;
  EXPECT_CONTAINS(report::render_text(info),
                  "Outcome: TIME LIMIT — virtual time reached machine.time_limit (1 ms)\n");
  const json j = report::to_json(info);
  EXPECT_EQ(j["outcome"], "time_limit");
  EXPECT_EQ(j["limit"], "time");
  EXPECT_EQ(j["threads"][0]["state"], "Running");
}

TEST(ReportJson, CompletedRunHasEverySection6Key) {
  auto p = program();
  Simulator sim({.processors = 2});
  auto& done = sim.kernel().create_event("Done", true, false);
  sim.spawn("A", [&] { KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr); });
  sim.spawn("B", [&] { KeSetEvent(done, 0, false); }, 8, 5000);
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::completed);
  report::RunInfo info;
  info.source = p.get();
  info.kernel = &sim.kernel();
  info.result = &r;
  info.seed = 3;
  info.expect = {.present = true, .met = true, .mismatches = {}};
  const json j = report::to_json(info);
  for (const char* key : {"scenario", "file", "seed", "version", "processors", "outcome", "bugcheck",
                          "deadlock", "threads", "findings", "expect", "virtual_time_ns", "events",
                          "context_switches", "trace_hash"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["scenario"], "report-test");
  EXPECT_EQ(j["file"], "t.yaml");
  EXPECT_EQ(j["seed"], 3);
  EXPECT_EQ(j["version"], "win10");
  EXPECT_EQ(j["processors"], 2);
  EXPECT_EQ(j["outcome"], "completed");
  EXPECT_TRUE(j["bugcheck"].is_null());
  EXPECT_TRUE(j["deadlock"].is_null());
  EXPECT_EQ(j["threads"], json::parse(R"([
      {"name":"A","state":"Terminated","wait_reason":null,"waiting_on":null},
      {"name":"B","state":"Terminated","wait_reason":null,"waiting_on":null}])"));
  EXPECT_EQ(j["findings"], json::array());
  EXPECT_EQ(j["expect"]["met"], true);
  EXPECT_EQ(j["expect"]["mismatches"], json::array());
  EXPECT_EQ(j["virtual_time_ns"], 5000);
  EXPECT_EQ(j["virtual_time_ns"], r.virtual_time);
  EXPECT_EQ(j["events"], r.events);
  EXPECT_EQ(j["context_switches"], r.context_switches);
  EXPECT_GT(r.events, 0u);
  const std::string hash = j["trace_hash"];
  EXPECT_EQ(hash.size(), 16u);
  EXPECT_EQ(hash, fmt::format("{:016x}", r.trace_hash));
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);

  const std::string text = report::render_text(info);
  EXPECT_CONTAINS(text, "Outcome: completed — every thread returned or terminated\n");
  EXPECT_CONTAINS(text, "Expect: met\n");
  EXPECT_FALSE(contains(text, "!waiters"));  // views only for runs that did not complete
  EXPECT_CONTAINS(text, "\nvirtual time 5 us, ");
}

TEST(ReportText, DeterministicAcrossRenderingsAndRuns) {
  FinishedRun a = deadlock_run();
  FinishedRun b = deadlock_run();
  const std::string ta = report::render_text(a.info());
  EXPECT_EQ(ta, report::render_text(a.info()));
  EXPECT_EQ(ta, report::render_text(b.info()));
  EXPECT_EQ(report::to_json(a.info()).dump(), report::to_json(b.info()).dump());
}

// ---- timeline and JUnit ---------------------------------------------------------------------

TEST(ReportTimeline, ChromeTraceEveryRecordPresentAndSlicesBalancedPerTrack) {
  auto p = program();
  Simulator sim({.processors = 2});
  sim.kernel().engine().trace().set_keep_all(true);
  auto& done = sim.kernel().create_event("Done", true, false);
  auto& gm = sim.kernel().create_guarded_mutex("GA", KOBJECTS::GuardedMutexObject);
  KAPC apc;
  KTHREAD& a = sim.spawn("A", [&] {
    KeAcquireGuardedMutex(gm);
    KeWaitForSingleObject(done, Executive, KernelMode, false, nullptr);
    KeReleaseGuardedMutex(gm);
  });
  sim.spawn("B", [&] {
    KeInitializeApc(apc, a, ApcKind::Special, [](KAPC&) {}, nullptr, nullptr);
    KeInsertQueueApc(apc);
    KiRunOnCpu(2000);
    KeSetEvent(done, 0, false);
  }, 8, 1000);
  // The APC waits for A to leave the guarded region of its guarded mutex, then runs.
  ASSERT_EQ(sim.run().outcome, Outcome::completed);

  const std::string text = report::render_chrome_trace(sim.kernel(), p.get());
  const json j = check_trace_structure(text, sim.kernel().engine().trace().all());
  std::map<std::pair<int, int>, std::string> names;  // (pid, tid) -> thread_name
  std::map<int, std::string> processes;
  bool cpu_slice_for_a = false, wait_slice = false, apc_seen = false, lock_span = false, at_zero = false;
  for (const json& e : j["traceEvents"]) {
    const std::string ph = e["ph"];
    const auto track = std::make_pair(e["pid"].get<int>(), e["tid"].get<int>());
    if (ph == "M" && e["name"] == "thread_name") names[track] = e["args"]["name"];
    if (ph == "M" && e["name"] == "process_name") processes[e["pid"].get<int>()] = e["args"]["name"];
    if (ph != "B") continue;
    if (e["ts"].get<double>() == 0) at_zero = true;
    if (e["pid"] == 1 && e["name"] == "A") cpu_slice_for_a = true;
    if (e["pid"] == 2 && e["tid"] == a.index && e["name"] == "Executive") {
      wait_slice = true;
      EXPECT_EQ(e["args"]["object"], "Done");
    }
    if (e["pid"] == 2 && e["tid"] == 10000 + a.index) apc_seen = true;
    if (e["pid"] == 3 && e["name"] == "GA (exclusive)") lock_span = true;
  }
  EXPECT_TRUE(at_zero) << "the first slices start at ts 0";
  EXPECT_TRUE(cpu_slice_for_a);
  EXPECT_TRUE(wait_slice);
  EXPECT_TRUE(apc_seen);
  EXPECT_TRUE(lock_span);
  EXPECT_EQ(processes[1], "CPUs");
  EXPECT_EQ(processes[2], "Threads");
  EXPECT_EQ(processes[3], "Locks");
  EXPECT_EQ(names[std::make_pair(1, 0)], "CPU 0");
  EXPECT_EQ(names[std::make_pair(1, 1)], "CPU 1");
  EXPECT_EQ(names[std::make_pair(2, 0)], "A");
  EXPECT_EQ(names[std::make_pair(2, 1)], "B");
  EXPECT_EQ(names[std::make_pair(2, 10000)], "A APCs");
  EXPECT_EQ(names[std::make_pair(3, 1)], "GA held by A");
}

TEST(ReportJUnit, EscapedSuiteWithFailures) {
  std::vector<report::TestCase> cases = {
      {.name = "ok", .file = "a.yaml", .passed = true, .failure = "", .virtual_seconds = 0.5},
      {.name = "bad<&>\"'", .file = "b.yaml", .passed = false,
       .failure = "outcome: expected deadlock, got completed\nbugcheck: expected 0x162", .virtual_seconds = 1.0}};
  const std::string x = report::render_junit(cases);
  EXPECT_CONTAINS(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  EXPECT_CONTAINS(x, "<testsuite name=\"kesim\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1.500000000\">");
  EXPECT_CONTAINS(x, "<testcase name=\"ok\" classname=\"a.yaml\" time=\"0.500000000\"/>\n");
  EXPECT_CONTAINS(x, "<testcase name=\"bad&lt;&amp;&gt;&quot;&apos;\" classname=\"b.yaml\" time=\"1.000000000\">\n");
  EXPECT_CONTAINS(x, "<failure message=\"outcome: expected deadlock, got completed\" type=\"expectation\">"
                     "outcome: expected deadlock, got completed\nbugcheck: expected 0x162</failure>\n");
  EXPECT_CONTAINS(x, "</testsuite>\n</testsuites>\n");
}

}  // namespace
}  // namespace kesim
