// sim/scenario/step_refs.cpp — resolving the names steps refer to (objects, threads,
// routines) and ${name} references in texts, with the type checks of SCENARIO-FORMAT.md §2.
#include <fmt/format.h>

#include <algorithm>

#include "sim/scenario/step_parser.hpp"

namespace kesim::scenario::detail {
namespace {

// Why an object of type `t` cannot be waited on with KeWaitFor*, or nullptr if it can.
const char* not_waitable_hint(ObjectType t) {
  switch (t) {
    case ObjectType::push_lock:
      return "a push lock is not a dispatcher object; use ExAcquirePushLockExclusive or "
             "ExAcquirePushLockShared";
    case ObjectType::cache_aware_push_lock:
      return "a cache-aware push lock is not a dispatcher object; use "
             "ExAcquireCacheAwarePushLockExclusive or ExAcquireCacheAwarePushLockShared";
    case ObjectType::guarded_mutex:
      return "a guarded mutex is not a dispatcher object; use KeAcquireGuardedMutex";
    case ObjectType::fast_mutex:
      return "a fast mutex is not a dispatcher object; use ExAcquireFastMutex";
    case ObjectType::spin_lock:
      return "a spin lock is not a dispatcher object; use KeAcquireSpinLock";
    case ObjectType::gate:
      return "a gate is not waited on with KeWaitFor*; use KeWaitForGate";
    case ObjectType::resource:
      return "an ERESOURCE is not a dispatcher object; use ExAcquireResourceExclusiveLite or "
             "ExAcquireResourceSharedLite";
    case ObjectType::keyed_event:
      return "a keyed event is not a dispatcher object; use NtWaitForKeyedEvent or NtReleaseKeyedEvent";
    default:
      return nullptr;
  }
}

}  // namespace

std::string describe_types(unsigned types) {
  std::string out;
  for (unsigned t = 0; t < 32; ++t) {
    if (!(types & (1u << t))) continue;
    const char* name = object_type_name(static_cast<ObjectType>(t));
    if (!out.empty()) out += " or ";
    else out += name[0] == 'e' ? "an " : "a ";  // only `event` starts with a vowel
    out += name;
  }
  return out;
}

bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> StepParser::object_names() const {
  std::vector<std::string> names;
  for (const ObjectDecl& o : program_.objects) names.push_back(o.name);
  return names;
}

std::vector<std::string> StepParser::thread_names() const {
  std::vector<std::string> names;
  for (const ThreadDecl& t : program_.threads) names.push_back(t.name);
  return names;
}

bool StepParser::is_broken_object(std::string_view name) const {
  return std::find(broken_objects_.begin(), broken_objects_.end(), name) != broken_objects_.end();
}

int StepParser::resolve_object(const YAML::Node& node, Loc loc, std::string_view what, unsigned types,
                               std::string_view user) {
  auto name = r_.scalar(node, loc, what, "an object name");
  if (!name) return -1;
  int i = program_.find_object(*name);
  if (i < 0) {
    if (is_broken_object(*name)) return -1;
    if (program_.find_thread(*name) >= 0) {
      r_.error(loc, fmt::format("'{}' is a thread, not an object; '{}' needs {}", *name, user,
                                describe_types(types)));
    } else {
      r_.error(loc, fmt::format("unknown object '{}'{}", *name, did_you_mean(*name, object_names())));
    }
    return -1;
  }
  ObjectType t = program_.objects[i].type;
  if (!(types & type_bit(t))) {
    r_.error(loc, fmt::format("'{}' needs {}, but '{}' is {}", user, describe_types(types), *name,
                              describe_types(type_bit(t))));
    return -1;
  }
  return i;
}

int StepParser::resolve_thread(const YAML::Node& node, Loc loc, std::string_view what) {
  auto name = r_.scalar(node, loc, what, "a thread name");
  if (!name) return -1;
  int i = program_.find_thread(*name);
  if (i >= 0) return i;
  if (program_.find_object(*name) >= 0) {
    r_.error(loc, fmt::format("'{}' is an object, not a thread", *name));
  } else {
    r_.error(loc, fmt::format("unknown thread '{}'{}", *name, did_you_mean(*name, thread_names())));
  }
  return -1;
}

int StepParser::resolve_routine(const YAML::Node& node, Loc loc, std::string_view what) {
  auto name = r_.scalar(node, loc, what, "a routine name");
  if (!name) return -1;
  int i = program_.find_routine(*name);
  if (i >= 0) return i;
  std::vector<std::string> names;
  for (const Routine& r : program_.routines) {
    if (!r.name.empty()) names.push_back(r.name);
  }
  r_.error(loc, fmt::format("unknown routine '{}'{}", *name, did_you_mean(*name, names)));
  return -1;
}

// An object name wins over a thread of the same name (they are separate namespaces).
void StepParser::resolve_waitable(const YAML::Node& node, Loc loc, std::string_view what, int& object,
                                  int& thread) {
  object = thread = -1;
  auto name = r_.scalar(node, loc, what, "an object or thread name");
  if (!name) return;
  int i = program_.find_object(*name);
  if (i >= 0) {
    if (const char* hint = not_waitable_hint(program_.objects[i].type)) {
      r_.error(loc, fmt::format("'{}': {}", *name, hint));
    } else {
      object = i;
    }
    return;
  }
  thread = program_.find_thread(*name);
  if (thread >= 0 || is_broken_object(*name)) return;
  std::vector<std::string> names = object_names();
  for (std::string& t : thread_names()) names.push_back(std::move(t));
  r_.error(loc, fmt::format("unknown object or thread '{}'{}", *name, did_you_mean(*name, names)));
}

Text StepParser::text(const YAML::Node& node, Loc loc, std::string_view what, const Scope& scope) {
  Text t;
  auto s = r_.scalar(node, loc, what, "a text");
  if (!s) return t;
  t.raw = std::move(*s);
  for (std::size_t pos = t.raw.find("${"); pos != std::string::npos; pos = t.raw.find("${", pos)) {
    t.has_vars = true;
    std::size_t end = t.raw.find('}', pos + 2);
    if (end == std::string::npos) {
      r_.error(loc, fmt::format("unterminated '${{' in {}", what));
      break;
    }
    std::string name = t.raw.substr(pos + 2, end - pos - 2);
    bool visible = name == "index" ||
                   std::find(scope.vars.begin(), scope.vars.end(), name) != scope.vars.end();
    if (!visible) {
      std::vector<std::string> unique;
      for (const std::string& v : scope.vars) {
        if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
      }
      std::string names = "index";
      for (const std::string& v : unique) names += ", " + v;
      r_.error(loc, fmt::format("unknown variable '${{{}}}' in {} (visible here: {})", name, what, names));
    }
    pos = end + 1;
  }
  return t;
}

}  // namespace kesim::scenario::detail
