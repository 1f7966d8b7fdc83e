// sim/check/catalog_data.hpp — the tables of the catalogue, defined in the C++ file that
// sim/check/catalog_gen.cpp generates from sim/check/catalog/*.yaml at build time. Only
// catalog.cpp uses them; everyone else goes through the lookups of catalog.hpp.
#pragma once

#include <span>

#include "sim/check/catalog.hpp"

namespace kesim::check::detail {

std::span<const BugcheckInfo> bugcheck_table();               // sorted by code
std::span<const VerifierSubcodeInfo> verifier_subcode_table();  // sorted by subcode
std::span<const OperationInfo> operation_table();             // scenario-format order

}  // namespace kesim::check::detail
