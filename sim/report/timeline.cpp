// sim/report/timeline.cpp — the run as Chrome trace-event JSON (loads in Perfetto, chrome://tracing
// and Chrome DevTools' Performance panel; format: "Trace Event Format", Google, JSON Object Format).
//   pid 1 "CPUs":    one track per CPU (tid = CPU number): a slice per stretch a thread ran, from
//                    Dispatch to the next Dispatch/Preempt/WaitBegin/ThreadExit on that CPU;
//                    tid = processors is "Kernel / run": records without a thread (timer expiry),
//                    and at the end one instant per finding and one for the outcome.
//   pid 2 "Threads": one track per thread (tid = thread index): slices Running / Ready / <wait
//                    reason>, and an instant per record that opens or closes no slice (IRQL,
//                    APC-disable, lock, signal, priority, log text, bugcheck...). APC delivery is
//                    on a companion track (tid = 10000 + index, "NAME APCs"): an APC routine may
//                    wait or be preempted, so its span does not nest inside one state slice.
//   pid 3 "Locks":   one track per (lock, holder) pair, "LOCK held by T": a slice per hold, from
//                    LockAcquire to the LockRelease (shared holders overlap, so one track each).
// Every slice is a B/E pair written when its record is met, so (1) every track's timestamps are
// non-decreasing, (2) an E always carries the name of its B, (3) a zero-length stay (a Ready
// ended at the same instant, everything at time 0) is kept, not dropped — the old X-slice writer
// dropped zero-length Ready stays, so a run's first events at ts 0 went missing. Every trace
// record appears in at least one event whose args carry its "seq" (tests/report check this).
// ts is microseconds (virtual ns / 1000, printed exactly with three decimals). Records come from
// trace().all(), so the machine must keep the trace (Config::keep_trace).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "sim/check/catalog.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

using engine::TraceKind;
using engine::TraceRecord;

namespace {

constexpr int kCpuPid = 1;
constexpr int kThreadPid = 2;
constexpr int kLockPid = 3;
constexpr int kApcTidBase = 10000;

std::string us(engine::Time ns) {
  if (ns < 0) ns = 0;
  return fmt::format("{}.{:03}", ns / 1000, ns % 1000);
}

struct Slice {
  bool open = false;
  std::string name;
  std::int32_t thread = -1;  // CPU slices: the thread running
};

struct LockTrack {
  int tid = 0;
  int depth = 0;              // recursive acquisitions (mutexes)
  std::string name;           // the slice name, identical on B and E
};

class Builder {
 public:
  Builder(const ke::Kernel& k, const RunInfo* info)
      : k_(k), info_(info), cpus_(static_cast<std::size_t>(k.engine().processors())),
        threads_(k.threads().size()) {
    out_ = "{\"traceEvents\":[\n";
    metadata();
  }

  void add(const TraceRecord& r) {
    end_ = std::max(end_, r.time);
    covered_ = false;
    switch (r.kind) {
      case TraceKind::Dispatch:
        close_cpu(r.cpu, r);
        open_cpu(r);
        set_state(r, "Running", fmt::format(",\"cpu\":{},\"priority\":{}", r.cpu, r.a));
        break;
      case TraceKind::Preempt:
        close_cpu_of(r);
        set_state(r, "Ready", fmt::format(",\"preempted\":true,\"priority\":{}", r.a));
        break;
      case TraceKind::Ready:
        set_state(r, "Ready", fmt::format(",\"priority\":{}", r.a));
        break;
      case TraceKind::WaitBegin:
        close_cpu_of(r);
        set_state(r, ke::wait_reason_name(static_cast<ke::KWAIT_REASON>(r.a)),
                  ",\"object\":" + jstr(object_label(k_, r.object)));
        break;
      case TraceKind::ThreadExit:
        close_cpu_of(r);
        if (Slice* s = thread(r.thread)) close(*s, kThreadPid, r.thread, r);
        break;
      case TraceKind::ApcDeliverBegin:
      case TraceKind::ApcDeliverEnd: apc(r); break;
      case TraceKind::LockAcquire:
      case TraceKind::LockRelease: lock(r); break;
      default: break;
    }
    if (!covered_) instant(r);
  }

  std::string finish() {
    end_ = std::max(end_, k_.engine().now());
    TraceRecord last;
    last.time = end_;
    last.seq = 0;
    for (std::size_t c = 0; c < cpus_.size(); ++c) close(cpus_[c], kCpuPid, static_cast<int>(c), last, false);
    for (std::size_t t = 0; t < threads_.size(); ++t) close(threads_[t], kThreadPid, static_cast<int>(t), last, false);
    for (auto& [tid, names] : apc_stack_)
      while (!names.empty()) {
        event(fmt::format(R"({{"name":{},"cat":"apc","ph":"E","ts":{},"pid":{},"tid":{}}})", jstr(names.back()),
                          us(end_), kThreadPid, tid));
        names.pop_back();
      }
    for (auto& [key, track] : locks_)
      for (; track.depth > 0; --track.depth)
        event(fmt::format(R"({{"name":{},"cat":"lock","ph":"E","ts":{},"pid":{},"tid":{}}})", jstr(track.name),
                          us(end_), kLockPid, track.tid));
    run_markers();
    // Track names that depend on what the run did (APC and lock tracks) come last: metadata
    // events have no timestamp, so their position does not matter to a viewer.
    for (const ke::KTHREAD* t : k_.threads())
      if (apc_stack_.count(kApcTidBase + t->index))
        meta("thread_name", kThreadPid, kApcTidBase + t->index, t->name + " APCs", 2 * t->index + 1);
    for (const auto& [key, track] : locks_)
      meta("thread_name", kLockPid, track.tid,
           fmt::format("{} held by {}", object_label(k_, key.first), thread_label(k_, key.second)), track.tid);
    out_ += fmt::format("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{{\"trace_hash\":\"{:016x}\"",
                        const_cast<ke::Kernel&>(k_).engine().trace().hash());
    if (info_ && info_->source) out_ += ",\"scenario\":" + jstr(info_->source->name());
    if (const_cast<ke::Kernel&>(k_).engine().trace().truncated()) out_ += ",\"truncated\":true";
    out_ += "}}\n";
    return std::move(out_);
  }

 private:
  void event(const std::string& e) {
    if (!first_) out_ += ",\n";
    first_ = false;
    out_ += e;
  }
  void meta(const char* what, int pid, int tid, const std::string& name, int sort) {
    const bool process = std::string_view(what) == "process_name";
    event(fmt::format(R"({{"name":"{}","ph":"M","pid":{},"tid":{},"args":{{"name":{}}}}})", what, pid, tid,
                      jstr(name)));
    event(fmt::format(R"({{"name":"{}","ph":"M","pid":{},"tid":{},"args":{{"sort_index":{}}}}})",
                      process ? "process_sort_index" : "thread_sort_index", pid, tid, sort));
  }
  void metadata() {
    meta("process_name", kCpuPid, 0, "CPUs", 1);
    meta("process_name", kThreadPid, 0, "Threads", 2);
    meta("process_name", kLockPid, 0, "Locks", 3);
    for (std::size_t c = 0; c < cpus_.size(); ++c)
      meta("thread_name", kCpuPid, static_cast<int>(c), fmt::format("CPU {}", c), static_cast<int>(c));
    meta("thread_name", kCpuPid, kernel_tid(), "Kernel / run", kernel_tid());
    for (const ke::KTHREAD* t : k_.threads()) meta("thread_name", kThreadPid, t->index, t->name, 2 * t->index);
  }
  int kernel_tid() const { return static_cast<int>(cpus_.size()); }

  Slice* thread(std::int32_t t) {
    if (t < 0 || static_cast<std::size_t>(t) >= threads_.size()) return nullptr;
    return &threads_[static_cast<std::size_t>(t)];
  }

  // B with the record's seq; the slice remembers its name for the E.
  void open(Slice& s, int pid, int tid, std::string name, const TraceRecord& r, const std::string& args,
            std::int32_t running = -1) {
    event(fmt::format(R"({{"name":{},"cat":"{}","ph":"B","ts":{},"pid":{},"tid":{},"args":{{"seq":{}{}}}}})",
                      jstr(name), pid == kCpuPid ? "cpu" : "state", us(r.time), pid, tid, r.seq, args));
    s = Slice{true, std::move(name), running};
    covered_ = true;
  }
  void close(Slice& s, int pid, int tid, const TraceRecord& r, bool with_seq = true) {
    if (!s.open) return;
    s.open = false;
    const std::string args = with_seq ? fmt::format(R"(,"args":{{"end_seq":{}}})", r.seq) : "";
    event(fmt::format(R"({{"name":{},"cat":"{}","ph":"E","ts":{},"pid":{},"tid":{}{}}})", jstr(s.name),
                      pid == kCpuPid ? "cpu" : "state", us(r.time), pid, tid, args));
    if (with_seq) covered_ = true;
  }
  void open_cpu(const TraceRecord& r) {
    if (r.cpu < 0 || static_cast<std::size_t>(r.cpu) >= cpus_.size()) return;
    open(cpus_[static_cast<std::size_t>(r.cpu)], kCpuPid, r.cpu, thread_label(k_, r.thread), r,
         fmt::format(",\"priority\":{}", r.a), r.thread);
  }
  void close_cpu(int c, const TraceRecord& r) {
    if (c >= 0 && static_cast<std::size_t>(c) < cpus_.size()) close(cpus_[static_cast<std::size_t>(c)], kCpuPid, c, r);
  }
  void close_cpu_of(const TraceRecord& r) {
    for (std::size_t c = 0; c < cpus_.size(); ++c)
      if (cpus_[c].open && cpus_[c].thread == r.thread) close(cpus_[c], kCpuPid, static_cast<int>(c), r);
  }
  void set_state(const TraceRecord& r, const std::string& name, const std::string& args) {
    Slice* s = thread(r.thread);
    if (!s) return;
    if (s->open && s->name == name && name == "Ready") return;  // re-queued: one stay (instant below)
    close(*s, kThreadPid, r.thread, r);
    open(*s, kThreadPid, r.thread, name, r, args);
  }

  void apc(const TraceRecord& r) {
    const char* kinds[] = {"Special kernel APC", "Normal kernel APC", "User APC"};
    const int tid = kApcTidBase + r.thread;
    std::vector<std::string>& names = apc_stack_[tid];
    if (r.kind == TraceKind::ApcDeliverBegin) {
      // The name carries the KAPC address, so nested deliveries read apart; the E reuses it.
      names.push_back(fmt::format("{} {}", r.a >= 0 && r.a < 3 ? kinds[r.a] : "APC",
                                  debugger_address(static_cast<std::uint64_t>(r.b))));
      event(fmt::format(R"({{"name":{},"cat":"apc","ph":"B","ts":{},"pid":{},"tid":{},"args":{{"seq":{}}}}})",
                        jstr(names.back()), us(r.time), kThreadPid, tid, r.seq));
      covered_ = true;
    } else if (!names.empty()) {
      event(fmt::format(R"({{"name":{},"cat":"apc","ph":"E","ts":{},"pid":{},"tid":{},"args":{{"end_seq":{}}}}})",
                        jstr(names.back()), us(r.time), kThreadPid, tid, r.seq));
      names.pop_back();
      covered_ = true;
    }
  }

  void lock(const TraceRecord& r) {
    if (r.object < 0 || r.thread < 0) return;
    if (r.kind == TraceKind::LockAcquire) {
      auto [it, added] = locks_.try_emplace({r.object, r.thread});
      LockTrack& t = it->second;
      if (added) t.tid = next_lock_tid_++;
      if (t.depth++ == 0) t.name = fmt::format("{} ({})", object_label(k_, r.object), r.a ? "exclusive" : "shared");
      event(fmt::format(R"({{"name":{},"cat":"lock","ph":"B","ts":{},"pid":{},"tid":{},"args":{{"seq":{},"holder":{}}}}})",
                        jstr(t.name), us(r.time), kLockPid, t.tid, r.seq, jstr(thread_label(k_, r.thread))));
      covered_ = true;
      return;
    }
    // A release by the holder closes its span; a foreign release (another thread releases the
    // lock) closes the oldest open span of that lock, and says who released it.
    auto it = locks_.find({r.object, r.thread});
    if (it == locks_.end() || it->second.depth == 0) {
      it = std::find_if(locks_.begin(), locks_.end(),
                        [&](const auto& e) { return e.first.first == r.object && e.second.depth > 0; });
      if (it == locks_.end()) return;
    }
    LockTrack& t = it->second;
    --t.depth;
    event(fmt::format(R"({{"name":{},"cat":"lock","ph":"E","ts":{},"pid":{},"tid":{},"args":{{"end_seq":{},"released_by":{}}}}})",
                      jstr(t.name), us(r.time), kLockPid, t.tid, r.seq, jstr(thread_label(k_, r.thread))));
    covered_ = true;
  }

  // Readable arguments per kind: names, not raw a/b numbers.
  std::string args_of(const TraceRecord& r) {
    std::string args = fmt::format("\"seq\":{},\"cpu\":{},\"what\":{}", r.seq, r.cpu, jstr(describe_trace_record(k_, r)));
    if (r.object >= 0) args += ",\"object\":" + jstr(object_label(k_, r.object));
    switch (r.kind) {
      case TraceKind::Irql:
        args += fmt::format(",\"from\":\"{}\",\"to\":\"{}\"", ke::irql_name(static_cast<ke::KIRQL>(r.b)),
                            ke::irql_name(static_cast<ke::KIRQL>(r.a)));
        break;
      case TraceKind::KernelApcDisable:
      case TraceKind::SpecialApcDisable: args += fmt::format(",\"from\":{},\"to\":{}", r.a - r.b, r.a); break;
      case TraceKind::Priority: args += fmt::format(",\"from\":{},\"to\":{}", r.b, r.a); break;
      case TraceKind::Unblock:
      case TraceKind::WaitEnd:
        args += ",\"status\":" + jstr(ke::status_name(static_cast<ke::NTSTATUS>(r.a)));
        break;
      case TraceKind::WorkBegin:
      case TraceKind::WorkEnd: args += ",\"work\":" + jstr(format_time(r.a)); break;
      case TraceKind::LockTry: args += fmt::format(",\"result\":\"{}\"", r.a ? "TRUE" : "FALSE"); break;
      case TraceKind::Log:
        if (info_ && r.a >= 0 && static_cast<std::size_t>(r.a) < info_->output.size())
          args += ",\"text\":" + jstr(info_->output[static_cast<std::size_t>(r.a)]);
        break;
      case TraceKind::Bugcheck: args += fmt::format(",\"code\":\"0x{:x}\"", static_cast<std::uint64_t>(r.a)); break;
      default: break;
    }
    return args;
  }

  void instant(const TraceRecord& r) {
    std::string name = describe_trace_record(k_, r);
    const char* scope = "t";
    if (r.kind == TraceKind::Bugcheck) {
      const check::BugcheckInfo* info = check::find_bugcheck(static_cast<std::uint32_t>(r.a));
      name = fmt::format("BUGCHECK 0x{:x} {}", r.a, info ? info->name : "");
      scope = "g";
    } else if (r.kind == TraceKind::Log && info_ && r.a >= 0 &&
               static_cast<std::size_t>(r.a) < info_->output.size()) {
      // The first line of what the log/dump step printed (a dump is a view: its prompt line).
      const std::string& text = info_->output[static_cast<std::size_t>(r.a)];
      name = text.substr(0, std::min(text.find('\n'), std::size_t{120}));
    }
    int pid = kThreadPid, tid = r.thread;
    if (r.thread < 0 || static_cast<std::size_t>(r.thread) >= threads_.size()) {
      pid = kCpuPid;
      tid = kernel_tid();
    }
    event(fmt::format(R"({{"name":{},"cat":"{}","ph":"i","s":"{}","ts":{},"pid":{},"tid":{},"args":{{{}}}}})",
                      jstr(name), engine::trace_kind_name(r.kind), scope, us(r.time), pid, tid, args_of(r)));
  }

  // Findings and the outcome, as global instants at the end of the run.
  void run_markers() {
    if (!info_) return;
    if (info_->findings)
      for (const check::Finding& f : *info_->findings)
        event(fmt::format(R"({{"name":{},"cat":"finding","ph":"i","s":"g","ts":{},"pid":{},"tid":{},"args":{{"kind":{},"message":{}}}}})",
                          jstr("finding: " + f.kind), us(end_), kCpuPid, kernel_tid(), jstr(f.kind), jstr(f.message)));
    if (info_->result)
      event(fmt::format(R"({{"name":{},"cat":"outcome","ph":"i","s":"g","ts":{},"pid":{},"tid":{},"args":{{"outcome":{},"events":{},"steps":{}}}}})",
                        jstr(fmt::format("outcome: {}", check::outcome_name(info_->result->outcome))), us(end_),
                        kCpuPid, kernel_tid(), jstr(check::outcome_name(info_->result->outcome)),
                        info_->result->events, info_->result->steps));
  }

  const ke::Kernel& k_;
  const RunInfo* info_;
  std::vector<Slice> cpus_;
  std::vector<Slice> threads_;
  std::map<int, std::vector<std::string>> apc_stack_;             // APC track tid -> open B names
  std::map<std::pair<std::int32_t, std::int32_t>, LockTrack> locks_;  // (lock, holder) -> track
  int next_lock_tid_ = 1;
  std::string out_;
  bool first_ = true;
  bool covered_ = false;  // the current record already appears in an event
  engine::Time end_ = 0;
};

std::string render(const ke::Kernel& k, const RunInfo* info) {
  Builder b(k, info);
  for (const TraceRecord& r : const_cast<ke::Kernel&>(k).engine().trace().all()) b.add(r);
  return b.finish();
}

}  // namespace

std::string jstr(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string render_chrome_trace(const ke::Kernel& k, const SourceMap* p) {
  RunInfo info;
  info.source = p;
  info.kernel = &k;
  return render(k, &info);
}

std::string render_chrome_trace(const RunInfo& info) { return render(*info.kernel, &info); }

}  // namespace kesim::report
