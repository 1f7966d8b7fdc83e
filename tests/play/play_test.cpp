// tests/play/play_test.cpp — `kesim play`'s session (sim/play): picks, undo by replay, the
// token round trip through `kesim replay`'s code path, the goal announcement, end of input,
// commands, predict mode, and the `ask` step in the loader.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <sstream>

#include "sim/play/reply.hpp"
#include "sim/play/session.hpp"
#include "sim/run/run.hpp"
#include "sim/scenario/program.hpp"

namespace kesim::play {
namespace {

const std::string kLevel = std::string(KESIM_SOURCE_DIR) + "/tests/play/abba_level.yaml";
const std::string kPredict = std::string(KESIM_SOURCE_DIR) + "/scenarios/classroom/predict_critical_region.yaml";
const std::string kAbba2 = std::string(KESIM_SOURCE_DIR) + "/scenarios/classroom/abba_deadlock.yaml";

// A person as a function of what the screen shows; nullopt ends the input.
using Person = std::function<std::optional<std::string>(const Frame&)>;

class ScriptScreen final : public Screen {
 public:
  explicit ScriptScreen(Person p) : person_(std::move(p)) {}
  void print(std::string_view text) override { out_ += std::string(text) + "\n"; }
  std::optional<std::string> read(const Frame& f) override {
    frames_.push_back(f);
    out_ += f.body + f.message + f.prompt;
    auto line = person_(f);
    if (line) out_ += *line + "\n";
    return line;
  }
  const std::string& out() const { return out_; }
  const std::vector<Frame>& frames() const { return frames_; }

 private:
  Person person_;
  std::string out_;
  std::vector<Frame> frames_;
};

// Types the given lines in order, then ends the input.
Person lines(std::vector<std::string> ls) {
  auto i = std::make_shared<std::size_t>(0);
  return [ls = std::move(ls), i](const Frame&) -> std::optional<std::string> {
    if (*i >= ls.size()) return std::nullopt;
    return ls[(*i)++];
  };
}

// The number of the choice whose line contains `text`, or "" if none does.
std::string choice_with(const Frame& f, const std::string& text) {
  std::istringstream in(f.body);
  std::string line;
  while (std::getline(in, line))
    if (line.find(text) != std::string::npos) {
      std::smatch m;
      if (std::regex_search(line, m, std::regex(R"(^[* ] (\d+) )"))) return m[1];
    }
  return "";
}

std::string trace_hash_of(const std::string& report) {
  std::smatch m;
  return std::regex_search(report, m, std::regex("trace hash ([0-9a-f]{16})")) ? m[1].str() : "";
}

// `kesim replay FILE --schedule TOKEN`, as the CLI runs it.
run::Result replay(const std::string& file, const std::string& token) {
  run::Options o;
  o.schedule = token;
  return run::run_file(file, o);
}

TEST(Play, TokenOfThePlayedScheduleReplaysTheSameRun) {
  // Alternate: always pick the last choice (never the default) for a few points, then quit.
  int n = 0;
  ScriptScreen s([&](const Frame& f) -> std::optional<std::string> {
    if (++n > 6) return "quit";
    return choice_with(f, "Bob").empty() ? "1" : choice_with(f, "Bob");
  });
  const Outcome o = play_file(kAbba2, {}, s);
  ASSERT_EQ(o.exit_code == 0 || o.exit_code == 1, true) << o.diagnostics;
  ASSERT_FALSE(o.picks.empty());
  EXPECT_TRUE(std::regex_match(o.token, std::regex("[0-9a-f]{8}/dfs:[0-9.]+"))) << o.token;
  const run::Result r = replay(kAbba2, o.token);
  ASSERT_LT(r.exit_code, 2) << r.diagnostics;
  EXPECT_EQ(trace_hash_of(r.text), trace_hash_of(o.report));
  EXPECT_EQ(fmt::format("{:016x}", o.trace_hash), trace_hash_of(r.text));
  EXPECT_EQ(r.outcome, o.outcome);
  EXPECT_NE(s.out().find("replay it with: kesim replay " + kAbba2 + " --schedule " + o.token), std::string::npos);
}

TEST(Play, ReachingTheGoalIsAnnouncedAndTheTokenReachesItAgain) {
  // Let Alice take A; when she is about to take B, end her quantum in favour of Bob.
  ScriptScreen s([](const Frame& f) -> std::optional<std::string> {
    const std::string preempt = choice_with(f, "preempt Alice for Bob");
    if (!preempt.empty() && f.machine.find("ExAcquirePushLockExclusive: B") != std::string::npos &&
        f.machine.find("Alice") != std::string::npos)
      return preempt;
    return "";  // Enter: the default
  });
  const Outcome o = play_file(kLevel, {}, s);
  EXPECT_TRUE(o.goal_present);
  EXPECT_TRUE(o.goal_met) << s.out();
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(o.outcome, "deadlock");
  EXPECT_NE(s.out().find("Goal reached!"), std::string::npos);
  EXPECT_NE(s.out().find("== Test level: the deadly embrace =="), std::string::npos);
  // The defaults taken after the quantum end are left to the token's default policy.
  EXPECT_TRUE(o.token.ends_with("/dfs:0.1")) << o.token;
  EXPECT_GT(o.picks.size(), 2u);
  const run::Result r = replay(kLevel, o.token);
  EXPECT_TRUE(r.expect.goal.met) << r.text;
  EXPECT_EQ(trace_hash_of(r.text), trace_hash_of(o.report));
}

TEST(Play, TheDefaultScheduleDoesNotReachTheGoal) {
  // Enter at every point: kesim's own schedule runs Alice first; no deadlock.
  ScriptScreen s([](const Frame&) { return std::optional<std::string>(""); });
  const Outcome o = play_file(kLevel, {}, s);
  EXPECT_FALSE(o.goal_met);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(s.out().find("Goal not reached."), std::string::npos);
}

TEST(Play, QuantumEndChoicesNameThePreemptedThread) {
  ScriptScreen s(lines({}));
  play_file(kLevel, {}, s);
  bool seen = false;
  for (const Frame& f : s.frames()) seen = seen || !choice_with(f, "preempt Alice for Bob (quantum end)").empty();
  // Input ended at the first point; run again picking defaults to see a quantum-end choice.
  ScriptScreen t([](const Frame&) { return std::optional<std::string>(""); });
  play_file(kLevel, {}, t);
  for (const Frame& f : t.frames()) seen = seen || !choice_with(f, "preempt Alice for Bob (quantum end)").empty();
  EXPECT_TRUE(seen) << t.out();
}

TEST(Play, UndoReplaysThePrefixAndLandsWhereTheOtherPathWouldHave) {
  // Path 1: pick 2, undo, then pick 1 and defaults. Path 2: pick 1 and defaults. Same run.
  ScriptScreen a(lines({"2", "undo", "1"}));
  const Outcome oa = play_file(kAbba2, {}, a);
  ScriptScreen b(lines({"1"}));
  const Outcome ob = play_file(kAbba2, {}, b);
  EXPECT_EQ(oa.picks, ob.picks);
  EXPECT_EQ(oa.token, ob.token);
  EXPECT_EQ(oa.trace_hash, ob.trace_hash);
  EXPECT_NE(a.out().find("(undo: back to choice 1)"), std::string::npos);
}

TEST(Play, UndoManyTimesGoesBackStepByStep) {
  ScriptScreen a(lines({"2", "2", "2", "undo", "undo", "undo", "undo"}));
  const Outcome o = play_file(kAbba2, {}, a);
  // Three picks taken back; the fourth undo has nothing to take back.
  EXPECT_NE(a.out().find("nothing to undo: this is the first choice"), std::string::npos) << a.out();
  EXPECT_TRUE(o.picks.empty());
  EXPECT_TRUE(o.quit);
}

TEST(Play, EndOfInputQuitsCleanlyWithTheTokenSoFar) {
  ScriptScreen s(lines({}));
  const Outcome o = play_file(kAbba2, {}, s);
  EXPECT_TRUE(o.quit);
  EXPECT_TRUE(o.picks.empty());
  EXPECT_TRUE(std::regex_match(o.token, std::regex("[0-9a-f]{8}/dfs:"))) << o.token;
  EXPECT_NE(s.out().find("you quit"), std::string::npos);
  EXPECT_NE(s.out().find("schedule: " + o.token), std::string::npos);
  // The empty prefix is kesim's default schedule: replay agrees.
  EXPECT_EQ(trace_hash_of(replay(kAbba2, o.token).text), trace_hash_of(o.report));
}

TEST(Play, ResumesFromATokenAndMayUndoIntoIt) {
  // Solve the level once, then start again from its token: the picks are replayed and the
  // person is asked only after them.
  ScriptScreen first(lines({"1", "2"}));
  const Outcome solved = play_file(kLevel, {}, first);
  ASSERT_TRUE(solved.goal_met) << first.out();
  Options opt;
  opt.schedule = solved.token;
  ScriptScreen again(lines({}));
  const Outcome o = play_file(kLevel, opt, again);
  EXPECT_TRUE(o.goal_met);
  EXPECT_EQ(o.picks, solved.picks);
  EXPECT_NE(again.out().find("(the first 2 choices replayed from " + solved.token), std::string::npos);
  // Undo takes back the replayed quantum end: Alice runs on, no deadlock.
  ScriptScreen undo(lines({"undo", "1"}));
  const Outcome u = play_file(kLevel, opt, undo);
  EXPECT_FALSE(u.goal_met) << undo.out();
  // More picks than the run has choice points: the unused ones are dropped from the token.
  opt.schedule = solved.token + ".0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";
  const Outcome longer = play_file(kLevel, opt, again);
  EXPECT_LT(longer.picks.size(), 20u);
  EXPECT_EQ(longer.trace_hash, solved.trace_hash);
  // A token of another scenario version, or not a list of picks, is bad input.
  opt.schedule = "00000000/dfs:0.1";
  EXPECT_EQ(play_file(kLevel, opt, again).exit_code, 2);
  opt.schedule = "pct:1:2:3";
  const Outcome bad = play_file(kLevel, opt, again);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.diagnostics.find("--schedule takes a token of picks"), std::string::npos);
}

TEST(Play, CommandsViewsHintsAndErrorsDoNotPick) {
  ScriptScreen s(lines({"!locks", "!thread Alice", "!pushlock", "hint", "hint", "hint", "frobnicate", "0", "99",
                        "help", "quit"}));
  const Outcome o = play_file(kLevel, {}, s);
  EXPECT_TRUE(o.picks.empty());
  const std::string& out = s.out();
  EXPECT_NE(out.find("kd> !locks"), std::string::npos);
  EXPECT_NE(out.find("kd> !thread Alice"), std::string::npos);
  EXPECT_NE(out.find("'!pushlock' needs the lock's name"), std::string::npos);
  EXPECT_NE(out.find("hint 1/2: Let Alice take A"), std::string::npos);
  EXPECT_NE(out.find("hint 2/2: Pick the quantum end"), std::string::npos);
  EXPECT_NE(out.find("no more hints (there were 2)"), std::string::npos);
  EXPECT_NE(out.find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_NE(out.find("no choice 0"), std::string::npos);
  EXPECT_NE(out.find("no choice 99"), std::string::npos);
  EXPECT_NE(out.find("undo "), std::string::npos);  // the help text
}

TEST(Play, TheMachinePanelShowsThreadsCountersStepsAndLocks) {
  ScriptScreen s(lines({}));
  play_file(kLevel, {}, s);
  ASSERT_FALSE(s.frames().empty());
  const std::string& m = s.frames().front().machine;
  EXPECT_NE(m.find("CPU 0: "), std::string::npos) << m;
  EXPECT_NE(m.find("THREAD"), std::string::npos);
  EXPECT_NE(m.find("KAD"), std::string::npos);
  EXPECT_NE(m.find("PASSIVE_LEVEL"), std::string::npos);
  EXPECT_NE(m.find("(abba_level.yaml:"), std::string::npos);
  EXPECT_NE(m.find("Locks (!locks):"), std::string::npos);
}

// Time as a choice in play (issue #11): events due at one instant are a question, worded in
// the person's terms, numbered like the token's picks.
const std::string kTimerLevel = std::string(KESIM_SOURCE_DIR) + "/scenarios/levels/27_timer_or_timeout.yaml";
const std::string kWorkRace = std::string(KESIM_SOURCE_DIR) + "/bench/explore/work_race_jitter_bug.yaml";

TEST(PlayInstants, SameInstantEventsAreAskedInThePersonsWords) {
  ScriptScreen s([](const Frame& f) -> std::optional<std::string> {
    const std::string timer = choice_with(f, "timer Tick expires");
    return timer.empty() ? "" : timer;
  });
  const Outcome o = play_file(kTimerLevel, {}, s);
  ASSERT_FALSE(s.frames().empty());
  const Frame& first = s.frames().front();
  EXPECT_NE(first.body.find("What happens first?"), std::string::npos) << first.body;
  // Posting order: Alice's timeout (armed at 0) is 1, the default; Bob's timer (armed at 1 ms) is 2.
  EXPECT_EQ(choice_with(first, "Alice's wait on Tick times out (STATUS_TIMEOUT)"), "1") << first.body;
  EXPECT_EQ(choice_with(first, "timer Tick expires (signaled: Alice waits on it)"), "2") << first.body;
  EXPECT_NE(first.heading.find("t = 10 ms"), std::string::npos) << first.heading;
  EXPECT_TRUE(o.goal_met) << s.out();
  EXPECT_EQ(o.outcome, "assertion_failed");
  EXPECT_TRUE(o.token.ends_with("/dfs:1")) << o.token;
  // After the timer, Alice's timeout is still due but stale; she may also run first.
  ASSERT_GE(s.frames().size(), 2u);
  EXPECT_NE(s.frames()[1].body.find("Alice's timeout of a wait that already ended (nothing happens)"),
            std::string::npos) << s.frames()[1].body;
  EXPECT_NE(s.frames()[1].body.find("the threads run first"), std::string::npos) << s.frames()[1].body;
  const run::Result r = replay(kTimerLevel, o.token);
  EXPECT_TRUE(r.expect.goal.met);
  EXPECT_EQ(trace_hash_of(r.text), trace_hash_of(o.report));
}

TEST(PlayInstants, TheDefaultTakesTheTimeoutFirstAndUndoGoesBackToTheQuestion) {
  ScriptScreen d([](const Frame&) { return std::optional<std::string>(""); });
  const Outcome dflt = play_file(kTimerLevel, {}, d);
  EXPECT_FALSE(dflt.goal_met) << d.out();
  EXPECT_EQ(dflt.outcome, "completed");
  // The timer first, undo, then Enter: the same run as the default.
  ScriptScreen u(lines({"2", "undo", "", "", ""}));
  const Outcome o = play_file(kTimerLevel, {}, u);
  EXPECT_NE(u.out().find("(undo: back to choice 1)"), std::string::npos) << u.out();
  EXPECT_EQ(o.trace_hash, dflt.trace_hash);
  EXPECT_FALSE(o.goal_met);
}

TEST(PlayInstants, WorkEndsIoCompletionsAndDelaysAreNamed) {
  // Enter at the thread choices of t = 0; input ends at the first question of time.
  ScriptScreen s([](const Frame& f) -> std::optional<std::string> {
    if (f.body.find("What happens first?") != std::string::npos) return std::nullopt;
    return "";
  });
  play_file(std::string(KESIM_SOURCE_DIR) + "/tests/play/instant_words.yaml", {}, s);
  ASSERT_FALSE(s.frames().empty());
  const Frame& f = s.frames().back();
  EXPECT_NE(f.heading.find("t = 1 ms"), std::string::npos) << f.heading;
  EXPECT_FALSE(choice_with(f, "Alice's work ends (it goes on with its next step)").empty()) << f.body;
  EXPECT_FALSE(choice_with(f, "I/O for Bob completes (ZwCreateFile C:\\Temp\\a.txt: special kernel APC "
                              "IopCompleteRequest queued to Bob)").empty()) << f.body;
  EXPECT_FALSE(choice_with(f, "Carol's KeDelayExecutionThread interval ends").empty()) << f.body;
}

TEST(PlayJitter, AVariedDurationIsAQuestionAndTheTokenReplaysIt) {
  // The Producer takes longer, the Consumer shorter: the Consumer reads too early.
  ScriptScreen s([](const Frame& f) -> std::optional<std::string> {
    if (f.body.find("How long does this take") == std::string::npos) return "";
    if (f.body.find("Producer: ") != std::string::npos) return choice_with(f, "(longer)");
    return choice_with(f, "(shorter)");
  });
  const Outcome o = play_file(kWorkRace, {}, s);
  EXPECT_EQ(o.outcome, "assertion_failed") << s.out();
  EXPECT_NE(s.out().find("1.100 ms (longer)"), std::string::npos) << s.out();
  EXPECT_NE(s.out().find("945 us (shorter)"), std::string::npos) << s.out();
  const run::Result r = replay(kWorkRace, o.token);
  EXPECT_EQ(r.outcome, "assertion_failed");
  EXPECT_EQ(trace_hash_of(r.text), trace_hash_of(o.report));
  // --jitter 0: no duration question at all.
  Options off;
  off.jitter = 0;
  ScriptScreen n([](const Frame& f) -> std::optional<std::string> {
    EXPECT_EQ(f.body.find("How long does this take"), std::string::npos);
    return "";
  });
  EXPECT_EQ(play_file(kWorkRace, off, n).outcome, "completed");
}

TEST(Predict, AnswersAreComparedWithTheSimulatedStateAndScored) {
  // Correct, wrong, correct; Enter at every choice.
  auto answers = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"-1", "1", "1"});
  ScriptScreen s([answers](const Frame& f) -> std::optional<std::string> {
    if (f.prompt != "answer> ") return "";
    if (answers->empty()) return std::nullopt;
    std::string a = answers->front();
    answers->erase(answers->begin());
    return a;
  });
  Options opt;
  opt.predict = true;
  const Outcome o = play_file(kPredict, opt, s);
  EXPECT_EQ(o.questions, 3) << s.out();
  EXPECT_EQ(o.correct, 2);
  EXPECT_NE(s.out().find("Score: 2/3"), std::string::npos);
  EXPECT_NE(s.out().find("Correct: KernelApcDisable is -1."), std::string::npos);
  EXPECT_NE(s.out().find("Not quite: value is 0."), std::string::npos);
  EXPECT_NE(s.out().find("What is her KernelApcDisable now?"), std::string::npos);
  // A question hides the machine panel: it would give the answer away.
  for (const Frame& f : s.frames()) {
    if (f.prompt == "answer> ") {
      EXPECT_TRUE(f.machine.empty());
    }
  }
}

TEST(Predict, QuestionsAnsweredBeforeAnUndoAreNotAskedAgain) {
  // Answer the first question, then undo at the next choice and go on: 3 questions in all.
  int undos = 0;
  ScriptScreen s([&](const Frame& f) -> std::optional<std::string> {
    if (f.prompt == "answer> ") return "-1";
    if (undos == 0 && f.message.empty() && f.fresh && s.frames().size() > 3) {
      ++undos;
      return "undo";
    }
    return "";
  });
  Options opt;
  opt.predict = true;
  const Outcome o = play_file(kPredict, opt, s);
  EXPECT_EQ(o.questions, 3) << s.out();
}

TEST(Predict, WithoutPredictTheQuestionsAreSilent) {
  ScriptScreen s([](const Frame& f) { return std::optional<std::string>(f.prompt == "answer> " ? "x" : ""); });
  const Outcome o = play_file(kPredict, {}, s);
  EXPECT_EQ(o.questions, 0);
  for (const Frame& f : s.frames()) EXPECT_NE(f.prompt, "answer> ");
  EXPECT_EQ(o.exit_code, 0);
}

TEST(Predict, RepliesAreLenientAboutSpellingNotValue) {
  EXPECT_TRUE(same_reply("-1", "-1", "KernelApcDisable"));
  EXPECT_FALSE(same_reply("1", "-1", "KernelApcDisable"));
  EXPECT_TRUE(same_reply("0x1001", "4097 (0x1001)", "value"));
  EXPECT_TRUE(same_reply("apc", "APC_LEVEL", "irql"));
  EXPECT_TRUE(same_reply("1", "APC_LEVEL", "irql"));
  EXPECT_TRUE(same_reply("Dispatch_Level", "DISPATCH_LEVEL", "irql"));
  EXPECT_FALSE(same_reply("2", "APC_LEVEL", "irql"));
  EXPECT_TRUE(same_reply("yes", "true", "KeAreApcsDisabled"));
  EXPECT_FALSE(same_reply("", "0", "value"));
}

TEST(AskStep, TheLoaderChecksItAtFileLineColumn) {
  const std::string head = "name: t\nthreads:\n  - name: T\n    steps:\n";
  auto errors = [&](const std::string& step) {
    auto r = scenario::load_text(head + step, "t.yaml");
    return scenario::format_diagnostics("t.yaml", r.source_lines, r.errors);
  };
  EXPECT_EQ(errors("      - ask: {question: q, answer: {KernelApcDisable: 0}}\n"), "");
  EXPECT_NE(errors("      - ask: {question: q}\n").find("t.yaml:5:14: error: 'ask' needs 'answer"), std::string::npos)
      << errors("      - ask: {question: q}\n");
  EXPECT_NE(errors("      - ask: {question: q, answer: {irql: 0, KernelApcDisable: 0}}\n").find("names 2 keys"),
            std::string::npos);
  EXPECT_NE(errors("      - ask: {question: q, answer: {KernelApcDisabled: 0}}\n").find("unknown key"),
            std::string::npos);
  EXPECT_NE(errors("      - ask: {answer: {irql: 0}}\n").find("needs 'question"), std::string::npos);
  EXPECT_NE(errors("      - ask: {question: q, answer: {irql: 0}, bogus: 1}\n").find("unknown key 'bogus'"),
            std::string::npos);
}

TEST(AskStep, KesimRunIgnoresQuestionsAndRunsTheSameSchedule) {
  const run::Result r = run::run_file(kPredict, {});
  EXPECT_EQ(r.exit_code, 0) << r.text << r.diagnostics;
}

}  // namespace
}  // namespace kesim::play
