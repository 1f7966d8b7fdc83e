// sim/scenario/step_ask.cpp — the `ask` step of predict mode (an extension of SCENARIO-FORMAT
// §9, README "Play"): a question for the student at this point of the thread, and its answer
// written as an assert — so the answer is checked against the simulated state, not trusted.
//
//   - ask:
//       question: "What is KernelApcDisable now?"
//       answer: {KernelApcDisable: -1}          # assert keys; exactly one key to predict
//       why: "KeEnterCriticalRegion decrements it."   # optional, shown with the truth
//
// `kesim run` validates it and does nothing; `kesim play --predict` stops there, asks, and
// compares the student's reply with the simulated value of the answer's key.
#include <fmt/format.h>

#include "sim/scenario/step_parser.hpp"

namespace kesim::scenario::detail {

namespace {
// The keys of an answer that select what it is about rather than name a value to predict.
bool selector_key(std::string_view k) { return k == "object" || k == "variable" || k == "local"; }
}  // namespace

void StepParser::parse_ask(Step& step, const Field& f, const Scope& scope) {
  Fields fs = r_.fields(f.value, f.loc, "'ask'", {"question", "answer", "why"});
  if (!fs.is_map) {
    if (!f.value.IsMap()) r_.error(f.loc, "'ask' needs a map: {question: TEXT, answer: {KEY: VALUE}}");
    return;
  }
  const Field* question = fs.get("question");
  const Field* answer = fs.get("answer");
  if (!question) r_.error(f.loc, "'ask' needs 'question: TEXT'");
  else step.text = text(question->value, question->loc, "'question'", scope);
  if (const Field* why = fs.get("why")) step.text2 = text(why->value, why->loc, "'why'", scope);
  if (!answer) {
    r_.error(f.loc, "'ask' needs 'answer: {KEY: VALUE}' (an assert key, e.g. {KernelApcDisable: -1})");
    return;
  }
  if (!answer->value.IsMap()) {
    r_.error(answer->loc, "'answer' is a map of assert keys, e.g. {KernelApcDisable: -1}");
    return;
  }
  // One value to predict: the student types one reply, compared with that key's value.
  int values = 0;
  for (const auto& kv : answer->value)
    if (kv.first.IsScalar() && !selector_key(kv.first.Scalar())) ++values;
  if (values != 1) {
    r_.error(answer->loc, fmt::format("'answer' names {} keys to predict; write exactly one (besides "
                                      "object, variable or local)", values));
    return;
  }
  parse_assert(step, *answer, scope);
}

}  // namespace kesim::scenario::detail
