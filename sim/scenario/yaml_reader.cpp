// sim/scenario/yaml_reader.cpp — typed reading of yaml-cpp nodes with diagnostics.
// Scalars are parsed by hand (not YAML::Node::as<T>) so that the accepted spellings are the
// ones SCENARIO-FORMAT.md documents and nothing else (no `yes`/`on`, no octal, no `+1`).
#include "sim/scenario/yaml_reader.hpp"

#include "sim/engine/limits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>

namespace kesim::scenario::detail {

const Field* Fields::get(std::string_view key) const {
  for (const Field& f : items) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

void Reader::error(Loc loc, std::string message) {
  // A YAML alias bomb repeats its errors as often as its nodes: keep a bounded number. Past
  // the node budget every list reads as empty, so later errors are only its echoes.
  if (errors_.size() < limits::kMaxErrors && !over_nodes_) errors_.push_back({loc, std::move(message)});
}

Loc Reader::loc_of(const YAML::Node& node, Loc fallback) {
  if (!node.IsDefined() || node.IsNull()) return fallback;
  YAML::Mark m = node.Mark();
  if (m.is_null() || m.line < 0 || m.column < 0) return fallback;
  return {m.line + 1, m.column + 1};
}

std::string Reader::describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return fmt::format("'{}'", node.Scalar());
}

Fields Reader::entries(const YAML::Node& map, Loc loc, std::string_view what) {
  Fields out;
  if (!map.IsDefined() || map.IsNull()) {
    out.is_map = true;
    return out;
  }
  if (!map.IsMap()) {
    error(loc, fmt::format("expected a map for {}, got {}", what, describe(map)));
    return out;
  }
  out.is_map = true;
  if (!charge_nodes(map.size(), loc)) return out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    Loc key_loc = loc_of(it->first, loc);
    if (!it->first.IsScalar()) {
      error(key_loc, fmt::format("keys of {} must be plain names, got {}", what, describe(it->first)));
      continue;
    }
    Field f{it->first.Scalar(), it->second, key_loc, loc_of(it->second, key_loc)};
    if (const Field* first = out.get(f.key)) {
      error(key_loc, fmt::format("duplicate key '{}' in {} (first at line {})", f.key, what,
                                 first->key_loc.line));
      continue;
    }
    out.items.push_back(std::move(f));
  }
  return out;
}

Fields Reader::fields(const YAML::Node& map, Loc loc, std::string_view what,
                      std::span<const std::string_view> allowed) {
  Fields all = entries(map, loc, what);
  Fields out;
  out.is_map = all.is_map;
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (Field& f : all.items) {
    if (std::find(allowed.begin(), allowed.end(), f.key) == allowed.end() &&
        (extra_key_.empty() || f.key != extra_key_)) {
      error(f.key_loc, fmt::format("unknown key '{}' in {}{} (allowed: {})", f.key, what,
                                   did_you_mean(f.key, names), join(allowed)));
      continue;
    }
    out.items.push_back(std::move(f));
  }
  return out;
}

std::optional<std::vector<YAML::Node>> Reader::list(const YAML::Node& node, Loc loc,
                                                    std::string_view what) {
  std::vector<YAML::Node> items;
  if (!node.IsDefined() || node.IsNull()) return items;
  if (!node.IsSequence()) {
    error(loc, fmt::format("expected a list for {}, got {}", what, describe(node)));
    return std::nullopt;
  }
  if (!charge_nodes(node.size(), loc)) return items;
  for (const auto& item : node) items.push_back(item);
  return items;
}

std::optional<std::string> Reader::scalar(const YAML::Node& node, Loc loc, std::string_view what,
                                          std::string_view expected) {
  if (node.IsDefined() && node.IsScalar()) return node.Scalar();
  error(loc, fmt::format("expected {} for {}, got {}", expected, what, describe(node)));
  return std::nullopt;
}

std::optional<std::int64_t> Reader::integer(const YAML::Node& node, Loc loc, std::string_view what,
                                            std::int64_t min, std::int64_t max) {
  std::string expected = fmt::format("an integer in {}..{}", min, max);
  if (min == 0 && max == std::numeric_limits<std::int64_t>::max()) expected = "an integer >= 0";
  if (min == 1 && max == std::numeric_limits<std::int64_t>::max()) expected = "an integer >= 1";
  auto s = scalar(node, loc, what, expected);
  if (!s) return std::nullopt;
  auto v = parse_int(*s);
  if (!v || *v < min || *v > max) {
    error(loc, fmt::format("expected {} for {}, got '{}'", expected, what, *s));
    return std::nullopt;
  }
  return v;
}

std::optional<std::uint64_t> Reader::unsigned_integer(const YAML::Node& node, Loc loc,
                                                      std::string_view what, std::uint64_t max) {
  std::string expected = max == std::numeric_limits<std::uint64_t>::max()
                             ? std::string("an unsigned integer")
                             : fmt::format("an integer in 0..{}", max);
  auto s = scalar(node, loc, what, expected);
  if (!s) return std::nullopt;
  auto v = parse_uint(*s);
  if (!v || *v > max) {
    error(loc, fmt::format("expected {} for {}, got '{}'", expected, what, *s));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Reader::boolean(const YAML::Node& node, Loc loc, std::string_view what) {
  auto s = scalar(node, loc, what, "true or false");
  if (!s) return std::nullopt;
  if (*s == "true" || *s == "True" || *s == "TRUE") return true;
  if (*s == "false" || *s == "False" || *s == "FALSE") return false;
  error(loc, fmt::format("expected true or false for {}, got '{}'", what, *s));
  return std::nullopt;
}

std::optional<Duration> Reader::duration(const YAML::Node& node, Loc loc, std::string_view what) {
  constexpr std::string_view kExpected = "a duration (500ns, 10us, 5ms, 2s; a bare integer is ns)";
  auto s = scalar(node, loc, what, kExpected);
  if (!s) return std::nullopt;
  auto v = parse_duration(*s);
  if (!v) {
    error(loc, fmt::format("expected {} for {}, got '{}'", kExpected, what, *s));
    return std::nullopt;
  }
  return bounded_duration(*v, loc, what, *s);
}

std::optional<int> Reader::irql(const YAML::Node& node, Loc loc, std::string_view what) {
  constexpr std::string_view kExpected =
      "an IRQL (PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL, ..., HIGH_LEVEL, or 0..15)";
  auto s = scalar(node, loc, what, kExpected);
  if (!s) return std::nullopt;
  auto v = parse_irql(*s);
  if (!v) {
    error(loc, fmt::format("expected {} for {}, got '{}'", kExpected, what, *s));
    return std::nullopt;
  }
  return v;
}

std::optional<WaitReason> Reader::wait_reason(const YAML::Node& node, Loc loc, std::string_view what) {
  constexpr std::string_view kExpected = "a KWAIT_REASON name (Executive, UserRequest, WrPushLock, ...)";
  auto s = scalar(node, loc, what, kExpected);
  if (!s) return std::nullopt;
  if (auto r = wait_reason_from_name(*s)) return r;
  if (auto n = parse_uint(*s); n && *n < static_cast<std::uint64_t>(wait_reason_count())) {
    return static_cast<WaitReason>(*n);
  }
  std::vector<std::string> names;
  for (int i = 0; i < wait_reason_count(); ++i) names.emplace_back(wait_reason_name(static_cast<WaitReason>(i)));
  error(loc, fmt::format("unknown wait reason '{}' for {}{}", *s, what, did_you_mean(*s, names)));
  return std::nullopt;
}

std::optional<std::size_t> Reader::choice(const YAML::Node& node, Loc loc, std::string_view what,
                                          std::initializer_list<std::string_view> choices) {
  std::string expected = "one of " + join(choices);
  auto s = scalar(node, loc, what, expected);
  if (!s) return std::nullopt;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (*s == choices.begin()[i]) return i;
  }
  error(loc, fmt::format("expected {} for {}, got '{}'", expected, what, *s));
  return std::nullopt;
}

bool Reader::charge_nodes(std::size_t n, Loc loc) {
  if (over_nodes_) return false;
  nodes_ += n;
  if (nodes_ <= limits::kMaxNodes) return true;
  error(loc, fmt::format("more than {} YAML nodes once aliases are expanded (kesim's limit)",
                         limits::kMaxNodes));
  over_nodes_ = true;
  return false;
}

// Virtual time is a signed 64-bit count of ns: a duration near 2^63 would wrap `now + d`.
std::optional<Duration> Reader::bounded_duration(Duration d, Loc loc, std::string_view what,
                                                 std::string_view text) {
  if (d <= limits::kMaxDuration) return d;
  error(loc, fmt::format("duration '{}' for {} is too long: kesim accepts at most 2^62 ns "
                         "(about 146 years)", text, what));
  return std::nullopt;
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}
}  // namespace

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  // The edit distance is quadratic in the lengths: a hostile 2 MB name took 12 s. No name
  // worth a suggestion is that long, so long words get none.
  if (word.size() > kMaxSuggestLength) return std::nullopt;
  // A typo: at most a third of the word (at least one letter) changed, not all of it.
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(1, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    // The length difference is a lower bound of the distance: skip (long) names that cannot win
    // without computing anything.
    const std::size_t gap = c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
    if (gap >= best_distance) continue;
    std::size_t d = edit_distance(word, c);
    if (d < best_distance && d < word.size()) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto best = closest(word, candidates);
  return best ? fmt::format("; did you mean '{}'?", *best) : std::string();
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

}  // namespace kesim::scenario::detail
