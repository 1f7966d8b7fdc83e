// tests/fuzz/load_fuzzer.cpp — libFuzzer harness for the scenario loader: any bytes through
// load_text() and, when they do not load, through format_diagnostics(). The loader must end
// every input with a program or `file:line:column` errors; a crash, a sanitizer report, a
// timeout or running out of memory is a finding (tools/fuzz.sh).
// Built by the fuzz configuration (clang, -fsanitize=fuzzer,address,undefined) and, with
// replay_main.cpp, by every build as a regression runner over tests/fuzz/regressions/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/scenario/program.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const kesim::scenario::LoadResult r = kesim::scenario::load_text(text, "fuzz.yaml");
  if (!r.program) {
    const std::string d = kesim::scenario::format_diagnostics("fuzz.yaml", r.source_lines, r.errors);
    if (d.empty()) __builtin_trap();  // a rejected input must say why
  }
  return 0;
}
