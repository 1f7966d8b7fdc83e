// sim/report/junit.cpp — JUnit XML for `kesim test --junit FILE`: one <testsuite> "kesim" with a
// <testcase> per scenario (classname = the file, time = virtual seconds) and a <failure> holding
// the mismatches, or an <error> for a scenario that did not load, crashed or timed out. The
// de-facto schema CI servers read (Jenkins/Ant junit-4.xsd). Every attribute and text node is
// XML-escaped; invalid UTF-8 and characters XML 1.0 forbids become U+FFFD, so any scenario or
// file name gives a well-formed document.
#include <fmt/format.h>

#include "sim/report/report.hpp"

namespace kesim::report {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER

// Length of the well-formed UTF-8 sequence at s[i] (Unicode 15, table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 if it is not one. Sets `cp`.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const unsigned char t = b(k);
    if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xBF)) return 0;
    cp = (cp << 6) | (t & 0x3F);
  }
  return n;
}

// XML 1.0 section 2.2, production [2] Char.
bool xml_char(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

}  // namespace

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0 || !xml_char(cp)) {
      out += kReplacement;  // one per invalid byte, or per forbidden character
      i += n == 0 ? 1 : n;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;  // a raw CR would be normalized away by the parser
      case '\t': out += "&#9;"; break;   // likewise in attribute values
      default: out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

std::string render_junit(const std::vector<TestCase>& cases) {
  std::size_t failures = 0, errors = 0;
  double total = 0;
  for (const TestCase& c : cases) {
    failures += !c.passed && !c.error ? 1 : 0;
    errors += !c.passed && c.error ? 1 : 0;
    total += c.virtual_seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"kesim\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.9f}\">\n",
                     cases.size(), failures, errors, total);
  out += fmt::format("  <testsuite name=\"kesim\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" "
                     "time=\"{:.9f}\">\n",
                     cases.size(), failures, errors, total);
  for (const TestCase& c : cases) {
    out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.9f}\"", xml_escape(c.name),
                       xml_escape(c.file), c.virtual_seconds);
    if (c.passed) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    const char* element = c.error ? "error" : "failure";
    out += fmt::format("      <{} message=\"{}\" type=\"{}\">{}</{}>\n", element,
                       xml_escape(first_line(c.failure)), xml_escape(c.failure_type),
                       xml_escape(c.failure), element);
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace kesim::report
