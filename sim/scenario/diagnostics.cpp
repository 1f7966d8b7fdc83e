// sim/scenario/diagnostics.cpp — caret diagnostics for scenario errors.
// Layout followed: LLVM llvm/lib/Support/SourceMgr.cpp SMDiagnostic::print
// ("file:line:col: error: msg", the source line, a caret line; tabs expanded to 8).
// Columns are 1-based byte offsets (yaml-cpp counts bytes), so UTF-8 continuation bytes
// take no display column when the caret is placed.
#include <fmt/format.h>

#include "sim/scenario/program.hpp"

namespace kesim::scenario {
namespace {

constexpr int kTabStop = 8;
constexpr const char* kIndent = "    ";

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The source line with tabs expanded, and the caret line under byte column `column`.
std::pair<std::string, std::string> render(const std::string& line, int column) {
  std::string shown, caret;
  int display = 0;
  bool placed = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (static_cast<int>(i) + 1 == column) {
      caret.append(static_cast<std::size_t>(display), ' ');
      caret += '^';
      placed = true;
    }
    if (c == '\t') {
      int width = kTabStop - display % kTabStop;
      shown.append(static_cast<std::size_t>(width), ' ');
      display += width;
    } else {
      shown += c;
      if (!is_continuation(c)) ++display;
    }
  }
  if (!placed) {
    // Past the end of the line (e.g. an error about a missing value): count on.
    int past = column - 1 - static_cast<int>(line.size());
    caret.append(static_cast<std::size_t>(display + (past > 0 ? past : 0)), ' ');
    caret += '^';
  }
  return {shown, caret};
}

}  // namespace

std::string format_diagnostics(const std::string& file, const std::vector<std::string>& source_lines,
                               const std::vector<Diagnostic>& errors) {
  std::string out;
  for (const Diagnostic& d : errors) {
    if (d.loc.line <= 0) {
      out += fmt::format("{}: error: {}\n", file, d.message);
      continue;
    }
    int column = d.loc.column > 0 ? d.loc.column : 1;
    out += fmt::format("{}:{}:{}: error: {}\n", file, d.loc.line, column, d.message);
    if (static_cast<std::size_t>(d.loc.line) > source_lines.size()) continue;
    auto [shown, caret] = render(source_lines[static_cast<std::size_t>(d.loc.line) - 1], column);
    out += fmt::format("{}{}\n{}{}\n", kIndent, shown, kIndent, caret);
  }
  return out;
}

}  // namespace kesim::scenario
