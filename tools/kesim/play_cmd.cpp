// tools/kesim/play_cmd.cpp — the `play` subcommand: picks the screen, runs sim/play's session.
#include "tools/kesim/play_cmd.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "sim/play/session.hpp"
#include "sim/scenario/program.hpp"

namespace kesim::cli {

int cmd_play(const PlayArgs& a) {
  play::Options opt;
  if (!a.seed.empty()) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(a.seed.data(), a.seed.data() + a.seed.size(), v, 10);
    if (a.seed.size() > 20 || !std::all_of(a.seed.begin(), a.seed.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        ec != std::errc() || end != a.seed.data() + a.seed.size()) {
      fmt::print(stderr, "kesim play: bad --seed '{}' (a decimal integer from 0 to 18446744073709551615)\n", a.seed);
      return 2;
    }
    opt.seed = v;
  }
  opt.processors = a.processors;
  opt.verifier = a.verifier;
  if (!a.jitter.empty()) {
    opt.jitter = scenario::parse_percent(a.jitter);
    if (!opt.jitter) {
      fmt::print(stderr, "kesim play: bad --jitter '{}' (a percentage from 0 to 100, like 10 or 10%)\n", a.jitter);
      return 2;
    }
  }
  opt.predict = a.predict;
  opt.schedule = a.schedule;
  const char* term = std::getenv("TERM");
  const bool terminal = !a.plain && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term &&
                        std::strcmp(term, "dumb") != 0;
  std::unique_ptr<play::Screen> screen =
      terminal ? play::make_terminal_screen(std::cin, std::cout)
               : play::make_line_screen(std::cin, std::cout, /*echo=*/!isatty(STDIN_FILENO));
  const play::Outcome out = play::play_file(a.file, opt, *screen);
  screen.reset();
  if (!out.diagnostics.empty()) std::fputs(out.diagnostics.c_str(), stderr);
  return out.exit_code;
}

}  // namespace kesim::cli
