// sim/run/batch_detail.hpp — state shared by batch.cpp and isolate.cpp (not a public header).
#pragma once

namespace kesim::run {

// The SIGINT/SIGTERM run_batch caught while it runs (0: none). The running child is killed
// and no further scenario starts.
int batch_interrupt_signal();

}  // namespace kesim::run
