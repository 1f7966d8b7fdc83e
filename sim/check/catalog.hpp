// sim/check/catalog.hpp — the teaching catalogue: every bugcheck kesim can raise and every
// scenario operation, with what it means, its IRQL rules and what misuse gives.
// Source followed: SEMANTICS.md §13 (bugcheck table, parameters) and the operations' sections;
// Microsoft "Bug Check Code Reference" pages for the names and parameter meanings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kesim::check {

struct BugcheckInfo {
  std::uint32_t code;
  const char* name;         // e.g. "KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE"
  const char* summary;      // one paragraph, as `!analyze -v` prints under the name
  const char* params[4];    // meaning of Arg1..Arg4 ("Reserved" where undocumented)
  const char* teaching;     // why it happens in lock code, how kesim raises it, how to fix
  const char* source;       // SEMANTICS.md section / document followed
};

struct OperationInfo {
  const char* name;         // NT spelling, as in scenarios: "ExAcquirePushLockExclusive"
  const char* summary;      // what it does
  const char* irql;         // IRQL rules ("<= APC_LEVEL", ...)
  const char* misuse;       // what misuse gives (bugcheck code, hang, deadlock...)
  const char* source;
};

// nullptr if unknown.
const BugcheckInfo* find_bugcheck(std::uint32_t code);
std::span<const BugcheckInfo> all_bugchecks();
const OperationInfo* find_operation(std::string_view name);  // case-sensitive NT spelling
std::span<const OperationInfo> all_operations();

// By NAME ("KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE"), case-insensitive; nullptr if unknown.
const BugcheckInfo* find_bugcheck_by_name(std::string_view name);

// The Driver Verifier subcodes of 0xC4 (its Arg1) that kesim raises, with Arg2..Arg4.
struct VerifierSubcodeInfo {
  std::uint32_t subcode;    // e.g. 0x122
  const char* summary;      // the rule that was broken
  const char* params[3];    // meaning of Arg2..Arg4
};
const VerifierSubcodeInfo* find_verifier_subcode(std::uint32_t subcode);
std::span<const VerifierSubcodeInfo> all_verifier_subcodes();

// Meaning of argument `index` (0..3 = Arg1..Arg4) of bugcheck `code` whose Arg1 is `arg1`:
// for 0xC4 with a known subcode, the subcode's own meanings. nullptr if the code is unknown.
const char* bugcheck_param_meaning(std::uint32_t code, int index, std::uint64_t arg1);

// Full text for `kesim explain TOPIC`: TOPIC is a code ("0x162", "162", "0xC4") or an
// operation name. Also accepted: "0x0000000A", "0X162", a bugcheck NAME (any case), an
// operation name in any case, and "0xC4/0x122" (0xC4 explained for one subcode).
// Returns "" if the topic is unknown.
std::string explain(std::string_view topic);

}  // namespace kesim::check
