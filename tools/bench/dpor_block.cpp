// tools/bench/dpor_block.cpp — the `block` reference protocol (BENCHMARKS.md) explored by dpor
// and, with --full, by dfs over the whole tree: executions and wall time of each, side by side.
//   dpor_block [THREADS ROUNDS] [--full]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tools/bench/block_protocol.hpp"

int main(int argc, char** argv) {
  int threads = 2, rounds = 2;
  bool full = false;
  int pos = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--full") == 0) full = true;
    else if (pos++ == 0) threads = std::atoi(argv[i]);
    else rounds = std::atoi(argv[i]);
  }
  const kesim::SimulatorOptions machine{.processors = 2, .max_steps = 100'000};
  for (const char* strategy : {"dpor", "dfs"}) {
    if (std::strcmp(strategy, "dfs") == 0 && !full) break;
    kesim::ExploreOptions o{.strategy = strategy, .runs = 100'000'000, .fail_on_findings = false, .machine = machine};
    o.bound = 1000;  // dfs: a bound no schedule reaches, so the whole tree
    const auto start = std::chrono::steady_clock::now();
    const kesim::ExploreResult r = kesim::explore_model(o, kesim::bench::block_protocol(threads, rounds, false));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("block %dx%d %s: %d executions, %.2f s, found=%d, %s\n", threads, rounds, strategy, r.schedules, s,
                r.found, r.verdict.c_str());
  }
  return 0;
}
