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
// ts/dur are microseconds (virtual ns / 1000). Records come from trace().all(), so the kernel
// must have been run with keep_all; without it only the metadata is emitted.
#include <fmt/format.h>

#include <map>

#include "sim/check/catalog.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

using engine::TraceKind;
using engine::TraceRecord;
using nlohmann::json;

namespace {

constexpr int kCpuPid = 1;
constexpr int kThreadPid = 2;
constexpr int kApcTidBase = 10000;

double us(engine::Time ns) { return static_cast<double>(ns) / 1000.0; }

struct Slice {
  bool open = false;
  std::string name;
  engine::Time start = 0;
  json args;
  std::int32_t thread = -1;  // CPU slices: the thread running
};

class Builder {
 public:
  explicit Builder(const ke::Kernel& k) : k_(k), cpus_(static_cast<std::size_t>(k.engine().processors())),
                                           threads_(k.threads().size()) {}

  void add(const TraceRecord& r) {
    end_ = std::max(end_, r.time);
    switch (r.kind) {
      case TraceKind::Dispatch:
        close_cpu(r.cpu, r.time);
        open(cpu(r.cpu), thread_label(k_, r.thread), r.time, {{"priority", r.a}}, r.thread);
        set_state(r.thread, "Running", r.time, {{"cpu", r.cpu}, {"priority", r.a}});
        return;
      case TraceKind::Preempt:
        close_cpu_of(r.thread, r.time);
        set_state(r.thread, "Ready", r.time, {{"preempted", true}});
        return;
      case TraceKind::Ready:
        set_state(r.thread, "Ready", r.time, json::object());
        return;
      case TraceKind::WaitBegin:
        close_cpu_of(r.thread, r.time);
        set_state(r.thread, ke::wait_reason_name(static_cast<ke::KWAIT_REASON>(r.a)), r.time,
                  {{"object", object_label(k_, r.object)}});
        return;
      case TraceKind::Unblock:
        if (auto* s = thread(r.thread)) close(*s, kThreadPid, r.thread, r.time);
        instant(r);
        return;
      case TraceKind::ThreadExit:
        close_cpu_of(r.thread, r.time);
        if (auto* s = thread(r.thread)) close(*s, kThreadPid, r.thread, r.time);
        instant(r);
        return;
      case TraceKind::ApcDeliverBegin:
      case TraceKind::ApcDeliverEnd: apc(r); return;
      case TraceKind::WorkBegin:
      case TraceKind::WorkEnd: return;  // the Running slices show CPU use
      default: instant(r); return;
    }
  }

  std::string finish(const scenario::Program* p) {
    end_ = std::max(end_, k_.engine().now());
    for (std::size_t c = 0; c < cpus_.size(); ++c) close(cpus_[c], kCpuPid, static_cast<int>(c), end_);
    for (std::size_t t = 0; t < threads_.size(); ++t)
      close(threads_[t], kThreadPid, static_cast<int>(t), end_);
    for (auto& [tid, depth] : apc_depth_)
      for (; depth > 0; --depth)
        events_.push_back({{"name", "APC"}, {"ph", "E"}, {"ts", us(end_)}, {"pid", kThreadPid}, {"tid", tid}});

    std::vector<json> meta;
    auto name_meta = [&](const char* what, int pid, int tid, const std::string& name, int sort) {
      meta.push_back({{"name", what}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}});
      const char* sort_what = std::string(what) == "process_name" ? "process_sort_index" : "thread_sort_index";
      meta.push_back({{"name", sort_what}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"sort_index", sort}}}});
    };
    name_meta("process_name", kCpuPid, 0, "CPUs", 1);
    name_meta("process_name", kThreadPid, 0, "Threads", 2);
    for (std::size_t c = 0; c < cpus_.size(); ++c)
      name_meta("thread_name", kCpuPid, static_cast<int>(c), fmt::format("CPU {}", c), static_cast<int>(c));
    if (kernel_track_used_)
      name_meta("thread_name", kCpuPid, static_cast<int>(cpus_.size()), "Kernel", static_cast<int>(cpus_.size()));
    for (const ke::KTHREAD* t : k_.threads()) {
      name_meta("thread_name", kThreadPid, t->index, t->name, 2 * t->index);
      if (apc_depth_.count(kApcTidBase + t->index))
        name_meta("thread_name", kThreadPid, kApcTidBase + t->index, t->name + " APCs", 2 * t->index + 1);
    }

    std::string out = "{\"traceEvents\":[\n";
    bool first = true;
    for (const std::vector<json>* list : {&meta, &events_})
      for (const json& e : *list) {
        if (!first) out += ",\n";
        first = false;
        out += e.dump();
      }
    json other = {{"trace_hash", fmt::format("{:016x}", const_cast<ke::Kernel&>(k_).engine().trace().hash())}};
    if (p) other["scenario"] = p->name;
    out += "\n],\"displayTimeUnit\":\"ns\",\"otherData\":" + other.dump() + "}\n";
    return out;
  }

 private:
  Slice& cpu(int c) {
    if (c < 0 || static_cast<std::size_t>(c) >= cpus_.size()) return scratch_;
    return cpus_[static_cast<std::size_t>(c)];
  }
  Slice* thread(std::int32_t t) {
    if (t < 0 || static_cast<std::size_t>(t) >= threads_.size()) return nullptr;
    return &threads_[static_cast<std::size_t>(t)];
  }

  void open(Slice& s, std::string name, engine::Time at, json args, std::int32_t thread = -1) {
    s = Slice{true, std::move(name), at, std::move(args), thread};
  }
  void close(Slice& s, int pid, int tid, engine::Time at) {
    if (!s.open) return;
    s.open = false;
    if (at <= s.start && s.name == "Ready") return;  // an instant hand-over, not a stay in the queue
    events_.push_back({{"name", s.name}, {"cat", pid == kCpuPid ? "cpu" : "state"}, {"ph", "X"},
                       {"ts", us(s.start)}, {"dur", us(at - s.start)}, {"pid", pid}, {"tid", tid},
                       {"args", s.args}});
  }
  void close_cpu(int c, engine::Time at) {
    if (c >= 0 && static_cast<std::size_t>(c) < cpus_.size()) close(cpus_[static_cast<std::size_t>(c)], kCpuPid, c, at);
  }
  void close_cpu_of(std::int32_t t, engine::Time at) {
    for (std::size_t c = 0; c < cpus_.size(); ++c)
      if (cpus_[c].open && cpus_[c].thread == t) close(cpus_[c], kCpuPid, static_cast<int>(c), at);
  }
  void set_state(std::int32_t t, const std::string& name, engine::Time at, json args) {
    Slice* s = thread(t);
    if (!s) return;
    if (s->open && s->name == name && name == "Ready") return;  // re-queued: one stay
    close(*s, kThreadPid, t, at);
    open(*s, name, at, std::move(args));
  }

  void apc(const TraceRecord& r) {
    static constexpr const char* kKinds[] = {"Special kernel APC", "Normal kernel APC", "User APC"};
    const std::string name = r.a >= 0 && r.a < 3 ? kKinds[r.a] : "APC";
    const int tid = kApcTidBase + r.thread;
    int& depth = apc_depth_[tid];
    if (r.kind == TraceKind::ApcDeliverBegin) {
      ++depth;
      events_.push_back({{"name", name}, {"cat", "apc"}, {"ph", "B"}, {"ts", us(r.time)}, {"pid", kThreadPid},
                         {"tid", tid}, {"args", {{"apc", debugger_address(static_cast<std::uint64_t>(r.b))}}}});
    } else if (depth > 0) {
      --depth;
      events_.push_back({{"name", name}, {"cat", "apc"}, {"ph", "E"}, {"ts", us(r.time)}, {"pid", kThreadPid},
                         {"tid", tid}});
    }
  }

  void instant(const TraceRecord& r) {
    json e = {{"name", describe_trace_record(k_, r)}, {"cat", engine::trace_kind_name(r.kind)},
              {"ph", "i"}, {"ts", us(r.time)}};
    if (r.thread >= 0) {
      e["pid"] = kThreadPid;
      e["tid"] = r.thread;
      e["s"] = "t";
    } else {
      kernel_track_used_ = true;
      e["pid"] = kCpuPid;
      e["tid"] = static_cast<int>(cpus_.size());
      e["s"] = "t";
    }
    if (r.kind == TraceKind::Bugcheck) {
      const check::BugcheckInfo* info = check::find_bugcheck(static_cast<std::uint32_t>(r.a));
      e["name"] = fmt::format("BUGCHECK 0x{:x} {}", r.a, info ? info->name : "");
      e["s"] = "g";
    }
    e["args"] = {{"cpu", r.cpu}, {"object", object_label(k_, r.object)}, {"a", r.a}, {"b", r.b}};
    events_.push_back(std::move(e));
  }

  const ke::Kernel& k_;
  std::vector<Slice> cpus_;
  std::vector<Slice> threads_;
  Slice scratch_;
  std::map<int, int> apc_depth_;  // APC track tid -> open B events
  std::vector<json> events_;
  engine::Time end_ = 0;
  bool kernel_track_used_ = false;
};

}  // namespace

std::string render_chrome_trace(const ke::Kernel& k, const scenario::Program* p) {
  Builder b(k);
  for (const TraceRecord& r : const_cast<ke::Kernel&>(k).engine().trace().all()) b.add(r);
  return b.finish(p);
}

}  // namespace kesim::report
