// sim/play/terminal_screen.cpp — the full-screen terminal UI of `kesim play`: plain ANSI
// escape sequences (no curses; the machine has no terminal library to rely on). Each prompt
// redraws the whole screen: a title bar, the machine panel, the choices (or the question),
// the messages since the last prompt, and at the bottom a status line and the input line.
// Input is read a line at a time in the terminal's normal (cooked) mode, so editing, echo and
// Ctrl-D behave as everywhere else. The alternate screen buffer keeps the user's scrollback;
// finish() leaves it so the final report stays on the normal screen.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "sim/play/screen.hpp"

namespace kesim::play {

namespace {

constexpr const char* kClear = "\x1b[H\x1b[2J";
constexpr const char* kAltOn = "\x1b[?1049h";
constexpr const char* kAltOff = "\x1b[?1049l";
constexpr const char* kInverse = "\x1b[7m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kReset = "\x1b[0m";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t nl = std::min(text.find('\n', i), text.size());
    out.push_back(text.substr(i, nl - i));
    i = nl + 1;
  }
  return out;
}

// Messages are prose (a hint, the truth after a question): wrapped at spaces, not cut.
std::vector<std::string> wrapped(const std::vector<std::string>& lines, int cols) {
  const auto width = static_cast<std::size_t>(std::max(cols - 1, 20));
  std::vector<std::string> out;
  for (std::string l : lines) {
    while (l.size() > width) {
      std::size_t cut = l.rfind(' ', width);
      if (cut == std::string::npos || cut == 0) cut = width;
      out.push_back(l.substr(0, cut));
      l = "  " + l.substr(l[cut] == ' ' ? cut + 1 : cut);
    }
    out.push_back(l);
  }
  return out;
}

// Ctrl-C (or a kill) while the alternate screen is on would leave the terminal on it: switch
// back first (write(2) is async-signal-safe), then end as the signal would have.
extern "C" void leave_alternate_screen(int sig) {
  constexpr char kOff[] = "\x1b[?1049l\n";
  [[maybe_unused]] const ssize_t n = write(STDOUT_FILENO, kOff, sizeof kOff - 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

class TerminalScreen final : public Screen {
 public:
  TerminalScreen(std::istream& in, std::ostream& out) : in_(in), out_(out) {
    out_ << kAltOn;
    old_int_ = std::signal(SIGINT, leave_alternate_screen);
    old_term_ = std::signal(SIGTERM, leave_alternate_screen);
  }
  ~TerminalScreen() override { finish(); }

  void print(std::string_view text) override {
    if (finished_) {
      out_ << text;
      if (!text.empty() && text.back() != '\n') out_ << '\n';
      out_.flush();
      return;
    }
    // Shown in the message area of the next frame.
    log_ += std::string(text);
    if (!log_.empty() && log_.back() != '\n') log_ += '\n';
  }

  std::optional<std::string> read(const Frame& f) override {
    if (!f.message.empty()) {
      log_ += f.message;
      if (log_.back() != '\n') log_ += '\n';
    }
    draw(f);
    log_.clear();
    std::string line;
    if (!std::getline(in_, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }

  void finish() override {
    if (finished_) return;
    finished_ = true;
    out_ << kAltOff;
    out_.flush();
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }

 private:
  void size(int& rows, int& cols) const {
    rows = 40;
    cols = 120;
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
      rows = ws.ws_row;
      cols = ws.ws_col;
    }
  }

  // Lines that fit in `cols`; `budget` lines at most (the last says how many were left out).
  void put(std::vector<std::string>& screen, const std::vector<std::string>& lines, std::size_t budget, int cols) {
    const auto width = static_cast<std::size_t>(std::max(cols, 10));
    for (std::size_t i = 0; i < lines.size() && budget > 0; ++i, --budget) {
      if (budget == 1 && i + 1 < lines.size()) {
        screen.push_back("  ... " + std::to_string(lines.size() - i) + " more lines (use the views: !locks, !thread NAME)");
        return;
      }
      screen.push_back(lines[i].size() > width ? lines[i].substr(0, width - 1) + ">" : lines[i]);
    }
  }

  void draw(const Frame& f) {
    int rows = 0, cols = 0;
    size(rows, cols);
    const std::vector<std::string> machine = lines_of(f.machine);
    // A question is prose too; choices stay one per line (cut, with the step's place last).
    const std::vector<std::string> body = f.machine.empty() ? wrapped(lines_of(f.body), cols) : lines_of(f.body);
    const std::vector<std::string> log = wrapped(lines_of(log_), cols);
    // Fixed: title, heading, the body's header, status and input lines. The body always fits
    // first (it is what the person acts on), then the messages, then the machine.
    const auto total = static_cast<std::size_t>(std::max(rows - 6, 6));
    const std::size_t body_rows = std::min(body.size(), total / 2 + 1);
    const std::size_t log_rows = std::min(log.size(), (total - body_rows) / 2);
    const std::size_t machine_rows = total - body_rows - log_rows;

    std::vector<std::string> screen;
    put(screen, machine, machine_rows, cols);
    std::vector<std::string> lower;
    put(lower, body, body_rows, cols);
    std::vector<std::string> messages;
    if (!log.empty()) put(messages, log, log_rows, cols);

    std::string title = " " + f.title + "  |  " + f.heading;
    title.resize(static_cast<std::size_t>(std::max(cols, 1)), ' ');
    out_ << kClear << kInverse << title << kReset << "\n";
    for (const std::string& l : screen) out_ << l << "\n";
    out_ << kBold << (f.machine.empty() ? "Question" : "Choices") << kReset << "\n";
    for (const std::string& l : lower) out_ << l << "\n";
    if (!messages.empty()) {
      out_ << kBold << "Messages" << kReset << "\n";
      for (const std::string& l : messages) out_ << l << "\n";
    }
    // The status and input lines sit on the last two rows.
    std::string status = f.machine.empty() ? " type your answer, then Enter"
                                           : " number: run it | Enter: * | undo | !thread NAME | !locks | !apc | "
                                             "!waiters | hint | help | quit";
    status.resize(static_cast<std::size_t>(std::max(cols, 1)), ' ');
    out_ << "\x1b[" << rows - 1 << ";1H" << kInverse << status << kReset;
    out_ << "\x1b[" << rows << ";1H\x1b[2K" << f.prompt;
    out_.flush();
  }

  std::istream& in_;
  std::ostream& out_;
  std::string log_;
  bool finished_ = false;
  void (*old_int_)(int) = SIG_DFL;
  void (*old_term_)(int) = SIG_DFL;
};

}  // namespace

std::unique_ptr<Screen> make_terminal_screen(std::istream& in, std::ostream& out) {
  return std::make_unique<TerminalScreen>(in, out);
}

}  // namespace kesim::play
