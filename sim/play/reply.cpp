// sim/play/reply.cpp — comparing a predicted value with the simulated one.
#include "sim/play/reply.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "sim/ke/types.hpp"

namespace kesim::play {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string first_word(const std::string& s) { return s.substr(0, s.find(' ')); }

std::optional<std::int64_t> integer(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::string_view v = s;
  bool neg = false;
  if (v.front() == '-') {
    neg = true;
    v.remove_prefix(1);
  }
  int base = 10;
  if (v.starts_with("0x")) {
    base = 16;
    v.remove_prefix(2);
  }
  std::uint64_t u = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), u, base);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size()) return std::nullopt;
  return neg ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
}

std::string canonical(const std::string& s) {
  const std::string l = lower(s);
  if (l == "yes" || l == "y") return "true";
  if (l == "no" || l == "n") return "false";
  return l;
}

}  // namespace

bool same_reply(const std::string& reply, const std::string& truth, const std::string& key) {
  const std::string r = canonical(reply);
  const std::string t = canonical(first_word(truth));  // "4097 (0x1001)" -> "4097"
  if (r.empty()) return false;
  if (r == t) return true;
  const auto ri = integer(r), ti = integer(t);
  if (ri && ti) return *ri == *ti;
  if (key == "irql") {
    if (ri && *ri >= 0 && *ri <= 15) return lower(ke::irql_name(static_cast<ke::KIRQL>(*ri))) == t;
    return r + "_level" == t;
  }
  return false;
}

}  // namespace kesim::play
