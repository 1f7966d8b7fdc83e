// sim/ke/types.hpp — the NT scalar types, status codes and enumerations are part of the public
// API (include/kesim/nt/types.hpp); kesim's own layers use the same definitions.
#pragma once

#include "kesim/nt/types.hpp"
