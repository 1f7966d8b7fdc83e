// tools/kesim/crash.hpp — the CLI's last resort for a fiber stack overflow. The library never
// ends the process; the loader refuses nesting that would not fit the stack and the engine
// stops a run whose stack runs low, so this handler only fires for what both missed.
#pragma once

namespace kesim::cli {

// Installs a SIGSEGV/SIGBUS handler on an alternate signal stack (the faulting fiber's stack
// is exhausted). A fault in the guard page of the running fiber's stack prints
// "kesim: internal error: fiber stack overflow in thread NAME at FILE:LINE:COLUMN" and exits 3;
// any other fault gets the default action.
void install_crash_handler();
// The scenario file being run, for the message (the pointer must stay valid during the run).
void set_crash_scenario(const char* file);

}  // namespace kesim::cli
