// sim/check/catalog.cpp — lookups over the teaching catalogue and the text of
// `kesim explain TOPIC` and of the topic list. The tables are generated at build time from
// sim/check/catalog/*.yaml (catalog_data.hpp).
// The layout mimics `!analyze -v` (Microsoft Learn, "!analyze"): "NAME (code)", summary,
// "Arguments:", "Arg1: ..."; then kesim's teaching text and the entry's sources.
#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/check/catalog.hpp"
#include "sim/check/catalog_data.hpp"

namespace kesim::check {
namespace {

constexpr std::size_t kWidth = 78;

// Display width of UTF-8 text: one column per code point (dashes in seed titles, arrows).
std::size_t columns(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Appends `text` word-wrapped at kWidth columns; the first line starts with `first`, the
// following ones with `rest` (a hanging indent). Words longer than a line are not split.
void append_wrapped(std::string& out, std::string_view text, std::string_view first = {},
                    std::string_view rest = {}) {
  std::string line(first);
  std::size_t col = columns(first);
  bool empty = true;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t next = std::min(text.find(' ', pos), text.size());
    const std::string_view word = text.substr(pos, next - pos);
    pos = next + 1;
    if (word.empty()) continue;
    const std::size_t w = columns(word);
    if (!empty && col + 1 + w > kWidth) {
      out += line;
      out += '\n';
      line.assign(rest);
      col = columns(rest);
      empty = true;
    }
    if (!empty) {
      line += ' ';
      ++col;
    }
    line += word;
    col += w;
    empty = false;
  }
  out += line;
  out += '\n';
}

std::string hex(std::uint64_t v, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  return s;
}

// "0x7E", as Microsoft's bug check reference writes codes (without the leading zeros).
std::string code_text(std::uint32_t code) { return "0x" + hex(code, true); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// "0x162", "0X162", "162" (hex), "0x0000000A". nullopt unless it is hex that fits 32 bits.
std::optional<std::uint32_t> parse_hex(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : (c >= 'a' && c <= 'f')                   ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F')                   ? c - 'A' + 10
                                                             : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<std::uint64_t>(d);
    if (v > 0xFFFFFFFFu) return std::nullopt;
  }
  return static_cast<std::uint32_t>(v);
}

// A code as typed by a user; the "_M" variants (0x1000007E) name the same bugcheck.
const BugcheckInfo* resolve_code(std::uint32_t code) {
  if (const BugcheckInfo* b = find_bugcheck(code)) return b;
  if ((code & 0xF0000000u) == 0x10000000u) return find_bugcheck(code & 0x0FFFFFFFu);
  return nullptr;
}

// "Sources:" then one source a line; a Microsoft page is followed by its URL on a line of its
// own (a URL is never wrapped, so that line may be longer than the others).
void append_sources(std::string& out, std::span<const SourceRef> sources) {
  out += "Sources:\n";
  for (const SourceRef& s : sources) {
    switch (s.kind) {
      case SourceKind::microsoft:
        append_wrapped(out, std::string("Microsoft Learn, ") + s.title, "  ", "    ");
        out += std::string("    ") + s.location + "\n";
        break;
      case SourceKind::reactos:
        append_wrapped(out, std::string("ReactOS ") + s.title, "  ", "    ");
        break;
      case SourceKind::seed:
        append_wrapped(out, s.title, "  ", "    ");
        break;
      case SourceKind::kesim:
        append_wrapped(out, std::string("kesim README, ") + s.title, "  ", "    ");
        break;
    }
  }
}

std::string explain_bugcheck(const BugcheckInfo& b, const VerifierSubcodeInfo* sub) {
  std::string out = std::string(b.name) + " (" + hex(b.code, false) + ")\n";
  append_wrapped(out, b.summary);
  out += "Arguments:\n";
  for (int i = 0; i < 4; ++i) {
    const std::string label = "Arg" + std::to_string(i + 1) + ": ";
    std::string meaning = b.params[i];
    if (sub != nullptr) {
      meaning = i == 0 ? code_text(sub->subcode) + ", " + sub->summary : sub->params[i - 1];
    }
    append_wrapped(out, meaning, label, "      ");
  }
  if (b.code == 0xC4 && sub == nullptr) {
    out += "Subcodes described here (Arg1):\n";
    for (const VerifierSubcodeInfo& s : detail::verifier_subcode_table()) {
      std::string label = code_text(s.subcode) + ":";
      label.resize(std::max<std::size_t>(label.size() + 1, 7), ' ');
      append_wrapped(out, s.summary, label, "       ");
      const std::string args = std::string("Arg2: ") + s.params[0] + "; Arg3: " + s.params[1] +
                               "; Arg4: " + s.params[2];
      append_wrapped(out, args, "       ", "       ");
    }
  }
  out += "Why it happens\n";
  append_wrapped(out, b.teaching);
  append_sources(out, b.sources);
  return out;
}

// Catalogued bugcheck codes named in `text` as "0x..." tokens, in order of first mention,
// each as "0x7E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED". A token right after '/' is a 0xC4
// subcode ("0xC4/0x122") and is skipped.
std::vector<std::string> related_bugchecks(std::string_view text) {
  std::vector<std::string> list;
  std::vector<std::uint32_t> seen;
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    if (text[i] != '0' || (text[i + 1] != 'x' && text[i + 1] != 'X')) continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '/'))
      continue;
    std::size_t end = i + 2;
    while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end < text.size() && std::isalnum(static_cast<unsigned char>(text[end]))) continue;
    const auto code = parse_hex(text.substr(i, end - i));
    const BugcheckInfo* b = code ? find_bugcheck(*code) : nullptr;
    if (b == nullptr || std::find(seen.begin(), seen.end(), b->code) != seen.end()) continue;
    seen.push_back(b->code);
    list.push_back(code_text(b->code) + " " + b->name);
  }
  return list;
}

std::string explain_operation(const OperationInfo& op) {
  std::string out = std::string(op.name) + "\n";
  out += "What it does\n";
  append_wrapped(out, op.summary);
  out += "IRQL\n";
  append_wrapped(out, op.irql);
  out += "Misuse\n";
  append_wrapped(out, op.misuse);
  if (const auto related = related_bugchecks(op.misuse); !related.empty()) {
    out += "Related bugchecks:\n";
    for (const std::string& r : related) out += "  " + r + "\n";
  }
  append_sources(out, op.sources);
  return out;
}

}  // namespace

std::span<const BugcheckInfo> all_bugchecks() { return detail::bugcheck_table(); }

const BugcheckInfo* find_bugcheck(std::uint32_t code) {
  const auto table = detail::bugcheck_table();
  const auto it = std::lower_bound(table.begin(), table.end(), code,
                                   [](const BugcheckInfo& b, std::uint32_t c) { return b.code < c; });
  return (it != table.end() && it->code == code) ? &*it : nullptr;
}

std::span<const OperationInfo> all_operations() { return detail::operation_table(); }

const OperationInfo* find_operation(std::string_view name) {
  for (const OperationInfo& op : detail::operation_table())
    if (op.name == name) return &op;
  return nullptr;
}

const BugcheckInfo* find_bugcheck_by_name(std::string_view name) {
  for (const BugcheckInfo& b : all_bugchecks()) {
    if (iequals(b.name, name)) return &b;
  }
  return nullptr;
}

const VerifierSubcodeInfo* find_verifier_subcode(std::uint32_t subcode) {
  for (const VerifierSubcodeInfo& s : detail::verifier_subcode_table()) {
    if (s.subcode == subcode) return &s;
  }
  return nullptr;
}

std::span<const VerifierSubcodeInfo> all_verifier_subcodes() {
  return detail::verifier_subcode_table();
}

const char* bugcheck_param_meaning(std::uint32_t code, int index, std::uint64_t arg1) {
  const BugcheckInfo* b = find_bugcheck(code);
  if (b == nullptr || index < 0 || index > 3) return nullptr;
  if (code == 0xC4 && index > 0 && arg1 <= 0xFFFFFFFFu) {
    if (const VerifierSubcodeInfo* s = find_verifier_subcode(static_cast<std::uint32_t>(arg1)))
      return s->params[index - 1];
  }
  return b->params[index];
}

std::string explain(std::string_view topic) {
  topic = trim(topic);
  if (topic.empty()) return "";
  if (const OperationInfo* op = find_operation(topic)) return explain_operation(*op);

  // "0xC4/0x122" or "0xC4:0x122": one verifier subcode.
  if (const std::size_t sep = topic.find_first_of("/:"); sep != std::string_view::npos) {
    const auto code = parse_hex(trim(topic.substr(0, sep)));
    const auto sub = parse_hex(trim(topic.substr(sep + 1)));
    const BugcheckInfo* b = code ? resolve_code(*code) : nullptr;
    const VerifierSubcodeInfo* s = sub ? find_verifier_subcode(*sub) : nullptr;
    if (b == nullptr || b->code != 0xC4 || s == nullptr) return "";
    return explain_bugcheck(*b, s);
  }
  if (const auto code = parse_hex(topic)) {
    if (const BugcheckInfo* b = resolve_code(*code)) return explain_bugcheck(*b, nullptr);
  }
  if (const BugcheckInfo* b = find_bugcheck_by_name(topic)) return explain_bugcheck(*b, nullptr);
  for (const OperationInfo& op : all_operations()) {
    if (iequals(op.name, topic)) return explain_operation(op);
  }
  return "";
}

std::string explain_topics() {
  std::string out = "Bugchecks (kesim explain CODE or NAME; 0xC4/SUBCODE for one Verifier rule):\n";
  for (const BugcheckInfo& b : all_bugchecks()) {
    std::string label = "  " + code_text(b.code);
    label.resize(std::max<std::size_t>(label.size() + 1, 14), ' ');
    out += label + b.name + "\n";
  }
  // Wrapped: the Deadlock Detection subcodes made the list longer than one line.
  std::string subcodes;
  for (const VerifierSubcodeInfo& s : all_verifier_subcodes()) subcodes += " " + code_text(s.subcode);
  append_wrapped(out, subcodes, "Driver Verifier subcodes of 0xC4: ", "  ");
  out += "Operations (kesim explain NAME), by group:\n";
  const auto ops = all_operations();
  for (std::size_t i = 0; i < ops.size();) {
    const std::string_view group = ops[i].group;
    std::string names;
    for (; i < ops.size() && ops[i].group == group; ++i) {
      if (!names.empty()) names += ", ";
      names += ops[i].name;
    }
    std::string label = "  " + std::string(group) + ":";
    append_wrapped(out, names, label + " ", "      ");
  }
  return out;
}

}  // namespace kesim::check
