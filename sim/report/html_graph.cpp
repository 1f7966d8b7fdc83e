// sim/report/html_graph.cpp — the wait-for graph of the HTML report (html.hpp), drawn as SVG.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "sim/check/analysis.hpp"
#include "sim/report/html.hpp"

namespace kesim::report {

// The wait-for graph: blocked threads → what they wait on → its owner; the deadlock cycle's
// edges in red. Nodes on a circle in order of first mention (the cycle, then the blocked
// threads as the analysis lists them): the same run always draws the same picture.
std::string render_wait_for_svg(const ke::Kernel& k, const check::RunResult& r) {
  struct Edge { std::string from, to; bool cycle; std::string label; };
  std::vector<std::string> nodes;
  std::vector<Edge> edges;
  const auto node = [&](const std::string& n) {
    if (std::find(nodes.begin(), nodes.end(), n) == nodes.end()) nodes.push_back(n);
  };
  for (const auto& e : r.cycle) {
    const std::string t = thread_label(k, e.thread), o = e.waits_for.empty() ? object_label(k, e.object) : e.waits_for;
    node(t); node(o);
    edges.push_back({t, o, true, "waits for"});
    if (e.held_by >= 0) {
      node(thread_label(k, e.held_by));
      edges.push_back({o, thread_label(k, e.held_by), true, "held by"});
    }
  }
  for (const auto& b : r.blocked) {
    const std::string t = thread_label(k, b.thread);
    const std::string o = b.lock >= 0 ? object_label(k, b.lock) : b.waiting_on;
    if (o.empty()) continue;
    node(t); node(o);
    if (std::none_of(edges.begin(), edges.end(), [&](const Edge& e) { return e.from == t && e.to == o; }))
      edges.push_back({t, o, false, ke::wait_reason_name(b.reason)});
    for (const std::int32_t owner : check::waits_for_threads(k, *k.threads()[static_cast<std::size_t>(b.thread)])) {
      const std::string w = thread_label(k, owner);
      node(w);
      if (std::none_of(edges.begin(), edges.end(), [&](const Edge& e) { return e.from == o && e.to == w; }))
        edges.push_back({o, w, false, "held by"});
    }
  }
  if (nodes.empty()) return "<p id=\"waitfor-empty\">No thread was blocked at the end: no wait-for graph.</p>";
  const double cx = 300, cy = 200, rad = nodes.size() == 1 ? 0 : 145;
  std::map<std::string, std::pair<double, double>> pos;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const double a = 2 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(nodes.size()) - std::numbers::pi / 2;
    pos[nodes[i]] = {cx + rad * std::cos(a), cy + rad * std::sin(a)};
  }
  std::string s = R"~(<svg id="waitfor" xmlns="http://www.w3.org/2000/svg" width="500" height="334" viewBox="0 0 600 400">)~"
                  R"~(<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>)~";
  for (const Edge& e : edges) {
    auto [x1, y1] = pos[e.from];
    auto [x2, y2] = pos[e.to];
    // Bent edges (a quadratic curve bulging to the right of the direction of travel), so the
    // two directions between a thread and the lock it both holds and waits for stay apart.
    const double dx = x2 - x1, dy = y2 - y1, len = std::max(std::hypot(dx, dy), 1.0);
    x1 += dx / len * 60; y1 += dy / len * 16; x2 -= dx / len * 60; y2 -= dy / len * 16;
    const double mx = (x1 + x2) / 2 - dy / len * 40, my = (y1 + y2) / 2 + dx / len * 40;
    s += fmt::format(R"~(<path class="edge{}" d="M{:.1f},{:.1f} Q{:.1f},{:.1f} {:.1f},{:.1f}" fill="none" marker-end="url(#arrow)"><title>{} {} {}</title></path>)~"
                     R"~(<text class="elabel" x="{:.1f}" y="{:.1f}">{}</text>)~",
                     e.cycle ? " cycle" : "", x1, y1, mx, my, x2, y2, html_escape(e.from), html_escape(e.label),
                     html_escape(e.to), mx, my, html_escape(e.label));
  }
  for (const std::string& n : nodes) {
    const bool is_thread = std::any_of(k.threads().begin(), k.threads().end(), [&](const ke::KTHREAD* t) { return t->name == n; });
    auto [x, y] = pos[n];
    s += fmt::format(R"~(<g class="node {}"><rect x="{:.1f}" y="{:.1f}" width="130" height="28" rx="{}"/><text x="{:.1f}" y="{:.1f}">{}</text></g>)~",
                     is_thread ? "tnode" : "onode", x - 65, y - 14, is_thread ? 14 : 2, x, y + 4,
                     html_escape(n.size() > 18 ? n.substr(0, 17) + "…" : n));
  }
  return s + "</svg>";
}

}  // namespace kesim::report
