// tests/report/trace_check.hpp — the structural checks a trace viewer (Perfetto, Chrome
// DevTools) relies on, shared by the report tests and the seed-scenario trace tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/engine/trace.hpp"

namespace kesim {

using nlohmann::json;

// What a trace viewer needs of the trace, checked structurally: every B has an E of the same
// name on the same track (stack order), timestamps never go back on a track, and every trace
// record of the run appears in some event (args.seq / args.end_seq). Returns the events.
inline json check_trace_structure(const std::string& text, const std::vector<engine::TraceRecord>& records) {
  const json j = json::parse(text);  // throws (fails the test) if not valid JSON
  EXPECT_EQ(j["displayTimeUnit"], "ns");
  EXPECT_TRUE(j["traceEvents"].is_array());
  std::map<std::pair<int, int>, std::vector<std::string>> open;  // (pid, tid) -> open B names
  std::map<std::pair<int, int>, double> last_ts;
  std::set<std::uint64_t> seen;
  for (const json& e : j["traceEvents"]) {
    const std::string ph = e["ph"];
    EXPECT_TRUE(e.contains("pid") && e.contains("tid")) << e.dump();
    EXPECT_NE(ph, "X") << "slices are B/E pairs";
    if (ph == "M") continue;
    const auto track = std::make_pair(e["pid"].get<int>(), e["tid"].get<int>());
    EXPECT_TRUE(e["ts"].is_number()) << e.dump();
    const double ts = e["ts"].get<double>();
    if (last_ts.count(track)) {
      EXPECT_GE(ts, last_ts[track]) << "time goes back on a track: " << e.dump();
    }
    last_ts[track] = ts;
    if (ph == "B") open[track].push_back(e["name"]);
    if (ph == "E") {
      EXPECT_FALSE(open[track].empty()) << "E without B: " << e.dump();
      if (!open[track].empty()) {
        EXPECT_EQ(open[track].back(), e["name"].get<std::string>()) << e.dump();
        open[track].pop_back();
      }
    }
    if (e.contains("args")) {
      if (e["args"].contains("seq")) seen.insert(e["args"]["seq"].get<std::uint64_t>());
      if (e["args"].contains("end_seq")) seen.insert(e["args"]["end_seq"].get<std::uint64_t>());
    }
  }
  for (const auto& [track, names] : open) EXPECT_TRUE(names.empty()) << "unclosed slice on " << track.first << "/" << track.second;
  EXPECT_FALSE(records.empty());
  for (const engine::TraceRecord& r : records)
    EXPECT_TRUE(seen.count(r.seq)) << "record " << r.seq << " (" << engine::trace_kind_name(r.kind) << ") missing";
  return j;
}

}  // namespace kesim
