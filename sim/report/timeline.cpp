// sim/report/timeline.cpp — the run as Chrome trace-event JSON (loads in Perfetto and
// chrome://tracing; format: "Trace Event Format", Google, the JSON Object Format).
//   pid 1 "CPUs":    one track per CPU (tid = CPU number): an X slice per stretch a thread ran,
//                    from Dispatch to the next Dispatch/Preempt/WaitBegin/ThreadExit on that CPU;
//                    tid = processors is "Kernel" (events without a thread, e.g. timer expiry).
//   pid 2 "Threads": one track per thread (tid = thread index): X slices Running / Ready /
//                    <wait reason>, and instant events for IRQL, APC-disable, lock, signal and
//                    priority changes and the bugcheck. APC delivery is B/E on a companion track
//                    (tid = 10000 + index, "NAME APCs"): an APC routine may wait or be preempted,
//                    so its span does not nest inside one state slice and would break the track.
// ts/dur are microseconds (virtual ns / 1000, printed exactly with three decimals). Records come
// from trace().all(), so the kernel must have been run with keep_all; without it only the
// metadata is emitted. Events are written straight into the output with fmt (a run can have
// millions): slices in the order they close, then the metadata; viewers sort by ts.
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
constexpr int kApcTidBase = 10000;

// Virtual ns as trace-event microseconds, exactly: "1234.567".
std::string us(engine::Time ns) {
  if (ns < 0) ns = 0;
  return fmt::format("{}.{:03}", ns / 1000, ns % 1000);
}

// A JSON string literal (quotes included). Never throws: bytes >= 0x80 pass through.
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

struct Slice {
  bool open = false;
  std::string name;
  engine::Time start = 0;
  std::string args;          // a rendered JSON object
  std::int32_t thread = -1;  // CPU slices: the thread running
};

class Builder {
 public:
  explicit Builder(const ke::Kernel& k)
      : k_(k), cpus_(static_cast<std::size_t>(k.engine().processors())), threads_(k.threads().size()) {
    out_ = "{\"traceEvents\":[\n";
  }

  void add(const TraceRecord& r) {
    end_ = std::max(end_, r.time);
    switch (r.kind) {
      case TraceKind::Dispatch:
        close_cpu(r.cpu, r.time);
        open(cpu(r.cpu), thread_label(k_, r.thread), r.time, fmt::format("{{\"priority\":{}}}", r.a), r.thread);
        set_state(r.thread, "Running", r.time, fmt::format("{{\"cpu\":{},\"priority\":{}}}", r.cpu, r.a));
        return;
      case TraceKind::Preempt:
        close_cpu_of(r.thread, r.time);
        set_state(r.thread, "Ready", r.time, "{\"preempted\":true}");
        return;
      case TraceKind::Ready:
        set_state(r.thread, "Ready", r.time, "{}");
        return;
      case TraceKind::WaitBegin:
        close_cpu_of(r.thread, r.time);
        set_state(r.thread, ke::wait_reason_name(static_cast<ke::KWAIT_REASON>(r.a)), r.time,
                  "{\"object\":" + jstr(object_label(k_, r.object)) + "}");
        return;
      case TraceKind::Unblock:
        if (Slice* s = thread(r.thread)) close(*s, kThreadPid, r.thread, r.time);
        instant(r);
        return;
      case TraceKind::ThreadExit:
        close_cpu_of(r.thread, r.time);
        if (Slice* s = thread(r.thread)) close(*s, kThreadPid, r.thread, r.time);
        instant(r);
        return;
      case TraceKind::ApcDeliverBegin:
      case TraceKind::ApcDeliverEnd: apc(r); return;
      case TraceKind::WorkBegin:
      case TraceKind::WorkEnd: return;  // the Running slices show CPU use
      default: instant(r); return;
    }
  }

  std::string finish(const SourceMap* p) {
    end_ = std::max(end_, k_.engine().now());
    for (std::size_t c = 0; c < cpus_.size(); ++c) close(cpus_[c], kCpuPid, static_cast<int>(c), end_);
    for (std::size_t t = 0; t < threads_.size(); ++t) close(threads_[t], kThreadPid, static_cast<int>(t), end_);
    for (auto& [tid, depth] : apc_depth_)
      for (; depth > 0; --depth)
        event(fmt::format(R"({{"name":"APC","ph":"E","ts":{},"pid":{},"tid":{}}})", us(end_), kThreadPid, tid));

    meta("process_name", kCpuPid, 0, "CPUs", 1);
    meta("process_name", kThreadPid, 0, "Threads", 2);
    for (std::size_t c = 0; c < cpus_.size(); ++c)
      meta("thread_name", kCpuPid, static_cast<int>(c), fmt::format("CPU {}", c), static_cast<int>(c));
    if (kernel_track_used_)
      meta("thread_name", kCpuPid, static_cast<int>(cpus_.size()), "Kernel", static_cast<int>(cpus_.size()));
    for (const ke::KTHREAD* t : k_.threads()) {
      meta("thread_name", kThreadPid, t->index, t->name, 2 * t->index);
      if (apc_depth_.count(kApcTidBase + t->index))
        meta("thread_name", kThreadPid, kApcTidBase + t->index, t->name + " APCs", 2 * t->index + 1);
    }
    out_ += fmt::format("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{{\"trace_hash\":\"{:016x}\"",
                        const_cast<ke::Kernel&>(k_).engine().trace().hash());
    if (p) out_ += ",\"scenario\":" + jstr(p->name());
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

  Slice& cpu(int c) {
    if (c < 0 || static_cast<std::size_t>(c) >= cpus_.size()) return scratch_;
    return cpus_[static_cast<std::size_t>(c)];
  }
  Slice* thread(std::int32_t t) {
    if (t < 0 || static_cast<std::size_t>(t) >= threads_.size()) return nullptr;
    return &threads_[static_cast<std::size_t>(t)];
  }

  void open(Slice& s, std::string name, engine::Time at, std::string args, std::int32_t thread = -1) {
    s = Slice{true, std::move(name), at, std::move(args), thread};
  }
  void close(Slice& s, int pid, int tid, engine::Time at) {
    if (!s.open) return;
    s.open = false;
    if (at <= s.start && s.name == "Ready") return;  // an instant hand-over, not a stay in the queue
    event(fmt::format(R"({{"name":{},"cat":"{}","ph":"X","ts":{},"dur":{},"pid":{},"tid":{},"args":{}}})",
                      jstr(s.name), pid == kCpuPid ? "cpu" : "state", us(s.start), us(at - s.start), pid,
                      tid, s.args));
  }
  void close_cpu(int c, engine::Time at) {
    if (c >= 0 && static_cast<std::size_t>(c) < cpus_.size())
      close(cpus_[static_cast<std::size_t>(c)], kCpuPid, c, at);
  }
  void close_cpu_of(std::int32_t t, engine::Time at) {
    for (std::size_t c = 0; c < cpus_.size(); ++c)
      if (cpus_[c].open && cpus_[c].thread == t) close(cpus_[c], kCpuPid, static_cast<int>(c), at);
  }
  void set_state(std::int32_t t, const std::string& name, engine::Time at, std::string args) {
    Slice* s = thread(t);
    if (!s) return;
    if (s->open && s->name == name && name == "Ready") return;  // re-queued: one stay
    close(*s, kThreadPid, t, at);
    open(*s, name, at, std::move(args));
  }

  void apc(const TraceRecord& r) {
    static constexpr const char* kKinds[] = {"Special kernel APC", "Normal kernel APC", "User APC"};
    const char* name = r.a >= 0 && r.a < 3 ? kKinds[r.a] : "APC";
    const int tid = kApcTidBase + r.thread;
    int& depth = apc_depth_[tid];
    if (r.kind == TraceKind::ApcDeliverBegin) {
      ++depth;
      event(fmt::format(R"({{"name":"{}","cat":"apc","ph":"B","ts":{},"pid":{},"tid":{},"args":{{"apc":"{}"}}}})",
                        name, us(r.time), kThreadPid, tid, debugger_address(static_cast<std::uint64_t>(r.b))));
    } else if (depth > 0) {
      --depth;
      event(fmt::format(R"({{"name":"{}","cat":"apc","ph":"E","ts":{},"pid":{},"tid":{}}})", name, us(r.time),
                        kThreadPid, tid));
    }
  }

  void instant(const TraceRecord& r) {
    std::string name = describe_trace_record(k_, r);
    const char* scope = "t";
    if (r.kind == TraceKind::Bugcheck) {
      const check::BugcheckInfo* info = check::find_bugcheck(static_cast<std::uint32_t>(r.a));
      name = fmt::format("BUGCHECK 0x{:x} {}", r.a, info ? info->name : "");
      scope = "g";
    }
    int pid = kThreadPid, tid = r.thread;
    if (r.thread < 0) {
      kernel_track_used_ = true;
      pid = kCpuPid;
      tid = static_cast<int>(cpus_.size());
    }
    std::string args = fmt::format("{{\"cpu\":{},\"a\":{},\"b\":{}", r.cpu, r.a, r.b);
    if (r.object >= 0) args += ",\"object\":" + jstr(object_label(k_, r.object));
    event(fmt::format(R"({{"name":{},"cat":"{}","ph":"i","s":"{}","ts":{},"pid":{},"tid":{},"args":{}}}}})",
                      jstr(name), engine::trace_kind_name(r.kind), scope, us(r.time), pid, tid, args));
  }

  const ke::Kernel& k_;
  std::vector<Slice> cpus_;
  std::vector<Slice> threads_;
  Slice scratch_;
  std::map<int, int> apc_depth_;  // APC track tid -> open B events
  std::string out_;
  bool first_ = true;
  engine::Time end_ = 0;
  bool kernel_track_used_ = false;
};

}  // namespace

std::string render_chrome_trace(const ke::Kernel& k, const SourceMap* p) {
  Builder b(k);
  for (const TraceRecord& r : const_cast<ke::Kernel&>(k).engine().trace().all()) b.add(r);
  return b.finish(p);
}

}  // namespace kesim::report
