// sim/scenario/program.cpp — name tables and scalar parsers of the scenario format.
// Source followed: SCENARIO-FORMAT.md §1–§4 (spellings), SEMANTICS.md §1 (KWAIT_REASON
// numbering) and §2 (x64 IRQL values, as in wdm.h).
#include "sim/scenario/program.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace kesim::scenario {
namespace {

constexpr std::array<const char*, 12> kObjectTypeNames = {
    "push_lock", "event",      "semaphore", "timer",     "mutex",
    "guarded_mutex", "fast_mutex", "gate",  "spin_lock", "cache_aware_push_lock",
    "resource", "keyed_event",
};

constexpr std::array<const char*, 6> kOutcomeNames = {
    "completed", "deadlock", "hang", "bugcheck", "assertion_failed", "time_limit",
};

constexpr std::array<const char*, 3> kVersionNames = {"xp", "server2003", "win10"};

// KWAIT_REASON, SEMANTICS.md §1 (0..42, through Windows 11 24H2).
constexpr std::array<const char*, 43> kWaitReasonNames = {
    "Executive",        "FreePage",        "PageIn",           "PoolAllocation",
    "DelayExecution",   "Suspended",       "UserRequest",      "WrExecutive",
    "WrFreePage",       "WrPageIn",        "WrPoolAllocation", "WrDelayExecution",
    "WrSuspended",      "WrUserRequest",   "WrEventPair",      "WrQueue",
    "WrLpcReceive",     "WrLpcReply",      "WrVirtualMemory",  "WrPageOut",
    "WrRendezvous",     "WrKeyedEvent",    "WrTerminated",     "WrProcessInSwap",
    "WrCpuRateControl", "WrCalloutStack",  "WrKernel",         "WrResource",
    "WrPushLock",       "WrMutex",         "WrQuantumEnd",     "WrDispatchInt",
    "WrPreempted",      "WrYieldExecution", "WrFastMutex",     "WrGuardedMutex",
    "WrRundown",        "WrAlertByThreadId", "WrDeferredPreempt", "WrPhysicalFault",
    "WrIoRing",         "WrMdlCache",      "WrRcu",
};

struct IrqlName {
  std::string_view name;
  int level;
};
// x64 values (SEMANTICS.md §2); DPC_LEVEL and LOW_LEVEL are the wdm.h aliases.
constexpr std::array<IrqlName, 12> kIrqlNames = {{
    {"PASSIVE_LEVEL", 0}, {"LOW_LEVEL", 0},     {"APC_LEVEL", 1},    {"DISPATCH_LEVEL", 2},
    {"DPC_LEVEL", 2},     {"CMCI_LEVEL", 5},    {"SYNCH_LEVEL", 12}, {"CLOCK_LEVEL", 13},
    {"IPI_LEVEL", 14},    {"POWER_LEVEL", 14},  {"PROFILE_LEVEL", 15}, {"HIGH_LEVEL", 15},
}};

template <std::size_t N>
const char* name_at(const std::array<const char*, N>& table, std::size_t i) {
  return i < N ? table[i] : "?";
}

template <std::size_t N>
std::optional<std::size_t> index_of(const std::array<const char*, N>& table, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i) {
    if (s == table[i]) return i;
  }
  return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

const char* object_type_name(ObjectType t) {
  return name_at(kObjectTypeNames, static_cast<std::size_t>(t));
}

std::optional<ObjectType> object_type_from_name(std::string_view s) {
  if (auto i = index_of(kObjectTypeNames, s)) return static_cast<ObjectType>(*i);
  return std::nullopt;
}

const char* version_name(Version v) { return name_at(kVersionNames, static_cast<std::size_t>(v)); }

std::optional<Version> version_from_name(std::string_view s) {
  if (auto i = index_of(kVersionNames, s)) return static_cast<Version>(*i);
  return std::nullopt;
}

const char* outcome_name(Outcome o) { return name_at(kOutcomeNames, static_cast<std::size_t>(o)); }

std::optional<Outcome> outcome_from_name(std::string_view s) {
  if (auto i = index_of(kOutcomeNames, s)) return static_cast<Outcome>(*i);
  return std::nullopt;
}

std::optional<WaitReason> wait_reason_from_name(std::string_view s) {
  if (auto i = index_of(kWaitReasonNames, s)) return static_cast<WaitReason>(*i);
  return std::nullopt;
}

const char* wait_reason_name(WaitReason r) { return name_at(kWaitReasonNames, r); }

int wait_reason_count() { return static_cast<int>(kWaitReasonNames.size()); }

namespace {
template <typename Decls>
int find_by_name(const Decls& decls, std::string_view n) {
  for (std::size_t i = 0; i < decls.size(); ++i) {
    if (decls[i].name == n) return static_cast<int>(i);
  }
  return -1;
}
}  // namespace

int Program::find_object(std::string_view n) const { return find_by_name(objects, n); }
int Program::find_thread(std::string_view n) const { return find_by_name(threads, n); }
int Program::find_routine(std::string_view n) const {
  // Anonymous APC routines have the empty name and are never found by name.
  return n.empty() ? -1 : find_by_name(routines, n);
}

int Program::find_variable(std::string_view n) const { return find_by_name(variables, n); }

int Program::find_local(std::string_view n) const {
  for (std::size_t i = 0; i < locals.size(); ++i)
    if (locals[i] == n) return static_cast<int>(i);
  return -1;
}

const char* cmp_name(CmpOp op) {
  static constexpr std::array<const char*, 7> kNames = {"eq", "ne", "lt", "le", "gt", "ge", "and"};
  return kNames[static_cast<std::size_t>(op)];
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty() || s[0] == '+' || s[0] == '-') return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  auto magnitude = parse_uint(s);
  if (!magnitude) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (*magnitude > kMax + 1) return std::nullopt;
    return static_cast<std::int64_t>(0 - *magnitude);
  }
  if (*magnitude > kMax) return std::nullopt;
  return static_cast<std::int64_t>(*magnitude);
}

// DIGITS[.DIGITS][ns|us|ms|s]; a fraction is allowed only when the result is whole ns.
std::optional<Duration> parse_duration(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) ++i;
  std::string_view number = s.substr(0, i), unit = s.substr(i);
  std::int64_t mult = 0;
  if (unit.empty() || unit == "ns") mult = 1;
  else if (unit == "us") mult = 1'000;
  else if (unit == "ms") mult = 1'000'000;
  else if (unit == "s") mult = 1'000'000'000;
  else return std::nullopt;

  std::string_view whole = number, frac;
  if (auto dot = number.find('.'); dot != std::string_view::npos) {
    whole = number.substr(0, dot);
    frac = number.substr(dot + 1);
    if (frac.empty() || frac.size() > 9 || frac.find('.') != std::string_view::npos) return std::nullopt;
  }
  if (whole.empty()) return std::nullopt;
  std::int64_t w = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), w, 10);
  if (ec != std::errc() || end != whole.data() + whole.size()) return std::nullopt;
  std::int64_t result = 0;
  if (__builtin_mul_overflow(w, mult, &result)) return std::nullopt;
  if (!frac.empty()) {
    std::int64_t f = 0, scale = 1;
    std::from_chars(frac.data(), frac.data() + frac.size(), f, 10);
    for (std::size_t k = 0; k < frac.size(); ++k) scale *= 10;
    // f < 1e9 and mult <= 1e9: the product fits in int64.
    if ((f * mult) % scale != 0) return std::nullopt;
    if (__builtin_add_overflow(result, f * mult / scale, &result)) return std::nullopt;
  }
  return result;
}

std::optional<int> parse_irql(std::string_view s) {
  for (const auto& entry : kIrqlNames) {
    if (entry.name == s) return entry.level;
  }
  auto v = parse_uint(s);
  if (!v || *v > 15) return std::nullopt;
  return static_cast<int>(*v);
}

const char* irql_name(int irql) {
  switch (irql) {
    case 0: return "PASSIVE_LEVEL";
    case 1: return "APC_LEVEL";
    case 2: return "DISPATCH_LEVEL";
    case 5: return "CMCI_LEVEL";
    case 12: return "SYNCH_LEVEL";
    case 13: return "CLOCK_LEVEL";
    case 14: return "IPI_LEVEL";
    case 15: return "HIGH_LEVEL";
    default: return nullptr;
  }
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
  std::uint64_t mult = 1;
  if (!s.empty()) {
    char last = s.back();
    if (last == 'k' || last == 'K') mult = 1024;
    else if (last == 'm' || last == 'M') mult = 1024 * 1024;
    if (mult != 1) s.remove_suffix(1);
  }
  auto v = parse_uint(s);
  std::uint64_t result = 0;
  if (!v || __builtin_mul_overflow(*v, mult, &result)) return std::nullopt;
  return result;
}

std::optional<int> parse_percent(std::string_view s) {
  if (!s.empty() && s.back() == '%') s.remove_suffix(1);
  if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const auto v = parse_uint(s);
  if (!v || *v > 100) return std::nullopt;
  return static_cast<int>(*v);
}

}  // namespace kesim::scenario
