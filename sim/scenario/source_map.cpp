// sim/scenario/source_map.cpp — step cookies of a Program → where they are written.
#include "sim/scenario/source_map.hpp"

#include <fmt/format.h>

namespace kesim::scenario {

std::string ProgramSourceMap::describe_step(const void* step) const {
  if (!step) return {};
  const auto& s = *static_cast<const Step*>(step);
  const std::string file = p_.file.empty() ? std::string("<scenario>") : p_.file;
  return fmt::format("{}:{}: {}", file, s.loc.line, op_name(s.op));
}

std::string ProgramSourceMap::step_source(const void* step) const {
  if (!step) return {};
  const int line = static_cast<const Step*>(step)->loc.line;
  if (line < 1 || static_cast<std::size_t>(line) > p_.source_lines.size()) return {};
  const std::string& s = p_.source_lines[static_cast<std::size_t>(line - 1)];
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace kesim::scenario
