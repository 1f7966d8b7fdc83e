// sim/report/report.hpp — what a run looks like to a person or a program: the text report
// (WinDbg-style views, `!analyze -v` for a bugcheck), the JSON report of SCENARIO-FORMAT §6,
// debugger views for `dump` steps, the Chrome/Perfetto timeline and JUnit XML.
// Reports are built after the run (or at a dump step), never on the hot path.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/check/analysis.hpp"
#include "sim/check/findings.hpp"
#include "sim/report/source_map.hpp"

namespace kesim::report {

struct ExpectResult {
  bool present = false;  // the scenario has an expect block
  bool met = true;
  std::vector<std::string> mismatches;  // "outcome: expected deadlock, got completed"
  // A level's `goal:` (SCENARIO-FORMAT §9), judged like `expect`; absent in other scenarios.
  struct Goal {
    bool present = false;
    bool met = false;
    std::vector<std::string> mismatches;
  } goal;
};

// Everything a finished run report needs. `kernel` is the kernel after the run.
struct RunInfo {
  const SourceMap* source = nullptr;  // null: no program (every step unknown)
  const ke::Kernel* kernel = nullptr;
  const check::RunResult* result = nullptr;
  const check::Findings* findings = nullptr;
  ExpectResult expect;
  std::uint64_t seed = 0;
  std::vector<std::string> output;  // what log/dump steps printed during the run, in order
  // The file namespace at the end (the I/O manager's files, by normalized path): the text
  // report's `Files:` section (when there are any) and the JSON `files` key.
  struct File {
    std::string path;  // as the scenario first wrote it
    std::uint64_t size = 0;
  };
  std::vector<File> files;
};

// The text report of `kesim run`: header, the run's own output, the outcome explained (deadlock
// cycle, hang per thread, bugcheck as !analyze -v, failed assertion), findings, and for a run
// that did not complete the views !thread (blocked threads), !locks and !waiters. Ends with a
// summary line: virtual time, events, context switches, trace hash.
std::string render_text(const RunInfo& info);

// SCENARIO-FORMAT §6, one object per scenario.
nlohmann::json to_json(const RunInfo& info);

// One debugger view, at a dump step (current = the thread executing the dump) or at the end.
std::string render_view(const ke::Kernel& k, const SourceMap& p, const View& v,
                        const ke::KTHREAD* current);
// Parses a view as a `dump` step writes it ("!thread Worker", "!locks"); nullopt if unknown.
std::optional<View> parse_view(std::string_view text);

// The step a thread was executing, as "file:line: OpName" (or "" if unknown).
std::string describe_step(const SourceMap& p, const void* step);

// The version of the trace kesim records: the event records hashed into `trace_hash` and the
// layout of the Chrome trace (`--trace-out`). Bump it when either changes, so a hash or a trace
// file from another version is not compared as if it were the same format (`kesim --version`).
inline constexpr int kTraceFormatVersion = 2;

// Chrome trace-event JSON (Perfetto-compatible): one track per CPU, per thread, per thread's
// APCs and per (lock, holder); B/E slices in record order, every record present (args.seq).
// Needs the kernel's trace recorded with keep_all. The RunInfo form also keeps the text of
// log/dump steps and marks findings and the outcome; the kernel-only form has neither.
std::string render_chrome_trace(const RunInfo& info);
std::string render_chrome_trace(const ke::Kernel& k, const SourceMap* p);

// A JSON string literal (quotes included); bytes >= 0x80 pass through.
std::string jstr(std::string_view s);

// JUnit XML for `kesim test --junit`.
struct TestCase {
  std::string name;
  std::string file;
  bool passed = true;
  std::string failure;  // mismatches / error text
  double virtual_seconds = 0;
  bool error = false;   // an <error> (crash, timeout, bad input) rather than a <failure>
  std::string failure_type = "expectation";
};
// Any bytes as XML 1.0 character data or attribute value: markup escaped, invalid UTF-8 and
// characters XML forbids replaced by U+FFFD, so the document is always well-formed.
std::string xml_escape(std::string_view s);
std::string render_junit(const std::vector<TestCase>& cases);

std::string format_time(std::int64_t ns);  // "1.250 ms", "350 us", "12 ns"
std::string hex(std::uint64_t v);          // "0xffff910145796f70"
const char* version_name(ke::Version v);   // "xp", "server2003", "win10"

// ---- pieces shared by the renderers (and usable by the CLI) ------------------------------------

// A pointer as WinDbg prints one: "ffff9101`45796f70".
std::string debugger_address(std::uint64_t v);
// The scenario source line of a step, trimmed ("- ExAcquirePushLockExclusive: FilePushLock"),
// or "" if unknown.
std::string step_source(const SourceMap& p, const void* step);
// A thread's name by kernel index ("-" for -1 or out of range).
std::string thread_label(const ke::Kernel& k, std::int32_t index);
// An object's name by kernel index ("-" for -1 or out of range).
std::string object_label(const ke::Kernel& k, std::int32_t index);
// The simulated thread id shown in Cid 0004.TTTT (0xb70 + 4 * index, like the S2 dump).
std::uint32_t thread_id(const ke::KTHREAD& t);
// Waiting, GateWait, or spinning on a lock: what `!waiters` and the reports call blocked.
bool is_blocked(const ke::KTHREAD& t);
// What a blocked thread waits on: the lock behind the wait, else the wait blocks' objects
// ("A, B"); "" if none.
std::string waiting_on(const ke::Kernel& k, const ke::KTHREAD& t);
// How a lock is held, as far as the lock itself tells: "exclusive", "shared" or "owned".
std::string lock_hold_mode(const ke::KOBJECT_BASE& lock);
// The debugger's state text of `!thread`: "WAIT: (WrPushLock) KernelMode Non-Alertable",
// "RUNNING on processor 0", "READY on processor 1", "GATEWAIT", "TERMINATED", ...
std::string thread_state_text(const ke::KTHREAD& t);
// One trace record in words: "Worker acquired FilePushLock (exclusive)".
std::string describe_trace_record(const ke::Kernel& k, const engine::TraceRecord& r);
// Trace records as a table, oldest first: time, CPU, thread, event.
std::string render_history(const ke::Kernel& k, const std::vector<engine::TraceRecord>& records);

// `!thread` of one thread (what render_view prints per thread, without the prompt line).
std::string render_thread(const ke::Kernel& k, const SourceMap& p, const ke::KTHREAD& t);
// Why a blocked thread is stuck, as steps (sim/report/causes.cpp): the step that disabled APCs
// or raised IRQL, the APC it is inside, the lost wake-up, holders that are hung themselves
// (`blocked`: the blocked threads in report order, for "above"/"below"). One sentence each.
std::vector<std::string> thread_causes(const ke::Kernel& k, const SourceMap& p,
                                       const ke::KTHREAD& t,
                                       const std::vector<std::int32_t>& blocked);
// A `k`-style stack of scenario frames, innermost first, one "#NN file:line: Op  source" line
// each: the current step, routine calls and APC frames with the steps they interrupted.
std::string render_step_stack(const SourceMap& p, const ke::KTHREAD& t, const ke::Kernel& k);
// The `!analyze -v` text of a bugcheck (banner, name, arguments, thread, step, IRQL, note,
// recent history).
std::string render_bugcheck(const ke::Kernel& k, const SourceMap& p,
                            const ke::BugcheckRecord& b);

}  // namespace kesim::report
