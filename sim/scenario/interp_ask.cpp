// sim/scenario/interp_ask.cpp — `ask` steps (predict mode, README "Play"). Without a listener
// they do nothing, so a scenario with questions runs exactly as without them (same trace hash:
// an ask is not a scheduling point and records nothing). With one, the answer's assert keys are
// compared with the asking thread's state right here, and the listener gets the question, the
// scenario's answer and the truth.
#include "sim/scenario/interp_detail.hpp"

namespace kesim::scenario {

void Exec::ask(ThreadCtx& c, const Step& s) {
  AskHandler* h = c.interp->ask_handler();
  if (!h || !s.assertion) return;
  std::vector<AssertComparison> compared = compare_assert(c, *s.assertion);
  // The loader allows one key to predict; an object key that does not apply to the object's
  // type compares nothing (the loader rejects those too), so there is always exactly one.
  if (compared.empty()) return;
  AskEvent e;
  e.step = &s;
  e.thread = c.thread;
  e.question = expand(c, s.text);
  e.why = expand(c, s.text2);
  e.answer = std::move(compared.front());
  h->on_ask(e);
}

}  // namespace kesim::scenario
