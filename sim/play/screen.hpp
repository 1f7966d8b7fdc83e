// sim/play/screen.hpp — what a person sees and types during `kesim play`. The session decides
// what to show; a Screen decides how: LineScreen (plain lines, when stdin or stdout is not a
// terminal: scripts and tests drive it) or TerminalScreen (full-screen ANSI, redrawn per
// choice). Tests implement it with a script of lines.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kesim::play {

// One prompt: the machine, the numbered choices (or a question), the last command's output.
struct Frame {
  std::string title;    // "kesim play: t.yaml" or the level's title
  std::string heading;  // "choice 3 of this run, t = 20 us" / "question 1"
  std::string machine;  // the machine panel (empty while a question is asked: it would tell)
  std::string body;     // the numbered choices, or the question
  std::string message;  // what the last command printed (a view, a hint, an error)
  std::string prompt;   // "choice> " or "answer> "
  bool fresh = true;    // the first prompt at this point (false after a view, hint...)
};

class Screen {
 public:
  virtual ~Screen() = default;
  // A message between prompts: the briefing, "2 scheduling points ran by themselves", the
  // truth after a question.
  virtual void print(std::string_view text) = 0;
  // Shows the frame and reads one line (without its newline); nullopt at end of input.
  virtual std::optional<std::string> read(const Frame& f) = 0;
  // The run is over: leave any full-screen mode; the final report follows through print().
  virtual void finish() {}
};

// Plain text on `out`, lines from `in`. With echo, each line read is printed after its prompt
// (so a transcript of a scripted session reads like a person's).
std::unique_ptr<Screen> make_line_screen(std::istream& in, std::ostream& out, bool echo);
// Full-screen ANSI on a terminal (stdin and stdout are ttys).
std::unique_ptr<Screen> make_terminal_screen(std::istream& in, std::ostream& out);

}  // namespace kesim::play
