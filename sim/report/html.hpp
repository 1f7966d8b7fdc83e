// sim/report/html.hpp — the self-contained HTML report (`kesim run --html FILE`): an SVG
// swimlane timeline (one lane per CPU, per thread, per lock), the text report (its outcome
// explanation first), the wait-for graph drawn as SVG, and a step slider over debugger-view
// snapshots. One file, no network: inline CSS, inline script, inline SVG.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/ke/kernel.hpp"
#include "sim/report/report.hpp"

namespace kesim::report {

// The views `!thread` (every thread), `!locks`, `!pushlock` and `!apc` as they were at one
// moment of the run; `seq` is the number of trace records recorded before that moment.
struct ViewSnapshot {
  std::uint64_t seq = 0;
  std::int64_t time = 0;
  std::string label;  // what happened just before: "Worker acquires FilePushLock"
  std::string thread, locks, pushlock, apc;
};

// Records view snapshots during a run, at the lock and wait events an observer sees (acquire
// attempt, acquire, release, signal, satisfied wait, thread exit). At most `cap` are kept: when
// full, every other snapshot is dropped and only every 2nd, 4th, ... later event is recorded, so
// the snapshots stay spread over the whole run (deterministic: counts only). Rendering a view is
// a read of the kernel, but it costs: this observer is attached only for --html, never on the
// default path.
class ViewRecorder : public ke::Observer {
 public:
  ViewRecorder(const ke::Kernel& k, const SourceMap& p, std::size_t cap = 200) : k_(k), p_(p), cap_(cap) {}
  void on_acquire(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, bool exclusive, const void*) override;
  void on_release(ke::KTHREAD& t, ke::KOBJECT_BASE& lock) override;
  void on_acquire_attempt(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, const void*) override;
  void on_signal(ke::KTHREAD* by, ke::KOBJECT_BASE& obj) override;
  void on_wait_satisfied(ke::KTHREAD& t, ke::KOBJECT_BASE& obj) override;
  void on_thread_exit(ke::KTHREAD& t) override;
  // The state at the end of the run, always kept as the last snapshot.
  void finish();
  // No more snapshots (the kernel is being torn down: views would read a dying kernel).
  void stop() { done_ = true; }
  const std::vector<ViewSnapshot>& snapshots() const { return snaps_; }

 private:
  void take(std::string label);
  const ke::Kernel& k_;
  const SourceMap& p_;
  std::size_t cap_;
  std::uint64_t stride_ = 1, events_ = 0;
  std::vector<ViewSnapshot> snaps_;
  bool done_ = false;
};

// The whole page. `info.kernel` must have kept its trace (Config::keep_trace) for the lanes.
std::string render_html(const RunInfo& info, const std::vector<ViewSnapshot>& snapshots);

// The wait-for graph at the end of a run as inline SVG: blocked threads -> what they wait on ->
// its owners, the deadlock cycle's edges in red (a paragraph when no thread is blocked).
std::string render_wait_for_svg(const ke::Kernel& k, const check::RunResult& r);

// Text as HTML character data / attribute value.
std::string html_escape(std::string_view s);

}  // namespace kesim::report
