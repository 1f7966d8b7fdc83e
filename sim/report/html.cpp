// sim/report/html.cpp — the self-contained HTML report (html.hpp). The lanes are derived from
// the trace records (the same walk as the Chrome trace, timeline.cpp), drawn as one inline SVG;
// the x axis is the record index ("step" of the trace), not virtual time, because a run spends
// most of its records in a few microseconds and then idles for seconds: a time axis would
// squeeze every interesting event into one pixel. Each shape carries a <title> with the virtual
// time and the event in words. The page's script only moves the slider: it swaps the snapshot
// texts and the cursor line, and reads "#step=K" from the URL.
#include "sim/report/html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace kesim::report {

using engine::TraceKind;
using engine::TraceRecord;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

constexpr double kLabelW = 190, kPlotW = 1150, kLaneH = 18, kGap = 4;

struct Lanes {
  const ke::Kernel& k;
  std::size_t n = 1;  // records
  std::string svg;
  // Per lane (y) and kind: how far right shapes are drawn. A shape that falls inside a pixel
  // already drawn for its lane and kind is not written: a million-record run keeps at most a
  // few thousand shapes per lane (the Chrome trace keeps every record).
  std::map<std::pair<long, std::string_view>, double> drawn_to;
  std::size_t skipped = 0;
  bool fresh(double y, std::string_view cls, double x0, double x1) {
    double& to = drawn_to[{std::lround(y * 10), cls}];
    if (x1 <= to + 1.0 && x0 >= to - 1.0 && x1 - x0 < 1.0) {
      ++skipped;
      return false;
    }
    to = std::max(to, x1);
    return true;
  }
  double x(std::size_t i) const { return kLabelW + kPlotW * static_cast<double>(i) / static_cast<double>(n); }
  void rect(double y, std::size_t from, std::size_t to, const char* cls, const std::string& title, double h = kLaneH) {
    const double x0 = x(from), w = std::max(x(to) - x0, 0.8);
    if (!fresh(y, cls, x0, x0 + w)) return;
    svg += fmt::format(R"~(<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"><title>{}</title></rect>)~",
                       cls, x0, y, w, h, html_escape(title));
  }
  void tick(double y, std::size_t at, const char* cls, const std::string& title) {
    if (!fresh(y, cls, x(at), x(at) + 0.5)) return;
    svg += fmt::format(R"~(<rect class="{}" x="{:.1f}" y="{:.1f}" width="1.5" height="{:.1f}"><title>{}</title></rect>)~",
                       cls, x(at), y, kLaneH, html_escape(title));
  }
  // A caption inside a span, if it fits (the lock lanes name the holder).
  void caption(double y, std::size_t from, std::size_t to, const std::string& text) {
    if (x(to) - x(from) < 7.0 * static_cast<double>(text.size()) + 8) return;
    svg += fmt::format(R"~(<text class="cap" x="{:.1f}" y="{:.1f}">{}</text>)~", x(from) + 4, y + kLaneH - 5,
                       html_escape(text));
  }
  void label(double y, const std::string& text, const char* cls) {
    svg += fmt::format(R"~(<text class="{}" x="4" y="{:.1f}">{}</text>)~", cls, y + kLaneH - 5, html_escape(text));
  }
};

struct Open {
  bool open = false;
  std::size_t from = 0;
  std::string what;
  const char* cls = "";
  std::string name;  // thread states: the state, to merge a re-queue into one stay
};

const char* state_class(const std::string& s) {
  if (s == "Running") return "run";
  if (s == "Ready") return "ready";
  return "wait";
}

std::string when(const TraceRecord& r) { return format_time(r.time); }

// The lanes: CPUs, then per thread a state lane and a thin marks lane (APC, I/O, IRQL and
// APC-disable ticks), then one lane per lock (ownership, holder named in the title).
std::string timeline_svg(const ke::Kernel& k, int* lane_count) {
  const auto& recs = const_cast<ke::Kernel&>(k).engine().trace().all();
  Lanes L{k, std::max<std::size_t>(recs.size(), 1), {}};
  const std::size_t cpus = static_cast<std::size_t>(k.engine().processors());
  const std::size_t threads = k.threads().size();
  std::vector<std::int32_t> lock_ids;
  for (const TraceRecord& r : recs)
    if (r.kind == TraceKind::LockAcquire && r.object >= 0 &&
        std::find(lock_ids.begin(), lock_ids.end(), r.object) == lock_ids.end())
      lock_ids.push_back(r.object);
  std::sort(lock_ids.begin(), lock_ids.end());
  const double cpu_y0 = 24, thread_y0 = cpu_y0 + static_cast<double>(cpus) * (kLaneH + kGap) + 10;
  const double thread_step = 2 * kLaneH + kGap;
  const double lock_y0 = thread_y0 + static_cast<double>(threads) * thread_step + 10;
  const double height = lock_y0 + static_cast<double>(lock_ids.size()) * (kLaneH + kGap) + 10;
  const auto cpu_y = [&](std::size_t c) { return cpu_y0 + static_cast<double>(c) * (kLaneH + kGap); };
  const auto thr_y = [&](std::size_t t) { return thread_y0 + static_cast<double>(t) * thread_step; };
  const auto lock_y = [&](std::int32_t o) {
    return lock_y0 + static_cast<double>(std::find(lock_ids.begin(), lock_ids.end(), o) - lock_ids.begin()) * (kLaneH + kGap);
  };

  std::vector<Open> cpu(cpus), state(threads);
  std::vector<std::int32_t> on_cpu(cpus, -1);
  std::map<std::int32_t, std::vector<std::size_t>> apc;          // thread -> open APC starts
  std::map<std::pair<std::int32_t, std::int32_t>, Open> held;    // (lock, holder)
  std::map<std::int32_t, Open> io;                               // I/O by its completion object
  const auto close_cpu_of = [&](std::int32_t t, std::size_t i) {
    for (std::size_t c = 0; c < cpus; ++c)
      if (cpu[c].open && on_cpu[c] == t) {
        L.rect(cpu_y(c), cpu[c].from, i, "run", cpu[c].what);
        cpu[c].open = false;
      }
  };
  const auto set_state = [&](std::int32_t t, std::size_t i, std::string name, const TraceRecord& r) {
    if (t < 0 || static_cast<std::size_t>(t) >= threads) return;
    Open& s = state[static_cast<std::size_t>(t)];
    if (s.open && s.name == name) return;
    if (s.open) L.rect(thr_y(static_cast<std::size_t>(t)), s.from, i, s.cls, s.what);
    // The title: the state (a wait names its reason and object) and when it began.
    const bool waits = name != "Running" && name != "Ready";
    s = Open{true, i, "", state_class(name), name};
    s.what = thread_label(k, t) + ": " + name + (waits && r.object >= 0 ? " on " + object_label(k, r.object) : "") +
             " from " + when(r);
  };
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const TraceRecord& r = recs[i];
    const std::size_t t = static_cast<std::size_t>(std::max(r.thread, 0));
    const bool has_thread = r.thread >= 0 && t < threads;
    const std::string what = when(r) + ": " + describe_trace_record(k, r);
    switch (r.kind) {
      case TraceKind::Dispatch:
        if (r.cpu >= 0 && static_cast<std::size_t>(r.cpu) < cpus) {
          const auto c = static_cast<std::size_t>(r.cpu);
          if (cpu[c].open) L.rect(cpu_y(c), cpu[c].from, i, "run", cpu[c].what);
          cpu[c] = Open{true, i, thread_label(k, r.thread) + " from " + when(r), "run"};
          on_cpu[c] = r.thread;
        }
        set_state(r.thread, i, "Running", r);
        break;
      case TraceKind::Preempt:
        close_cpu_of(r.thread, i);
        set_state(r.thread, i, "Ready", r);
        break;
      case TraceKind::Ready: set_state(r.thread, i, "Ready", r); break;
      case TraceKind::WaitBegin:
        close_cpu_of(r.thread, i);
        set_state(r.thread, i, ke::wait_reason_name(static_cast<ke::KWAIT_REASON>(r.a)), r);
        break;
      case TraceKind::ThreadExit:
        close_cpu_of(r.thread, i);
        if (has_thread && state[t].open) {
          L.rect(thr_y(t), state[t].from, i, state[t].cls, state[t].what);
          state[t].open = false;
        }
        break;
      case TraceKind::Irql:
      case TraceKind::KernelApcDisable:
      case TraceKind::SpecialApcDisable:
        if (has_thread) L.tick(thr_y(t) + kLaneH, i, r.kind == TraceKind::Irql ? "irql" : "apcdis", what);
        break;
      case TraceKind::ApcDeliverBegin:
        if (has_thread) apc[r.thread].push_back(i);
        break;
      case TraceKind::ApcDeliverEnd:
        if (has_thread && !apc[r.thread].empty()) {
          L.rect(thr_y(t) + kLaneH, apc[r.thread].back(), i, "apc", what, kLaneH / 2);
          apc[r.thread].pop_back();
        }
        break;
      case TraceKind::IoBegin: io[r.object] = Open{true, i, what, "io"}; break;
      case TraceKind::IoComplete:
        if (io[r.object].open && r.object >= 0) {
          // The lane of the thread that started it: the title names it.
          L.rect(thr_y(t) + kLaneH * 1.5, io[r.object].from, i, "io", io[r.object].what, kLaneH / 2);
          io[r.object].open = false;
        }
        break;
      case TraceKind::LockAcquire:
        if (r.object >= 0 && has_thread) held[{r.object, r.thread}] = Open{true, i, what, r.a ? "lockx" : "locks"};
        break;
      case TraceKind::LockRelease: {
        auto it = held.find({r.object, r.thread});
        if (it == held.end() || !it->second.open)
          it = std::find_if(held.begin(), held.end(), [&](const auto& e) { return e.first.first == r.object && e.second.open; });
        if (it != held.end() && it->second.open) {
          L.rect(lock_y(r.object), it->second.from, i, it->second.cls, it->second.what + " — released " + what);
          L.caption(lock_y(r.object), it->second.from, i, thread_label(k, it->first.second));
          it->second.open = false;
        }
        break;
      }
      case TraceKind::Bugcheck: L.tick(cpu_y0 - 20, i, "bug", what); break;
      default: break;
    }
  }
  const std::size_t end = recs.size();
  for (std::size_t c = 0; c < cpus; ++c)
    if (cpu[c].open) L.rect(cpu_y(c), cpu[c].from, end, "run", cpu[c].what);
  for (std::size_t t = 0; t < threads; ++t)
    if (state[t].open) L.rect(thr_y(t), state[t].from, end, state[t].cls, state[t].what + " (to the end)");
  for (const auto& [th, starts] : apc)
    for (const std::size_t s : starts)
      L.rect(thr_y(static_cast<std::size_t>(th)) + kLaneH, s, end, "apc", "APC still running at the end", kLaneH / 2);
  for (const auto& [key, o] : held)
    if (o.open) {
      L.rect(lock_y(key.first), o.from, end, o.cls, o.what + " — still held at the end");
      L.caption(lock_y(key.first), o.from, end, thread_label(k, key.second));
    }

  for (std::size_t c = 0; c < cpus; ++c) L.label(cpu_y(c), fmt::format("CPU {}", c), "lane cpu");
  for (const ke::KTHREAD* th : k.threads()) L.label(thr_y(static_cast<std::size_t>(th->index)), th->name, "lane thread");
  for (const std::int32_t o : lock_ids) L.label(lock_y(o), object_label(k, o), "lane lock");
  *lane_count = static_cast<int>(cpus + threads + lock_ids.size());
  return fmt::format(R"~(<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{:.0f}" height="{:.0f}" data-records="{}">)~"
                     R"~(<text x="4" y="14" class="axis">{} trace records; x = record index{}</text>{})~"
                     R"~(<line id="cursor" x1="{:.1f}" x2="{:.1f}" y1="18" y2="{:.0f}"/></svg>)~",
                     kLabelW + kPlotW + 10, height, recs.size(), recs.size(),
                     L.skipped ? fmt::format("; {} shapes narrower than a pixel merged into their neighbours", L.skipped) : "",
                     L.svg, kLabelW, kLabelW, height);
}

constexpr const char* kStyle = R"~(
body{font:13px system-ui,sans-serif;margin:12px;color:#222;background:#fafafa}
h1{font-size:18px;margin:4px 0}h2{font-size:15px;margin:14px 0 4px}
pre{background:#fff;border:1px solid #ddd;padding:6px;overflow:auto;max-height:420px;font:12px monospace;margin:2px 0}
#timeline{background:#fff;border:1px solid #ddd}
.run{fill:#3a9d4a}.ready{fill:#e8c547}.wait{fill:#d9534f}.apc{fill:#8e44ad}.io{fill:#e67e22}
.irql{fill:#1f5fbf}.apcdis{fill:#111}.bug{fill:#000;height:14px}.lockx{fill:#2c6fbb}.locks{fill:#7fb3e6}
.lane{font:12px monospace}.cap{font:11px monospace;fill:#fff;pointer-events:none}.cpu{fill:#555}.axis{font:11px sans-serif;fill:#777}
#cursor{stroke:#000;stroke-width:1.5;stroke-dasharray:4 2}
.edge{stroke:#777;stroke-width:1.5}.edge.cycle{stroke:#c0392b;stroke-width:2.5}.elabel{font:10px sans-serif;fill:#555;text-anchor:middle}
.node text{text-anchor:middle;font:11px monospace}.tnode rect{fill:#dff0d8;stroke:#3a9d4a}.onode rect{fill:#d9e8f6;stroke:#2c6fbb}
#views{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:6px}
#why{display:grid;grid-template-columns:minmax(0,1fr) 500px;gap:10px}#why pre{max-height:330px}.legend span{display:inline-block;padding:0 6px;margin-right:4px;color:#fff}
#slider{width:1000px}
)~";

// The script: show(i) fills the four view panes from the snapshot data and moves the cursor.
constexpr const char* kScript = R"~(
(function(){
var data=JSON.parse(document.getElementById('snapshots').textContent);
var svg=document.getElementById('timeline'),n=+svg.getAttribute('data-records')||1;
var slider=document.getElementById('slider');
function show(i){
  i=Math.max(0,Math.min(data.length-1,i|0));var s=data[i];if(!s)return;
  slider.value=i;
  document.getElementById('step-label').textContent='snapshot '+i+' of '+(data.length-1)+' — after trace record '+s.seq+', '+s.when+': '+s.label;
  ['thread','locks','pushlock','apc'].forEach(function(v){document.getElementById('view-'+v).textContent=s[v];});
  var c=document.getElementById('cursor'),x=190+1150*Math.min(s.seq,n)/n;
  c.setAttribute('x1',x.toFixed(1));c.setAttribute('x2',x.toFixed(1));
  document.body.setAttribute('data-step',i);
}
window.kesimShow=show;
slider.max=data.length-1;
slider.addEventListener('input',function(){show(+slider.value);});
function fromHash(){var m=/step=(\d+)/.exec(location.hash);show(m?+m[1]:data.length-1);}
window.addEventListener('hashchange',fromHash);
fromHash();
// When the page became usable (ms since navigation start): the browser test checks it.
document.body.setAttribute('data-load-ms',performance.now().toFixed(0));
})();
)~";

}  // namespace

std::string render_html(const RunInfo& info, const std::vector<ViewSnapshot>& snapshots) {
  const ke::Kernel& k = *info.kernel;
  int lanes = 0;
  const std::string svg = timeline_svg(k, &lanes);
  nlohmann::json snaps = nlohmann::json::array();
  for (const ViewSnapshot& s : snapshots)
    snaps.push_back({{"seq", s.seq}, {"when", format_time(s.time)}, {"label", s.label}, {"thread", s.thread},
                     {"locks", s.locks}, {"pushlock", s.pushlock}, {"apc", s.apc}});
  std::string data = snaps.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Inside <script>, "</" could end the element: JSON allows "<\/" for it.
  for (std::size_t p = 0; (p = data.find("</", p)) != std::string::npos; p += 3) data.replace(p, 2, "<\\/");
  const std::string name = info.source ? info.source->name() : "kesim run";
  const std::string outcome = info.result ? check::outcome_name(info.result->outcome) : "";
  const std::string text = render_text(info);

  std::string out;
  out.reserve(svg.size() + data.size() + text.size() + 8192);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<title>" + html_escape("kesim: " + name) + "</title><style>" + kStyle + "</style></head><body>\n";
  out += fmt::format("<h1>{}</h1><p id=\"outcome\" data-outcome=\"{}\">Outcome: <b>{}</b> · {} lanes</p>\n",
                     html_escape(name), html_escape(outcome), html_escape(outcome), lanes);
  out += "<h2>Timeline</h2><p class=\"legend\"><span class=\"run\" style=\"background:#3a9d4a\">running</span>"
         "<span style=\"background:#e8c547;color:#222\">ready</span><span style=\"background:#d9534f\">waiting (reason in the tooltip)</span>"
         "<span style=\"background:#8e44ad\">APC delivery</span><span style=\"background:#e67e22\">I/O in flight</span>"
         "<span style=\"background:#1f5fbf\">IRQL change</span><span style=\"background:#111\">APC-disable change</span>"
         "<span style=\"background:#2c6fbb\">lock held exclusive</span><span style=\"background:#7fb3e6;color:#222\">shared</span>"
         " Hover a shape for its time and event.</p>\n";
  out += svg;
  // The outcome explained (the text report, which starts with it) beside the wait-for graph.
  // The text report opens with a header and the run's own output; the outcome section first here.
  const std::size_t at = text.find("\nOutcome:");
  const std::string head = at == std::string::npos ? "" : text.substr(0, at + 1);
  const std::string why = at == std::string::npos ? text : text.substr(at + 1);
  out += "\n<div id=\"why\"><div><h2>Report: outcome explained</h2><pre id=\"report\">" + html_escape(why) +
         "</pre>";
  if (!head.empty())
    out += "<details><summary>Run header and output</summary><pre id=\"report-head\">" + html_escape(head) +
           "</pre></details>";
  out += "</div><div><h2>Wait-for graph at the end</h2>\n";
  out += info.result ? render_wait_for_svg(k, *info.result) : std::string("<p>No result.</p>");
  out += "</div></div>\n";
  out += "<h2>Step</h2><p>The views as they were after a lock or wait event (acquire attempt, acquire, release, "
         "signal, satisfied wait, thread exit), at most 200 snapshots spread over the run, the last one at the end. "
         "URL fragment <code>#step=K</code> opens snapshot K.</p>\n";
  out += "<input type=\"range\" id=\"slider\" min=\"0\" max=\"0\" value=\"0\"><p id=\"step-label\"></p>\n<div id=\"views\">";
  for (const char* v : {"thread", "locks", "pushlock", "apc"})
    out += fmt::format("<div><h2>!{}</h2><pre id=\"view-{}\"></pre></div>", v, v);
  out += "</div>\n";
  out += "<script type=\"application/json\" id=\"snapshots\">" + data + "</script>\n";
  out += std::string("<script>") + kScript + "</script>\n</body></html>\n";
  return out;
}

}  // namespace kesim::report
