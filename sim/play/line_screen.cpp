// sim/play/line_screen.cpp — the plain line protocol of `kesim play` (README "Play"): each
// choice point prints a heading line "--- choice N, t = T ---", the machine panel, "Choices:"
// and the numbered choices, then the prompt "choice> " (no newline); a question prints
// "--- question N ---", the question and "answer> ". Output of a command (a view, a hint)
// follows the line typed, then the prompt again. Stable: tests and scripts rely on it.
#include <istream>
#include <ostream>
#include <string>

#include "sim/play/screen.hpp"

namespace kesim::play {

namespace {

class LineScreen final : public Screen {
 public:
  LineScreen(std::istream& in, std::ostream& out, bool echo) : in_(in), out_(out), echo_(echo) {}

  void print(std::string_view text) override {
    out_ << text;
    if (!text.empty() && text.back() != '\n') out_ << '\n';
    out_.flush();
  }

  std::optional<std::string> read(const Frame& f) override {
    if (f.fresh) {
      out_ << "\n--- " << f.heading << " ---\n";
      if (!f.machine.empty()) out_ << f.machine;
      out_ << (f.machine.empty() ? "" : "Choices:\n") << f.body;
    }
    if (!f.message.empty()) {
      out_ << f.message;
      if (f.message.back() != '\n') out_ << '\n';
    }
    out_ << f.prompt;
    out_.flush();
    std::string line;
    if (!std::getline(in_, line)) {
      out_ << "(end of input)\n";
      out_.flush();
      return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (echo_) out_ << line << "\n";  // a terminal echoes what was typed itself
    out_.flush();
    return line;
  }

 private:
  std::istream& in_;
  std::ostream& out_;
  bool echo_;
};

}  // namespace

std::unique_ptr<Screen> make_line_screen(std::istream& in, std::ostream& out, bool echo) {
  return std::make_unique<LineScreen>(in, out, echo);
}

}  // namespace kesim::play
