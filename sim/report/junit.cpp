// sim/report/junit.cpp — JUnit XML for `kesim test --junit FILE`: one <testsuite> "kesim" with a
// <testcase> per scenario (classname = the file, time = virtual seconds) and a <failure> holding
// the mismatches. The de-facto schema CI servers read (Jenkins/Ant junit-4.xsd); every attribute
// and text node is XML-escaped, and characters XML 1.0 forbids are dropped.
#include <fmt/format.h>

#include "sim/report/report.hpp"

namespace kesim::report {

namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') break;  // not allowed in XML 1.0
        out += ch;
    }
  }
  return out;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

std::string render_junit(const std::vector<TestCase>& cases) {
  std::size_t failures = 0;
  double total = 0;
  for (const TestCase& c : cases) {
    failures += c.passed ? 0 : 1;
    total += c.virtual_seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"kesim\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.9f}\">\n",
                     cases.size(), failures, total);
  out += fmt::format("  <testsuite name=\"kesim\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
                     "time=\"{:.9f}\">\n",
                     cases.size(), failures, total);
  for (const TestCase& c : cases) {
    out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.9f}\"", xml_escape(c.name),
                       xml_escape(c.file), c.virtual_seconds);
    if (c.passed) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    out += fmt::format("      <failure message=\"{}\" type=\"expectation\">{}</failure>\n",
                       xml_escape(first_line(c.failure)), xml_escape(c.failure));
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace kesim::report
