// sim/scenario/loader.hpp — the scenario loader's top level (internal to sim/scenario).
// Two passes: first every object, routine name and thread header is declared (steps may name
// them in any order, and a file may put `threads` before `objects`), then the step lists are
// parsed; `expect` and the routine call graph are checked last.
#pragma once

#include <string>
#include <vector>

#include "sim/engine/limits.hpp"
#include "sim/scenario/step_parser.hpp"

namespace kesim::scenario::detail {

constexpr int kMaxThreadCount = static_cast<int>(limits::kMaxThreads);

// loader_limits.cpp: false (and an error) if a file of `bytes` is too large to load.
bool check_file_size(std::size_t bytes, std::vector<Diagnostic>& errors);

// Fills a Program from the root node, reporting through the Reader.
class Loader {
 public:
  Loader(Program& program, Reader& reader) : p_(program), r_(reader), steps_(program, reader) {}
  void load(const YAML::Node& root);

 private:
  struct Pending {  // a step list parsed in the second pass
    YAML::Node node;
    Loc loc;
  };

  void load_name(const Fields& top);
  void load_machine(const Field& f);
  void load_objects(const Field& f);
  void load_variables(const Field& f);
  void load_invariants(const Field& f);
  void load_object(const Field& f);    // loader_objects.cpp
  void check_initial_owners();         // loader_objects.cpp: `owner:` names a thread
  void declare_routines(const Field& f);
  void declare_threads(const Field& f);
  void declare_thread(const YAML::Node& item, Loc loc);
  void load_affinity(ThreadDecl& t, const Field& f);
  void load_expect(const Field& f, Expect& e, std::string_view what);
  void load_level(const Field& f);
  std::string checked_thread_ref(const YAML::Node& node, Loc loc, std::string_view what);
  void check_recursion();
  // loader_limits.cpp: what keeps a run finite (sim/engine/limits.hpp).
  void check_limits();
  void check_thread_total();
  void check_stack_depth();

  Program& p_;
  Reader& r_;
  StepParser steps_;
  bool processors_known_ = true;
  Loc stack_size_loc_;  // where machine.stack_size is written, if it is
  std::vector<Pending> routine_bodies_;  // parallel to the named routines
  std::vector<Pending> thread_bodies_;   // parallel to p_.threads
};

}  // namespace kesim::scenario::detail
