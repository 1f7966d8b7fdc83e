// sim/play/session.cpp — the play loop: runs, undo by replay, commands, questions, the end.
#include "sim/play/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iterator>

#include "sim/explore/dfs.hpp"
#include "sim/explore/token.hpp"
#include "sim/ke/types.hpp"
#include "sim/machine/machine.hpp"
#include "sim/play/panel.hpp"
#include "sim/play/reply.hpp"
#include "sim/play/strategy.hpp"
#include "sim/report/report.hpp"
#include "sim/run/evaluate.hpp"
#include "sim/run/run.hpp"
#include "sim/scenario/interpreter.hpp"
#include "sim/scenario/source_map.hpp"

namespace kesim::play {

const char* const kHelp =
    "Commands:\n"
    "  N               run choice N next (Enter alone: the choice marked *, kesim's default)\n"
    "  undo            take back the last choice (as often as you like)\n"
    "  !thread NAME    a thread as WinDbg's !thread shows it (!thread alone: every thread)\n"
    "  !locks          the locks and who holds them\n"
    "  !pushlock NAME  a push lock's word, bit by bit\n"
    "  !apc            queued APCs\n"
    "  !waiters        who waits for what\n"
    "  !ready          the ready queues\n"
    "  hint            the next hint of a level\n"
    "  help            this text\n"
    "  quit            stop choosing: the rest runs as kesim would, then the report and token\n";

namespace {

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A question answered in an earlier run of this session (before an undo).
struct Answer {
  std::size_t picks_before = 0;  // picks made when it was asked: it recurs while they stand
  bool correct = false;
};

class Session final : public ChoiceSink, public scenario::AskHandler {
 public:
  Session(const scenario::Program& p, const Options& opt, Screen& screen)
      : p_(p), opt_(opt), screen_(screen) {
    title_ = p.level.present && !p.level.title.empty() ? p.level.title : "kesim play: " + p.file;
  }

  // The machine of the current run.
  void attach(machine::Machine& m, PlayStrategy& s) {
    m_ = &m;
    s_ = &s;
    asks_this_run_ = 0;
  }
  bool eof() const { return eof_; }
  // After an undo that went back to `picks` picks: questions asked later will be asked again.
  void forget_answers_after(std::size_t picks) {
    while (!answers_.empty() && answers_.back().picks_before > picks) answers_.pop_back();
  }
  int questions() const { return static_cast<int>(answers_.size()); }
  int correct() const {
    return static_cast<int>(std::count_if(answers_.begin(), answers_.end(), [](const Answer& a) { return a.correct; }));
  }

  Decision decide(std::span<const Choice> choices, std::uint32_t dflt) override;
  void on_ask(const scenario::AskEvent& e) override;

 private:
  std::string command(const std::string& line, bool* done, Decision* d, std::span<const Choice> choices,
                      std::uint32_t dflt);

  const scenario::Program& p_;
  Options opt_;
  Screen& screen_;
  std::string title_;
  machine::Machine* m_ = nullptr;
  PlayStrategy* s_ = nullptr;
  std::size_t hints_shown_ = 0;
  std::vector<Answer> answers_;
  std::size_t asks_this_run_ = 0;
  bool eof_ = false;
};

Decision Session::decide(std::span<const Choice> choices, std::uint32_t dflt) {
  if (eof_) return {Decision::quit, 0};
  if (const std::uint64_t n = s_->points_since_last(); n > 1)
    screen_.print(fmt::format("({} scheduling point{} with a single choice ran by {})", n - 1, n == 2 ? "" : "s",
                              n == 2 ? "itself" : "themselves"));
  Frame f;
  f.title = title_;
  f.heading = fmt::format("choice {}, t = {}", s_->picks().size() + 1,
                          report::format_time(m_->kernel().engine().now()));
  f.machine = render_machine(*m_);
  f.body = render_choices(*m_, choices, dflt);
  f.prompt = "choice> ";
  for (;;) {
    const std::optional<std::string> line = screen_.read(f);
    f.fresh = false;
    if (!line) {
      eof_ = true;
      return {Decision::quit, 0};
    }
    bool done = false;
    Decision d;
    f.message = command(trim(*line), &done, &d, choices, dflt);
    if (done) return d;
  }
}

// One line typed at a choice point: returns what to show, or sets *done with the decision.
std::string Session::command(const std::string& line, bool* done, Decision* d, std::span<const Choice> choices,
                             std::uint32_t dflt) {
  const auto n = static_cast<std::uint32_t>(choices.size());
  if (line.empty()) {
    *done = true;
    *d = {Decision::pick, dflt};
    return {};
  }
  if (std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isdigit(c); })) {
    std::uint32_t k = 0;
    const auto r = std::from_chars(line.data(), line.data() + line.size(), k);
    if (r.ec == std::errc() && k >= 1 && k <= n) {
      *done = true;
      *d = {Decision::pick, k - 1};
      return {};
    }
    return fmt::format("no choice {}: type a number from 1 to {}", line, n);
  }
  if (line == "undo" || line == "u") {
    if (s_->picks().empty()) return "nothing to undo: this is the first choice";
    *done = true;
    *d = {Decision::undo, 0};
    return {};
  }
  if (line == "quit" || line == "q" || line == "exit") {
    *done = true;
    *d = {Decision::quit, 0};
    return {};
  }
  if (line == "help" || line == "?") return kHelp;
  if (line == "hint") {
    if (p_.level.hints.empty()) return "this scenario has no hints";
    if (hints_shown_ >= p_.level.hints.size())
      return fmt::format("no more hints (there were {})", p_.level.hints.size());
    const std::size_t i = hints_shown_++;
    return fmt::format("hint {}/{}: {}", i + 1, p_.level.hints.size(), p_.level.hints[i]);
  }
  if (line.starts_with("!")) {
    const std::optional<report::View> v = report::parse_view(line);
    if (!v) return fmt::format("unknown view '{}' (views: !thread [NAME], !locks, !pushlock NAME, !apc, !waiters, !ready)", line);
    if (v->kind == report::ViewKind::pushlock && v->name.empty()) return "'!pushlock' needs the lock's name: !pushlock NAME";
    return m_->view(*v);
  }
  return fmt::format("unknown command '{}' (type help)", line);
}

void Session::on_ask(const scenario::AskEvent& e) {
  const std::size_t ordinal = asks_this_run_++;
  // Answered before an undo: the replay reaches the same question in the same state.
  if (ordinal < answers_.size()) return;
  // A run being thrown away (undo), or the person stopped answering: no more questions.
  if (eof_ || s_->undo_requested() || s_->quit()) return;
  Frame f;
  f.title = title_;
  f.heading = fmt::format("question {}", ordinal + 1);
  // Where the question is asked: "Alice (t.yaml:21) asks:" — the step itself is the question.
  const std::string where = step_text(*m_, *e.thread);
  const std::size_t open = where.rfind('(');
  f.body = fmt::format("{} {} asks:\n  {}\n", e.thread->name, open == std::string::npos ? "" : where.substr(open),
                       e.question);
  f.prompt = "answer> ";
  const std::optional<std::string> line = screen_.read(f);
  if (!line) {
    eof_ = true;
    return;
  }
  const std::string reply = trim(*line);
  const bool correct = same_reply(reply, e.answer.actual, e.answer.key);
  answers_.push_back({s_->picks().size(), correct});
  std::string out = correct ? fmt::format("Correct: {} is {}.", e.answer.key, e.answer.actual)
                            : fmt::format("Not quite{}: {} is {}.", reply.empty() ? " (no answer)" : "",
                                          e.answer.key, e.answer.actual);
  if (!e.why.empty()) out += "\n" + e.why;
  // The truth is the simulated state; a scenario whose written answer differs says so.
  if (!e.answer.holds())
    out += fmt::format("\n(The scenario's answer was {}; in this schedule the simulated state is {}.)",
                       e.answer.expected, e.answer.actual);
  screen_.print(out);
}

std::string intro(const scenario::Program& p, const machine::Config& cfg, bool predict) {
  std::string out = fmt::format("kesim play: {}{} ({} CPU{}, {})\n", p.file, p.name.empty() ? "" : " — " + p.name,
                                cfg.processors, cfg.processors == 1 ? "" : "s", report::version_name(cfg.version));
  if (p.level.present) {
    if (!p.level.title.empty()) out += fmt::format("\n== {} ==\n", p.level.title);
    if (!p.level.briefing.empty()) out += trim(p.level.briefing) + "\n";
    if (!p.level.hints.empty())
      out += fmt::format("({} hint{}: type hint)\n", p.level.hints.size(), p.level.hints.size() == 1 ? "" : "s");
  } else if (!p.description.empty()) {
    out += "\n" + trim(p.description) + "\n";
  }
  out += "\nYou are the scheduler: at each point where more than one thing can run, pick its number\n"
         "(Enter: the one marked *, what kesim would do). Also: undo, !thread NAME, !locks, !apc,\n"
         "!waiters, hint, help, quit.\n";
  if (predict) out += "Predict mode: answer each question before the simulator shows the truth.\n";
  return out;
}

}  // namespace

Outcome play_file(const std::string& path, const Options& opt, Screen& screen) {
  Outcome out;
  scenario::LoadResult lr = scenario::load_file(path);
  if (!lr.program || !lr.errors.empty()) {
    out.exit_code = run::kBadInput;
    out.diagnostics = scenario::format_diagnostics(path, lr.program ? lr.program->source_lines : lr.source_lines,
                                                   lr.errors);
    return out;
  }
  const scenario::Program& p = *lr.program;
  const scenario::ProgramSourceMap source(p);
  const std::string hash = explore::scenario_hash(read_bytes(path));
  Session session(p, opt, screen);
  std::vector<std::uint32_t> picks;
  if (!opt.schedule.empty()) {
    // Resume from a token play (or explore's dfs) printed: its picks are replayed, then the
    // person goes on from there (and may undo into them).
    const explore::SplitToken split = explore::split_token(opt.schedule);
    if (split.hash && *split.hash != hash) {
      out.exit_code = run::kBadInput;
      out.diagnostics = fmt::format(
          "{}: error: schedule token '{}' was made for another version of this scenario (hash {}, the file's is "
          "{})\n", path, opt.schedule, *split.hash, hash);
      return out;
    }
    const auto prefix = explore::parse_dfs_token(split.schedule);
    if (!prefix) {
      out.exit_code = run::kBadInput;
      out.diagnostics = fmt::format("kesim play: --schedule takes a token of picks, HASH/dfs:P0.P1… (as play "
                                    "and `explore --strategy dfs` print), not '{}'\n", opt.schedule);
      return out;
    }
    picks = *prefix;
  }
  bool first = true;
  for (;;) {
    PlayStrategy strategy(picks, &session);
    scenario::Overrides ov;
    ov.seed = opt.seed;
    ov.processors = opt.processors;
    if (opt.verifier) ov.verifier = true;
    ov.jitter = opt.jitter;
    ov.strategy = &strategy;
    const machine::Config cfg = scenario::machine_config(p, ov);
    machine::Machine m(cfg, &source);
    scenario::Interpreter interp(p, m);
    if (!interp.setup_errors().empty()) {
      std::vector<scenario::Diagnostic> ds;
      for (const auto& e : interp.setup_errors()) ds.push_back({e.loc, e.message});
      out.exit_code = run::kBadInput;
      out.diagnostics = scenario::format_diagnostics(path, p.source_lines, ds);
      return out;
    }
    if (first) {
      screen.print(intro(p, cfg, opt.predict));
      if (!picks.empty())
        screen.print(fmt::format("(the first {} choice{} replayed from {}; undo goes back into them)", picks.size(),
                                 picks.size() == 1 ? "" : "s", opt.schedule));
    }
    first = false;
    strategy.attach(m.kernel().engine());
    session.attach(m, strategy);
    if (opt.predict) interp.set_ask_handler(&session);
    const check::RunResult& r = m.run();
    if (strategy.undo_requested()) {
      picks = strategy.picks();
      // Take back the last decision (every pick is one: same-instant events are asked too).
      if (!picks.empty()) picks.pop_back();
      session.forget_answers_after(picks.size());
      screen.print(fmt::format("(undo: back to choice {})", picks.size() + 1));
      continue;
    }
    out.picks = strategy.picks();
    // A resumed token may hold more picks than the run had choice points: keep the used ones.
    if (out.picks.size() > strategy.points()) out.picks.resize(strategy.points());
    out.quit = strategy.quit();
    const report::ExpectResult expect = run::evaluate_run(p, m);
    out.report = m.render_text(expect);
    out.outcome = check::outcome_name(r.outcome);
    out.trace_hash = m.kernel().engine().trace().hash();
    out.goal_present = expect.goal.present;
    out.goal_met = expect.goal.met;
    out.questions = session.questions();
    out.correct = session.correct();
    out.token = hash + "/" + explore::dfs_token(strategy.token_picks());
    out.exit_code = (expect.goal.present ? expect.goal.met : expect.met) ? run::kMet : run::kNotMet;
    break;
  }
  screen.finish();
  std::string end = "\n=== end of play";
  end += out.quit ? " (you quit: the rest ran as kesim would by itself) ===\n" : " ===\n";
  end += out.report;
  if (out.goal_present) end += out.goal_met ? "\nGoal reached!\n" : "\nGoal not reached.\n";
  if (opt.predict) end += fmt::format("Score: {}/{}\n", out.correct, out.questions);
  end += fmt::format("schedule: {}\n", out.token);
  std::string flags;
  if (opt.seed) flags += fmt::format(" --seed {}", *opt.seed);
  if (opt.processors) flags += fmt::format(" --processors {}", *opt.processors);
  if (opt.verifier) flags += " --verifier";
  if (opt.jitter) flags += fmt::format(" --jitter {}", *opt.jitter);
  if (flags.empty()) end += fmt::format("replay it with: kesim replay {} --schedule {}\n", path, out.token);
  else end += fmt::format("replay it with: kesim run {}{} --schedule {}\n", path, flags, out.token);
  screen.print(end);
  return out;
}

}  // namespace kesim::play
