// sim/check/catalog_suggest.cpp — "did you mean" for `kesim explain`: the known topics closest
// to a misspelled one. Candidates are every bugcheck name and code and every operation name;
// closeness is the optimal-string-alignment distance (insertions, deletions, substitutions
// and swaps of two neighbours), case-insensitive. Ties keep catalogue order, so the answer
// does not depend on anything but the catalogue.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "sim/check/catalog.hpp"

namespace kesim::check {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> d((n + 1) * (m + 1));
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * (m + 1) + j]; };
  for (std::size_t i = 0; i <= n; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= m; ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(n, m);
}

}  // namespace

std::vector<std::string> suggest_topics(std::string_view topic) {
  const std::string want = lower(topic);
  if (want.empty()) return {};
  struct Candidate {
    std::string topic;
    std::size_t score;  // smaller is better
  };
  std::vector<Candidate> found;
  auto consider = [&](const std::string& name) {
    const std::string l = lower(name);
    // A name that starts with what was typed ("ExAcquirePushLock", "KERNEL_AUTO_BOOST") is
    // what the user was reaching for, however long the rest is.
    std::size_t score = l.rfind(want, 0) == 0 && want.size() >= 4 ? 1 : distance(want, l);
    // Allow about one edit per four characters typed, and at least two.
    const std::size_t limit = std::max<std::size_t>(2, want.size() / 4);
    if (score <= limit) found.push_back({name, score});
  };
  // Codes are not candidates: a mistyped number is not "close" to another code in any
  // useful sense (0x2 is one edit from 0x1, 0x5 and 0x9 alike).
  for (const BugcheckInfo& b : all_bugchecks()) consider(b.name);
  for (const OperationInfo& op : all_operations()) consider(op.name);
  std::stable_sort(found.begin(), found.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score < b.score; });
  std::vector<std::string> out;
  for (const Candidate& c : found) {
    if (out.size() == 3) break;
    if (std::find(out.begin(), out.end(), c.topic) == out.end()) out.push_back(c.topic);
  }
  return out;
}

}  // namespace kesim::check
