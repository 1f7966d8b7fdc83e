// sim/scenario/source_map.hpp — a loaded scenario as the reports see it (report::SourceMap):
// its name, file and description, and each step cookie (a `const Step*` of this Program) as
// "file:line: OpName" and the source line it was written on.
#pragma once

#include "sim/report/source_map.hpp"
#include "sim/scenario/program.hpp"

namespace kesim::scenario {

class ProgramSourceMap final : public report::SourceMap {
 public:
  explicit ProgramSourceMap(const Program& p) : p_(p) {}
  std::string name() const override { return p_.name; }
  std::string file() const override { return p_.file; }
  std::string description() const override { return p_.description; }
  std::string describe_step(const void* step) const override;
  std::string step_source(const void* step) const override;
  const Program& program() const { return p_; }

 private:
  const Program& p_;
};

}  // namespace kesim::scenario
