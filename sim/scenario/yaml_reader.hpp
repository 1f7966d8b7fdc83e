// sim/scenario/yaml_reader.hpp — typed, position-aware reading of yaml-cpp nodes for the
// scenario loader. Internal to sim/scenario (not used by the interpreter).
//
// Every conversion that fails records a diagnostic at the offending node and returns nullopt,
// so the loader can go on and report every schema error of a file in one pass. Positions:
// yaml-cpp marks are 0-based; a null node (an empty value, `key:`) carries the mark of the
// *next* token or none at all, so a null value is reported at its key (the parent).
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/scenario/program.hpp"

namespace kesim::scenario::detail {

// One `key: value` pair of a YAML map, in document order.
struct Field {
  std::string key;
  YAML::Node value;
  Loc key_loc;  // where the key is written
  Loc loc;      // where the value is written (the key's position for a null value)
};

// The pairs of one map. `get` returns nullptr for an absent key.
struct Fields {
  std::vector<Field> items;
  bool is_map = false;
  const Field* get(std::string_view key) const;
};

// `what` arguments name the thing being read in messages ("'priority'", "affinity entry").
class Reader {
 public:
  explicit Reader(std::vector<Diagnostic>& errors) : errors_(errors) {}

  void error(Loc loc, std::string message);
  std::size_t error_count() const { return errors_.size(); }

  // The node's 1-based position, or `fallback` when the node has none (null nodes).
  static Loc loc_of(const YAML::Node& node, Loc fallback);
  // "a map", "a list", "nothing" or the quoted scalar, for "got ..." in messages.
  static std::string describe(const YAML::Node& node);

  // Pairs of a map; reports a non-map (unless null, which reads as empty) and duplicate keys.
  Fields entries(const YAML::Node& map, Loc loc, std::string_view what);
  // Like entries, and reports keys outside `allowed` (with a did-you-mean hint).
  Fields fields(const YAML::Node& map, Loc loc, std::string_view what,
                std::span<const std::string_view> allowed);
  Fields fields(const YAML::Node& map, Loc loc, std::string_view what,
                std::initializer_list<std::string_view> allowed) {
    return fields(map, loc, what, std::span(allowed.begin(), allowed.size()));
  }
  // A key that fields() accepts on top of `allowed` while set (`as` in a step's arguments).
  std::string_view set_extra_key(std::string_view key) { return std::exchange(extra_key_, key); }
  // Items of a sequence (null reads as empty); nullopt after reporting a non-sequence.
  std::optional<std::vector<YAML::Node>> list(const YAML::Node& node, Loc loc, std::string_view what);

  std::optional<std::string> scalar(const YAML::Node& node, Loc loc, std::string_view what,
                                    std::string_view expected = "a string");
  std::optional<std::int64_t> integer(const YAML::Node& node, Loc loc, std::string_view what,
                                      std::int64_t min, std::int64_t max);
  std::optional<std::uint64_t> unsigned_integer(const YAML::Node& node, Loc loc,
                                                std::string_view what, std::uint64_t max);
  std::optional<bool> boolean(const YAML::Node& node, Loc loc, std::string_view what);
  std::optional<Duration> duration(const YAML::Node& node, Loc loc, std::string_view what);
  std::optional<int> irql(const YAML::Node& node, Loc loc, std::string_view what);
  std::optional<WaitReason> wait_reason(const YAML::Node& node, Loc loc, std::string_view what);
  // A scalar that must be one of `choices`; returns its index.
  std::optional<std::size_t> choice(const YAML::Node& node, Loc loc, std::string_view what,
                                    std::initializer_list<std::string_view> choices);

  // Field shorthands: `what` is the quoted key.
  std::optional<std::string> scalar(const Field& f) { return scalar(f.value, f.loc, q(f)); }
  std::optional<std::int64_t> integer(const Field& f, std::int64_t min, std::int64_t max) {
    return integer(f.value, f.loc, q(f), min, max);
  }
  std::optional<std::uint64_t> unsigned_integer(const Field& f, std::uint64_t max) {
    return unsigned_integer(f.value, f.loc, q(f), max);
  }
  std::optional<bool> boolean(const Field& f) { return boolean(f.value, f.loc, q(f)); }
  std::optional<Duration> duration(const Field& f) { return duration(f.value, f.loc, q(f)); }
  std::optional<int> irql(const Field& f) { return irql(f.value, f.loc, q(f)); }
  std::optional<WaitReason> wait_reason(const Field& f) { return wait_reason(f.value, f.loc, q(f)); }
  std::optional<std::size_t> choice(const Field& f, std::initializer_list<std::string_view> choices) {
    return choice(f.value, f.loc, q(f), choices);
  }

 private:
  static std::string q(const Field& f) { return "'" + f.key + "'"; }
  std::optional<Duration> bounded_duration(Duration d, Loc loc, std::string_view what,
                                           std::string_view text);
  // Counts `n` more nodes visited; false (after one error) past limits::kMaxNodes.
  bool charge_nodes(std::size_t n, Loc loc);
  std::vector<Diagnostic>& errors_;
  std::string_view extra_key_;
  std::size_t nodes_ = 0;
  bool over_nodes_ = false;
};

// Words longer than this get no suggestion (the edit distance is quadratic in the length).
inline constexpr std::size_t kMaxSuggestLength = 64;
// The closest of `candidates` to `word` by edit distance, if close enough to be a typo.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);
// "; did you mean 'X'?" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
// "a, b, c".
std::string join(std::span<const std::string_view> words);
inline std::string join(std::initializer_list<std::string_view> words) {
  return join(std::span(words.begin(), words.size()));
}

}  // namespace kesim::scenario::detail
