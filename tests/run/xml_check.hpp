// tests/run/xml_check.hpp — a small XML 1.0 well-formedness check for the JUnit tests (no XML
// library is a dependency): UTF-8 and Char (section 2.2), balanced and matching tags, quoted
// attributes, only the five predefined entities and character references, one root element.
// Returns "" if well-formed, else what is wrong and where.
#pragma once

#include <cctype>
#include <string>
#include <vector>

namespace kesim::test {

inline std::string xml_problem(const std::string& s) {
  // UTF-8 and Char first, so the structural pass can treat bytes >= 0x80 as text.
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return "invalid UTF-8 at byte " + std::to_string(i);
    char32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (std::size_t k = 1; k < n; ++k) {
      const auto t = static_cast<unsigned char>(s[i + k]);
      if ((t & 0xC0) != 0x80) return "invalid UTF-8 at byte " + std::to_string(i);
      cp = (cp << 6) | (t & 0x3F);
    }
    const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    const bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                    (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (overlong || !ok) return "character not allowed in XML at byte " + std::to_string(i);
    i += n;
  }
  const auto is_name = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.' || ch == ':'; };
  const auto entity_ok = [&](std::size_t& i) {  // s[i] == '&'
    const std::size_t semi = s.find(';', i);
    if (semi == std::string::npos) return false;
    const std::string e = s.substr(i + 1, semi - i - 1);
    bool ok = e == "amp" || e == "lt" || e == "gt" || e == "quot" || e == "apos";
    if (!ok && e.size() > 1 && e[0] == '#') {
      const bool hex = e[1] == 'x';
      ok = e.size() > (hex ? 2u : 1u);
      for (std::size_t k = hex ? 2 : 1; k < e.size(); ++k)
        ok = ok && (hex ? std::isxdigit(static_cast<unsigned char>(e[k])) : std::isdigit(static_cast<unsigned char>(e[k])));
    }
    i = semi + 1;
    return ok;
  };
  std::vector<std::string> open;
  int roots = 0;
  std::size_t i = 0;
  if (s.rfind("<?xml", 0) == 0) {
    i = s.find("?>");
    if (i == std::string::npos) return "unterminated XML declaration";
    i += 2;
  }
  while (i < s.size()) {
    const char ch = s[i];
    if (ch == '&') {
      if (open.empty() || !entity_ok(i)) return "bad entity reference at byte " + std::to_string(i);
      continue;
    }
    if (ch != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(ch))) return "text outside the root at byte " + std::to_string(i);
      if (ch == '>' && i >= 2 && s.compare(i - 2, 2, "]]") == 0) return "']]>' in text";
      ++i;
      continue;
    }
    const bool closing = i + 1 < s.size() && s[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < s.size() && is_name(s[j])) ++j;
    const std::string name = s.substr(name_start, j - name_start);
    if (name.empty()) return "bad tag at byte " + std::to_string(i);
    if (closing) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size() || s[j] != '>') return "bad end tag at byte " + std::to_string(i);
      if (open.empty() || open.back() != name) return "mismatched </" + name + ">";
      open.pop_back();
      i = j + 1;
      continue;
    }
    for (;;) {  // attributes
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size()) return "unterminated tag <" + name + ">";
      if (s[j] == '>' || s.compare(j, 2, "/>") == 0) break;
      const std::size_t a = j;
      while (j < s.size() && is_name(s[j])) ++j;
      if (j == a || j + 1 >= s.size() || s[j] != '=' || (s[j + 1] != '"' && s[j + 1] != '\''))
        return "bad attribute in <" + name + ">";
      const char q = s[j + 1];
      j += 2;
      while (j < s.size() && s[j] != q) {
        if (s[j] == '<') return "'<' in an attribute of <" + name + ">";
        if (s[j] == '&') {
          if (!entity_ok(j)) return "bad entity in an attribute of <" + name + ">";
        } else {
          ++j;
        }
      }
      if (j >= s.size()) return "unterminated attribute in <" + name + ">";
      ++j;
    }
    if (open.empty() && ++roots > 1) return "more than one root element";
    if (s[j] == '/') {
      i = j + 2;
    } else {
      open.push_back(name);
      i = j + 1;
    }
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (roots != 1) return "no root element";
  return "";
}

}  // namespace kesim::test
