// sim/check/catalog.hpp — the teaching catalogue: every bugcheck kesim can raise or name in a
// report and every scenario operation, with what it means, its IRQL rules, what misuse gives,
// and the public sources each entry was written from.
// The texts are data (sim/check/catalog/*.yaml), turned into constant tables at build time by
// sim/check/catalog_gen.cpp; nothing is read at run time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kesim::check {

enum class SourceKind : std::uint8_t {
  microsoft,  // a Microsoft Learn page: title, location = its URL
  reactos,    // a file of reactos/reactos: title = its path, location = its URL
  seed,       // a seed document: title = "Seed S2: <its title>", location = where it was found
  kesim,      // kesim's own behaviour (a kesim-only step), documented in the README
};

struct SourceRef {
  SourceKind kind;
  const char* title;
  const char* location;  // "" when there is none
};

struct BugcheckInfo {
  std::uint32_t code;
  const char* name;         // e.g. "KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE"
  const char* summary;      // one paragraph, as `!analyze -v` prints under the name
  const char* params[4];    // meaning of Arg1..Arg4 ("Reserved" where undocumented)
  const char* teaching;     // why it happens in lock code, how kesim raises it, how to fix
  const char* source;       // the sources on one line ("Microsoft Learn, Bug Check 0x162 ...")
  std::span<const SourceRef> sources;
};

struct OperationInfo {
  const char* name;         // NT spelling, as in scenarios: "ExAcquirePushLockExclusive"
  const char* summary;      // what it does
  const char* irql;         // IRQL rules ("<= APC_LEVEL", ...)
  const char* misuse;       // what misuse gives (bugcheck code, hang, deadlock...)
  const char* source;       // the sources on one line
  const char* group;        // "push locks", "dispatcher", ... (the scenario format's groups)
  std::span<const SourceRef> sources;
};

// nullptr if unknown.
const BugcheckInfo* find_bugcheck(std::uint32_t code);
std::span<const BugcheckInfo> all_bugchecks();
const OperationInfo* find_operation(std::string_view name);  // case-sensitive NT spelling
std::span<const OperationInfo> all_operations();

// By NAME ("KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE"), case-insensitive; nullptr if unknown.
const BugcheckInfo* find_bugcheck_by_name(std::string_view name);

// The Driver Verifier subcodes of 0xC4 (its Arg1) that the catalogue describes, with Arg2..Arg4.
struct VerifierSubcodeInfo {
  std::uint32_t subcode;    // e.g. 0x122
  const char* summary;      // the rule that was broken
  const char* params[3];    // meaning of Arg2..Arg4
  std::span<const SourceRef> sources;
  const char* option;       // the Driver Verifier option that reports it ("" if not given)
  const char* kesim;        // whether and where kesim raises it ("" if not given)
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

// The topic list of `kesim explain` with no topic: bugchecks by code and name, then the
// operations group by group, wrapped for a terminal.
std::string explain_topics();

// For a topic explain() does not know: up to three known topics it was probably meant to be
// (close spelling, or names that start with it), best first. Empty when nothing is close.
std::vector<std::string> suggest_topics(std::string_view topic);

}  // namespace kesim::check
