// sim/play/panel.cpp — the machine panel and the choice list. Everything shown comes from the
// report layer (thread_state_text, describe_step, step_source, the !locks and !apc views) and
// the KTHREAD fields the `!thread` view prints; nothing here inspects the kernel on its own.
#include "sim/play/panel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "sim/ke/types.hpp"
#include "sim/report/report.hpp"

namespace kesim::play {

namespace {

// "dir/t.yaml:17: ExAcquirePushLockExclusive" -> "t.yaml:17" (a person reads the file name).
std::string short_location(const std::string& described) {
  std::string loc = described.substr(0, described.rfind(": "));
  const std::size_t colon = loc.rfind(':');
  if (colon == std::string::npos) return loc;
  return std::filesystem::path(loc.substr(0, colon)).filename().string() + loc.substr(colon);
}

// A view without its "0: kd> !locks" line.
std::string view_body(const machine::Machine& m, report::ViewKind kind) {
  std::string v = m.view(report::View{kind, {}});
  const std::size_t nl = v.find('\n');
  return nl == std::string::npos ? v : v.substr(nl + 1);
}

std::string indent(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t nl = std::min(text.find('\n', i), text.size());
    out += "  " + text.substr(i, nl - i) + "\n";
    i = nl + 1;
  }
  return out;
}

}  // namespace

std::string step_text(const machine::Machine& m, const ke::KTHREAD& t) {
  if (!t.current_step) return "(starting)";
  const std::string described = m.source().describe_step(t.current_step);
  std::string src = m.source().step_source(t.current_step);
  if (src.starts_with("- ")) src.erase(0, 2);
  // A step written over several lines ("- KeWaitForSingleObject:" then its keys) shows its name.
  if (src.empty() || src.back() == ':') src = described.substr(described.rfind(": ") + 2);
  return fmt::format("{}   ({})", src, short_location(described));
}

std::string render_machine(const machine::Machine& m) {
  const ke::Kernel& k = m.kernel();
  const engine::Engine& e = k.engine();
  std::string out = fmt::format("t = {}", report::format_time(e.now()));
  for (int i = 0; i < e.processors(); ++i) {
    const engine::Task* r = e.cpu(i).running;
    out += fmt::format("   CPU {}: {}", i, r ? static_cast<const ke::KTHREAD*>(r)->name : "(idle)");
  }
  out += "\n";
  std::size_t width = 6;
  for (const ke::KTHREAD* t : k.threads()) width = std::max(width, t->name.size());
  out += fmt::format("  {:<{}}  {:<34} {:<15} {:>4} {:>4}  {}\n", "THREAD", width, "STATE", "IRQL", "KAD",
                     "SAD", "STEP");
  for (const ke::KTHREAD* t : k.threads()) {
    const bool done = t->state == engine::TaskState::Finished;
    out += fmt::format("  {:<{}}  {:<34} {:<15} {:>4} {:>4}  {}\n", t->name, width, report::thread_state_text(*t),
                       ke::irql_name(t->Irql), t->KernelApcDisable, t->SpecialApcDisable,
                       done ? std::string("-") : step_text(m, *t));
  }
  out += "Locks (!locks):\n" + indent(view_body(m, report::ViewKind::locks));
  const std::string apcs = view_body(m, report::ViewKind::apc);
  if (apcs.find("No APCs queued.") == std::string::npos) out += "APCs (!apc):\n" + indent(apcs);
  return out;
}

namespace {

// "the threads run first: Alice (KeSetEvent: E   (t.yaml:12)), Bob (...)": who executes now.
std::string threads_first(const machine::Machine& m) {
  const engine::Engine& e = m.kernel().engine();
  std::string who;
  for (int i = 0; i < e.processors(); ++i) {
    const engine::Task* r = e.cpu(i).running;
    if (!r || r->activity != engine::Activity::Executing) continue;
    const auto& t = *static_cast<const ke::KTHREAD*>(r);
    who += fmt::format("{}{} ({})", who.empty() ? "" : ", ", t.name, step_text(m, t));
  }
  return "the threads run first, before the rest is due: " + (who.empty() ? std::string("(none)") : who);
}

}  // namespace

std::string render_choices(const machine::Machine& m, std::span<const Choice> choices, std::uint32_t dflt) {
  std::size_t width = 0;
  for (const Choice& c : choices)
    if (c.kind == Choice::thread) width = std::max(width, c.who->name.size());
  std::string out;
  if (!choices.empty() && choices[0].kind == Choice::event)
    out += "Several things are due at this instant; Windows does not order them. What happens first?\n";
  if (!choices.empty() && choices[0].kind == Choice::duration && choices[0].who)
    out += fmt::format("How long does this take ({} is jittered)?  {}: {}\n",
                       report::format_time(choices[0].takes), choices[0].who->name, step_text(m, *choices[0].who));
  for (std::size_t i = 0; i < choices.size(); ++i) {
    const Choice& c = choices[i];
    const char* mark = i == dflt ? "*" : " ";
    switch (c.kind) {
      case Choice::thread:
        out += fmt::format("{} {}  {:<{}}  {}\n", mark, i + 1, c.who->name, width, step_text(m, *c.who));
        break;
      case Choice::quantum_end:
        out += fmt::format("{} {}  preempt {} for {} (quantum end)\n", mark, i + 1,
                           c.preempted ? c.preempted->name : "?", c.who->name);
        break;
      case Choice::event:
        out += fmt::format("{} {}  {}\n", mark, i + 1, c.text);
        break;
      case Choice::threads_first:
        out += fmt::format("{} {}  {}\n", mark, i + 1, threads_first(m));
        break;
      case Choice::duration:
        out += fmt::format("{} {}  {} ({})\n", mark, i + 1, report::format_time(c.takes),
                           i == 0 ? "as written" : i == 1 ? "shorter" : "longer");
        break;
    }
  }
  return out;
}

}  // namespace kesim::play
