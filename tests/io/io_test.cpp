// I/O tests (SEMANTICS.md §3): Zw calls and their statuses, the in-memory file namespace
// (case-insensitive names, \DosDevices\ and \??\ prefixes, directories as path prefixes), the
// virtual time a call takes (machine io_latency), and completion by a special kernel APC on the
// issuing thread — delivered inside a critical region, never inside a guarded region or to a
// wait that began at APC_LEVEL (those hang, no bugcheck). Each test runs a fresh simulator.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "sim/ke/ke.hpp"
#include "include/kesim/nt/ke.hpp"
#include "include/kesim/simulator.hpp"
#include "sim/io/io.hpp"

namespace kesim {
namespace {

using namespace kesim::nt;
using io::FileSystem;
using io::IoManager;
using io::IoOp;

Time now() { return current_kernel().engine().now(); }

// ---- the file namespace, directly ------------------------------------------------------------

TEST(IoFileSystem, NormalizeDropsPrefixesAndCase) {
  EXPECT_EQ(FileSystem::normalize("C:\\Temp\\A.TXT"), "c:\\temp\\a.txt");
  EXPECT_EQ(FileSystem::normalize("\\DosDevices\\C:\\Temp\\a.txt"), "c:\\temp\\a.txt");
  EXPECT_EQ(FileSystem::normalize("\\dosdevices\\C:\\Temp\\a.txt"), "c:\\temp\\a.txt");
  EXPECT_EQ(FileSystem::normalize("\\??\\C:\\Temp\\a.txt"), "c:\\temp\\a.txt");
  EXPECT_EQ(FileSystem::normalize("C:/Temp/a.txt"), "c:\\temp\\a.txt");
  EXPECT_EQ(FileSystem::normalize("C:\\Temp\\"), "c:\\temp");
  EXPECT_EQ(FileSystem::directory_of("c:\\temp\\a.txt"), "c:\\temp");
  EXPECT_EQ(FileSystem::directory_of("a.txt"), "");
}

TEST(IoFileSystem, ApplyStatusesAndSizes) {
  FileSystem fs;
  EXPECT_EQ(fs.apply(IoOp::Open, "C:\\Temp\\a.txt", {}, 0), STATUS_OBJECT_NAME_NOT_FOUND);
  EXPECT_EQ(fs.apply(IoOp::Write, "C:\\Temp\\a.txt", {}, 5), STATUS_OBJECT_NAME_NOT_FOUND);
  EXPECT_EQ(fs.apply(IoOp::Rename, "C:\\Temp\\a.txt", "C:\\Temp\\b.txt", 0),
            STATUS_OBJECT_NAME_NOT_FOUND);
  EXPECT_EQ(fs.files().size(), 0u);
  EXPECT_EQ(fs.apply(IoOp::Create, "C:\\Temp\\A.txt", {}, 0), STATUS_SUCCESS);
  EXPECT_EQ(fs.apply(IoOp::Write, "c:\\temp\\a.TXT", {}, 10), STATUS_SUCCESS);
  EXPECT_EQ(fs.apply(IoOp::Write, "\\DosDevices\\C:\\Temp\\a.txt", {}, 7), STATUS_SUCCESS);
  ASSERT_EQ(fs.files().size(), 1u);
  EXPECT_EQ(fs.files().at("c:\\temp\\a.txt").size, 17u);
  EXPECT_EQ(fs.files().at("c:\\temp\\a.txt").path, "C:\\Temp\\A.txt");  // first spelling kept
  EXPECT_EQ(fs.apply(IoOp::Create, "C:\\TEMP\\a.txt", {}, 0), STATUS_SUCCESS);  // truncates
  EXPECT_EQ(fs.files().at("c:\\temp\\a.txt").size, 0u);
  EXPECT_EQ(fs.apply(IoOp::Close, "C:\\Temp\\nothing.txt", {}, 0), STATUS_SUCCESS);
}

// ---- Zw calls through the simulator ------------------------------------------------------------

TEST(Io, CreateOpenWriteRenameCloseStatuses) {
  Simulator sim;
  IoManager io(sim.kernel());
  std::vector<NTSTATUS> got;
  sim.spawn("Driver", [&] {
    got.push_back(io.call(IoOp::Open, "C:\\Temp\\a.txt"));
    got.push_back(io.call(IoOp::Create, "C:\\Temp\\a.txt"));
    got.push_back(io.call(IoOp::Open, "c:\\TEMP\\A.TXT"));
    got.push_back(io.call(IoOp::Write, "C:\\Temp\\a.txt", {}, 100));
    got.push_back(io.call(IoOp::Write, "C:\\Temp\\missing.txt", {}, 100));
    got.push_back(io.call(IoOp::Rename, "C:\\Temp\\a.txt", "C:\\Temp2\\b.txt"));
    got.push_back(io.call(IoOp::Open, "C:\\Temp\\a.txt"));
    got.push_back(io.call(IoOp::Open, "C:\\Temp2\\B.txt"));
    got.push_back(io.call(IoOp::Rename, "C:\\Temp\\a.txt", "C:\\Temp2\\c.txt"));
    got.push_back(io.call(IoOp::Close, "C:\\Temp2\\b.txt"));
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::completed);
  EXPECT_EQ(got, (std::vector<NTSTATUS>{
                     STATUS_OBJECT_NAME_NOT_FOUND, STATUS_SUCCESS, STATUS_SUCCESS, STATUS_SUCCESS,
                     STATUS_OBJECT_NAME_NOT_FOUND, STATUS_SUCCESS, STATUS_OBJECT_NAME_NOT_FOUND,
                     STATUS_SUCCESS, STATUS_OBJECT_NAME_NOT_FOUND, STATUS_SUCCESS}));
  const auto& files = io.file_system().files();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files.begin()->first, "c:\\temp2\\b.txt");
  EXPECT_EQ(files.begin()->second.path, "C:\\Temp2\\b.txt");
  EXPECT_EQ(files.begin()->second.size, 100u);  // the size moves with the rename
  EXPECT_EQ(r.virtual_time, 10 * 100'000);
}

TEST(Io, CountInIsCaseInsensitiveAndIgnoresDosDevices) {
  Simulator sim;
  IoManager io(sim.kernel());
  sim.spawn("Driver", [&] {
    io.call(IoOp::Create, "C:\\Temp\\a.txt");
    io.call(IoOp::Create, "\\DosDevices\\C:\\Temp\\B.TXT");
    io.call(IoOp::Create, "\\??\\c:\\temp\\C.txt");
    io.call(IoOp::Create, "c:\\TEMP\\A.TXT");  // the same file as the first
    io.call(IoOp::Create, "C:\\Temp\\Sub\\d.txt");
    io.call(IoOp::Create, "C:\\Temp2\\e.txt");
  });
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  const FileSystem& fs = io.file_system();
  EXPECT_EQ(fs.files().size(), 5u);
  EXPECT_EQ(fs.count_in("C:\\Temp"), 3);
  EXPECT_EQ(fs.count_in("c:\\temp\\"), 3);
  EXPECT_EQ(fs.count_in("\\DosDevices\\C:\\TEMP"), 3);
  EXPECT_EQ(fs.count_in("C:\\Temp\\Sub"), 1);
  EXPECT_EQ(fs.count_in("C:\\Temp2"), 1);
  EXPECT_EQ(fs.count_in("C:\\Tem"), 0);  // a directory is a whole path component
  EXPECT_EQ(fs.count_in("C:\\Nowhere"), 0);
}

TEST(Io, EachCallTakesTheIoLatency) {
  for (Time latency : {Time{100'000}, Time{250'000}}) {
    SimulatorOptions opt;
    if (latency != 100'000) opt.io_latency = latency;  // 100 us is the default
    Simulator sim(opt);
    IoManager io(sim.kernel());
    std::vector<Time> at;
    sim.spawn("Driver", [&] {
      at.push_back(now());
      io.call(IoOp::Create, "C:\\Temp\\a.txt");
      at.push_back(now());
      io.call(IoOp::Write, "C:\\Temp\\a.txt", {}, 10);
      at.push_back(now());
      io.call(IoOp::Close, "C:\\Temp\\a.txt");
      at.push_back(now());
    }, 8, 7'000);
    ASSERT_EQ(sim.run().outcome, Outcome::completed);
    EXPECT_EQ(at, (std::vector<Time>{7'000, 7'000 + latency, 7'000 + 2 * latency,
                                     7'000 + 3 * latency}));
  }
}

TEST(Io, ConcurrentCallsOverlapAndTheDeviceAppliesThemAtCompletion) {
  Simulator sim({.processors = 2});
  IoManager io(sim.kernel());
  Time a_done = -1, b_done = -1;
  NTSTATUS b_status = -1;
  sim.spawn("A", [&] {
    io.call(IoOp::Create, "C:\\Temp\\a.txt");
    a_done = now();
  });
  // B opens at 50 us, before A's create completes at 100 us: not found yet.
  sim.spawn("B", [&] {
    b_status = io.call(IoOp::Open, "C:\\Temp\\a.txt");
    b_done = now();
  }, 8, 50'000);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(a_done, 100'000);
  EXPECT_EQ(b_done, 150'000);
  EXPECT_EQ(b_status, STATUS_SUCCESS);  // B's open is applied at 150 us, after A's create
}

// ---- completion by special kernel APC ----------------------------------------------------------

// Records who sets which event: IopCompleteRequest's KeSetEvent runs in the APC, so `by` is the
// thread the APC was delivered to.
struct SignalLog final : Observer {
  std::vector<std::pair<std::string, std::string>> signals;
  void on_signal(KTHREAD* by, KOBJECT_BASE& obj) override {
    signals.emplace_back(by ? by->name : "<none>", obj.name);
  }
};

TEST(IoCompletion, ApcRoutineRunsOnTheIssuingThread) {
  Simulator sim({.processors = 2});
  IoManager io(sim.kernel());
  SignalLog log;
  sim.kernel().add_observer(&log);
  sim.spawn("A", [&] { io.call(IoOp::Create, "C:\\Temp\\a.txt"); });
  sim.spawn("B", [&] { io.call(IoOp::Create, "C:\\Temp\\b.txt"); }, 8, 10'000);
  ASSERT_EQ(sim.run().outcome, Outcome::completed);
  EXPECT_EQ(log.signals, (std::vector<std::pair<std::string, std::string>>{
                             {"A", "A.IoCompletionEvent"}, {"B", "B.IoCompletionEvent"}}));
}

TEST(IoCompletion, SpecialApcIsDeliveredInsideACriticalRegion) {
  Simulator sim;
  IoManager io(sim.kernel());
  NTSTATUS status = -1;
  Time done = -1;
  std::int16_t kernel_disable = 0;
  sim.spawn("Writer", [&] {
    KeEnterCriticalRegion();
    kernel_disable = KeGetCurrentThread()->KernelApcDisable;
    status = io.call(IoOp::Create, "C:\\Temp\\a.txt");
    done = now();
    KeLeaveCriticalRegion();
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::completed);
  EXPECT_EQ(kernel_disable, -1);
  EXPECT_EQ(status, STATUS_SUCCESS);
  EXPECT_EQ(done, 100'000);
  EXPECT_EQ(io.file_system().count_in("C:\\Temp"), 1);
}

void expect_io_hang(const RunResult& r, KTHREAD& writer, const IoManager& io) {
  ASSERT_EQ(r.outcome, Outcome::hang);
  EXPECT_FALSE(r.bugcheck.has_value());
  ASSERT_EQ(r.blocked.size(), 1u);
  EXPECT_EQ(r.blocked[0].thread, writer.index);
  EXPECT_EQ(r.blocked[0].state, KTHREAD_STATE::Waiting);
  EXPECT_EQ(r.blocked[0].reason, Executive);
  EXPECT_EQ(r.blocked[0].waiting_on, "Writer.IoCompletionEvent");
  // The device did its part: the request was applied; only the completion APC is stuck.
  EXPECT_EQ(io.file_system().files().at("c:\\temp\\a.txt").size, 10u);
  ASSERT_NE(writer.ApcState.ApcListHead[0].front(), nullptr);
  EXPECT_EQ(writer.ApcState.ApcListHead[0].front()->label, "nt!IopCompleteRequest");
  EXPECT_EQ(writer.ApcState.ApcListHead[0].front()->kind, ApcKind::Special);
}

TEST(IoCompletion, GuardedRegionHangsTheCallerInExecutive) {
  Simulator sim;
  IoManager io(sim.kernel());
  bool returned = false;
  KTHREAD& w = sim.spawn("Writer", [&] {
    io.call(IoOp::Create, "C:\\Temp\\a.txt");
    KeEnterGuardedRegion();
    io.call(IoOp::Write, "C:\\Temp\\a.txt", {}, 10);
    returned = true;
    KeLeaveGuardedRegion();
  });
  RunResult r = sim.run();
  expect_io_hang(r, w, io);
  EXPECT_FALSE(returned);
  EXPECT_EQ(w.SpecialApcDisable, -1);
}

TEST(IoCompletion, GuardedMutexHeldHangsTheCaller) {
  Simulator sim;
  IoManager io(sim.kernel());
  auto& g = sim.kernel().create_guarded_mutex("G", KOBJECTS::GuardedMutexObject);
  KTHREAD& w = sim.spawn("Writer", [&] {
    io.call(IoOp::Create, "C:\\Temp\\a.txt");
    KeAcquireGuardedMutex(g);
    io.call(IoOp::Write, "C:\\Temp\\a.txt", {}, 10);
    KeReleaseGuardedMutex(g);
  });
  expect_io_hang(sim.run(), w, io);
}

// What ExAcquireFastMutex does to the caller: raise to APC_LEVEL (SEMANTICS.md §9). io_test links
// only kesim_api and kesim_io, so the raise is done directly; the scenario suite covers the fast
// mutex itself (scenarios/seeds/fast_mutex_io_hang.yaml).
TEST(IoCompletion, WaitAtApcLevelHangsTheCaller) {
  Simulator sim;
  IoManager io(sim.kernel());
  bool returned = false;
  KTHREAD& w = sim.spawn("Writer", [&] {
    io.call(IoOp::Create, "C:\\Temp\\a.txt");
    const KIRQL old = KeRaiseIrql(APC_LEVEL);
    io.call(IoOp::Write, "C:\\Temp\\a.txt", {}, 10);
    returned = true;
    KeLowerIrql(old);
  });
  RunResult r = sim.run();
  expect_io_hang(r, w, io);
  EXPECT_FALSE(returned);
  EXPECT_EQ(w.WaitIrql, APC_LEVEL);
  EXPECT_EQ(w.SpecialApcDisable, 0);  // IRQL alone blocks the APC
  EXPECT_EQ(w.KernelApcDisable, 0);
}

TEST(IoCompletion, LeavingTheGuardedRegionBeforeTheCallCompletes) {
  // Control: the same write outside the region completes in 100 us.
  Simulator sim;
  IoManager io(sim.kernel());
  NTSTATUS status = -1;
  sim.spawn("Writer", [&] {
    io.call(IoOp::Create, "C:\\Temp\\a.txt");
    KeEnterGuardedRegion();
    KeLeaveGuardedRegion();
    status = io.call(IoOp::Write, "C:\\Temp\\a.txt", {}, 10);
  });
  RunResult r = sim.run();
  ASSERT_EQ(r.outcome, Outcome::completed);
  EXPECT_EQ(status, STATUS_SUCCESS);
  EXPECT_EQ(r.virtual_time, 200'000);
}

}  // namespace
}  // namespace kesim
