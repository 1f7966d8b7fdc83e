// tools/kesim/crash.cpp — see crash.hpp. Only async-signal-safe calls (write, _exit, sigaction)
// and plain reads of the running fiber, its task and its step happen in the handler.
#include "tools/kesim/crash.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "sim/fiber/fiber.hpp"
#include "sim/ke/objects.hpp"
#include "sim/scenario/program.hpp"

namespace kesim::cli {
namespace {

const char* g_scenario = nullptr;
// The handler's own stack: the faulting one has no room left. Static, so nothing is allocated.
alignas(16) char g_alt_stack[64 * 1024];

void put(const char* s) {
  if (!s) return;
  std::size_t n = std::strlen(s);
  while (n > 0) {
    const ssize_t w = write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void put_int(long v) {
  char buf[24];
  char* p = buf + sizeof buf;
  *--p = '\0';
  const bool negative = v < 0;
  unsigned long u = negative ? 0ul - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (negative) *--p = '-';
  put(p);
}

void on_fault(int sig, siginfo_t* info, void*) {
  const fiber::Fiber* f = fiber::running_fiber();
  if (f && info && f->guard_contains(info->si_addr)) {
    // Engine tasks carry themselves as the fiber's user pointer; every kesim thread is a KTHREAD.
    const auto* task = static_cast<const engine::Task*>(f->user());
    const auto* thread = static_cast<const ke::KTHREAD*>(task);
    put("kesim: internal error: fiber stack overflow in thread ");
    put(thread ? thread->name.c_str() : "?");
    const auto* step = thread ? static_cast<const scenario::Step*>(thread->current_step) : nullptr;
    if (step) {
      put(" at ");
      put(g_scenario ? g_scenario : "<scenario>");
      put(":");
      put_int(step->loc.line);
      put(":");
      put_int(step->loc.column);
      put(" (");
      put(scenario::op_name(step->op));
      put(")");
    }
    put(": raise machine.stack_size\n");
    _exit(3);
  }
  // Not ours: the default action (a core dump, the usual exit status).
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void install_crash_handler() {
  stack_t ss{};
  ss.ss_sp = g_alt_stack;
  ss.ss_size = sizeof g_alt_stack;
  if (sigaltstack(&ss, nullptr) != 0) return;
  struct sigaction sa {};
  sa.sa_sigaction = &on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
}

void set_crash_scenario(const char* file) { g_scenario = file; }

}  // namespace kesim::cli
