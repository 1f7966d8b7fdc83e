// tests/check/catalog_test.cpp — the teaching catalogue: every code and name agrees with an
// independent table transcribed from Microsoft's bug check code reference
// (bugcode_reference.yaml, beside this file), every bugcheck kesim raises or names resolves by
// number and by name, every scenario operation has an entry, every entry cites public sources,
// and `explain` prints the `!analyze -v` style layout, the topic list and "did you mean".
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sim/check/catalog.hpp"

namespace kesim::check {
namespace {

struct ExpectedCode {
  std::uint32_t code;
  const char* name;
};

// The codes kesim raises or names in its reports and texts (sim/ke, sim/ex, sim/autoboost, and
// the teaching texts). The names are checked against the reference table below, not against
// this list.
constexpr ExpectedCode kExpectedCodes[] = {
    {0x1, "APC_INDEX_MISMATCH"},
    {0x5, "INVALID_PROCESS_ATTACH_ATTEMPT"},
    {0x9, "IRQL_NOT_GREATER_OR_EQUAL"},
    {0xA, "IRQL_NOT_LESS_OR_EQUAL"},
    {0xC, "MAXIMUM_WAIT_OBJECTS_EXCEEDED"},
    {0xF, "SPIN_LOCK_ALREADY_OWNED"},
    {0x10, "SPIN_LOCK_NOT_OWNED"},
    {0x11, "THREAD_NOT_MUTEX_OWNER"},
    {0x20, "KERNEL_APC_PENDING_DURING_EXIT"},
    {0x39, "SYSTEM_EXIT_OWNED_MUTEX"},
    {0x4A, "IRQL_GT_ZERO_AT_SYSTEM_SERVICE"},
    {0x7E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED"},
    {0xB8, "ATTEMPTED_SWITCH_FROM_DPC"},
    {0xBF, "MUTEX_ALREADY_OWNED"},
    {0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION"},
    {0xC8, "IRQL_UNEXPECTED_VALUE"},
    {0xE1, "WORKER_THREAD_RETURNED_AT_BAD_IRQL"},
    {0xE3, "RESOURCE_NOT_OWNED"},
    {0x133, "DPC_WATCHDOG_VIOLATION"},
    {0x153, "KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_TERMINATION"},
    {0x157, "KERNEL_THREAD_PRIORITY_FLOOR_VIOLATION"},
    {0x162, "KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE"},
    {0x192, "KERNEL_AUTO_BOOST_LOCK_ACQUISITION_WITH_RAISED_IRQL"},
    {0x50, "PAGE_FAULT_IN_NONPAGED_AREA"},
    {0x4000008A, "THREAD_TERMINATE_HELD_MUTEX"},
};

// The scenario format's operations, group by group.
const std::vector<std::string> kExpectedOps = {
    "work", "repeat", "call", "log", "dump", "assert", "ask", "if", "while", "try",
    "PsCreateSystemThread", "PsTerminateSystemThread", "KeDelayExecutionThread",
    "KeSetPriorityThread",
    "KeRaiseIrql", "KeLowerIrql", "KeRaiseIrqlToDpcLevel",
    "KeEnterCriticalRegion", "KeLeaveCriticalRegion", "KeEnterGuardedRegion",
    "KeLeaveGuardedRegion",
    "KeInsertQueueApc",
    "ExInitializePushLock", "ExAcquirePushLockExclusive", "ExAcquirePushLockShared",
    "ExReleasePushLockExclusive", "ExReleasePushLockShared", "ExReleasePushLock",
    "ExTryConvertPushLockSharedToExclusive",
    "ExAcquireCacheAwarePushLockExclusive", "ExReleaseCacheAwarePushLockExclusive",
    "ExAcquireCacheAwarePushLockShared", "ExReleaseCacheAwarePushLockShared",
    "KeAcquireGuardedMutex", "KeTryToAcquireGuardedMutex", "KeReleaseGuardedMutex",
    "ExAcquireFastMutex", "ExTryToAcquireFastMutex", "ExReleaseFastMutex", "KeReleaseMutex",
    "KeAcquireGuardedMutexUnsafe", "KeReleaseGuardedMutexUnsafe", "ExAcquireFastMutexUnsafe",
    "ExReleaseFastMutexUnsafe", "ExEnterCriticalRegionAndAcquireFastMutexUnsafe",
    "ExReleaseFastMutexUnsafeAndLeaveCriticalRegion", "KeReleaseMutant",
    "KeAcquireSpinLock", "KeReleaseSpinLock", "KeAcquireSpinLockAtDpcLevel",
    "KeReleaseSpinLockFromDpcLevel", "KeTryToAcquireSpinLockAtDpcLevel", "KeTestSpinLock",
    "KeAcquireInStackQueuedSpinLock", "KeReleaseInStackQueuedSpinLock",
    "KeWaitForSingleObject", "KeWaitForMultipleObjects", "KeSetEvent", "KeResetEvent",
    "KeClearEvent", "KePulseEvent", "KeReleaseSemaphore", "KeSetTimer", "KeCancelTimer",
    "KeWaitForGate", "KeSignalGateBoostPriority",
    "ZwCreateFile", "ZwWriteFile", "ZwOpenFile", "ZwSetInformationFile", "ZwClose",
    "ExInitializeResourceLite", "ExDeleteResourceLite", "ExAcquireResourceExclusiveLite",
    "ExTryToAcquireResourceExclusiveLite", "ExAcquireResourceSharedLite",
    "ExAcquireSharedStarveExclusive", "ExAcquireSharedWaitForExclusive",
    "ExConvertExclusiveToSharedLite", "ExReleaseResourceLite", "ExIsResourceAcquiredExclusiveLite",
    "ExIsResourceAcquiredSharedLite", "ExGetExclusiveWaiterCount", "ExGetSharedWaiterCount",
    "InterlockedCompareExchange", "InterlockedExchange", "InterlockedExchangeAdd",
    "InterlockedIncrement", "InterlockedDecrement", "InterlockedOr", "InterlockedAnd",
    "InterlockedXor", "InterlockedBitTestAndSet", "InterlockedBitTestAndReset", "ReadNoFence",
    "WriteNoFence", "YieldProcessor",
    "NtWaitForKeyedEvent", "NtReleaseKeyedEvent",
};

std::string lower_hex(std::uint32_t v) {
  std::ostringstream s;
  s << std::hex << v;
  return s.str();
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::size_t columns(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Sentences in a paragraph: ". " boundaries plus the final full stop.
int sentences(std::string_view text) {
  int n = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '.' && text[i + 1] == ' ' && i + 2 < text.size() &&
        std::isupper(static_cast<unsigned char>(text[i + 2])))
      ++n;
  }
  return n + (text.empty() || text.back() != '.' ? 0 : 1);
}

bool filled(const char* s) { return s != nullptr && std::string_view(s).size() >= 3; }

// Microsoft's code-and-name table, transcribed by hand (tests/check/bugcode_reference.yaml).
const std::map<std::uint32_t, std::string>& reference_codes() {
  static const std::map<std::uint32_t, std::string> table = [] {
    std::map<std::uint32_t, std::string> t;
    const YAML::Node doc =
        YAML::LoadFile(std::string(KESIM_SOURCE_DIR) + "/tests/check/bugcode_reference.yaml");
    for (const auto& kv : doc["codes"])
      t.emplace(static_cast<std::uint32_t>(std::stoul(kv.first.Scalar(), nullptr, 16)),
                kv.second.Scalar());
    return t;
  }();
  return table;
}

// "" if Microsoft's table names `code` `name`, else what is wrong.
std::string reference_mismatch(std::uint32_t code, std::string_view name) {
  const auto it = reference_codes().find(code);
  if (it == reference_codes().end()) return "no source names code " + lower_hex(code);
  if (it->second != name) return "code " + lower_hex(code) + " is " + it->second;
  return "";
}

TEST(Catalog, ReferenceTableIsTheTranscribedPage) {
  const auto& t = reference_codes();
  EXPECT_GE(t.size(), 60u);
  EXPECT_EQ(t.at(0x153), "KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_TERMINATION");
  EXPECT_EQ(t.at(0x1A3), "CALL_HAS_NOT_RETURNED_WATCHDOG_TIMEOUT_LIVEDUMP");
  EXPECT_EQ(t.at(0x4000008A), "THREAD_TERMINATE_HELD_MUTEX");
}

// The check below can fail: the entry kesim once shipped is rejected, and so is a code no
// source names.
TEST(Catalog, ReferenceCheckRejectsWrongCodes) {
  EXPECT_NE(reference_mismatch(0x1A3, "KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_TERMINATION"), "");
  EXPECT_NE(reference_mismatch(0x7777, "MADE_UP"), "");
  EXPECT_EQ(reference_mismatch(0x153, "KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_TERMINATION"), "");
}

TEST(Catalog, EveryCodeAndNameIsMicrosofts) {
  for (const BugcheckInfo& b : all_bugchecks())
    EXPECT_EQ(reference_mismatch(b.code, b.name), "") << b.name;
  for (const auto& e : kExpectedCodes) EXPECT_EQ(reference_mismatch(e.code, e.name), "") << e.name;
}

TEST(Catalog, EveryEntryCitesPublicSources) {
  for (const BugcheckInfo& b : all_bugchecks()) {
    SCOPED_TRACE(b.name);
    ASSERT_FALSE(b.sources.empty());
    // The first source is the code's own page of Microsoft's bug check reference.
    EXPECT_EQ(b.sources[0].kind, SourceKind::microsoft);
    EXPECT_NE(std::string(b.sources[0].location).find("/bug-check-0x" + lower_hex(b.code) + "-"),
              std::string::npos)
        << b.sources[0].location;
  }
  for (const OperationInfo& op : all_operations()) {
    SCOPED_TRACE(op.name);
    ASSERT_FALSE(op.sources.empty());
  }
  auto check = [](const SourceRef& s) {
    switch (s.kind) {
      case SourceKind::microsoft:
        EXPECT_EQ(std::string(s.location).rfind("https://learn.microsoft.com/", 0), 0u) << s.title;
        break;
      case SourceKind::reactos:
        EXPECT_EQ(std::string(s.location).rfind("https://github.com/reactos/reactos/", 0), 0u);
        break;
      case SourceKind::seed:
        EXPECT_EQ(std::string(s.title).rfind("Seed S", 0), 0u) << s.title;
        break;
      case SourceKind::kesim:
        break;
    }
  };
  for (const BugcheckInfo& b : all_bugchecks())
    for (const SourceRef& s : b.sources) check(s);
  for (const OperationInfo& op : all_operations())
    for (const SourceRef& s : op.sources) check(s);
  for (const VerifierSubcodeInfo& v : all_verifier_subcodes()) {
    ASSERT_FALSE(v.sources.empty());
    for (const SourceRef& s : v.sources) check(s);
  }
}

// A user of `kesim explain` cannot read the project's internal notes: no output may cite them.
TEST(Catalog, ExplainCitesNoInternalDocument) {
  std::vector<std::string> topics;
  for (const BugcheckInfo& b : all_bugchecks()) topics.push_back(b.name);
  for (const OperationInfo& op : all_operations()) topics.emplace_back(op.name);
  for (const VerifierSubcodeInfo& v : all_verifier_subcodes())
    topics.push_back("0xC4/0x" + lower_hex(v.subcode));
  for (const std::string& topic : topics) {
    const std::string text = explain(topic);
    ASSERT_FALSE(text.empty()) << topic;
    for (const char* internal : {"SEMANTICS", "ARCHITECTURE", "SCENARIO-FORMAT", "STYLE.md", "§"})
      EXPECT_EQ(text.find(internal), std::string::npos) << topic << " cites " << internal;
    EXPECT_NE(text.find("\nSources:\n"), std::string::npos) << topic;
  }
}

TEST(Catalog, TopicListNamesEveryTopicByGroup) {
  const std::string list = explain_topics();
  for (const BugcheckInfo& b : all_bugchecks()) {
    std::ostringstream code;
    code << "0x" << std::uppercase << std::hex << b.code;
    EXPECT_NE(list.find("  " + code.str() + " "), std::string::npos) << code.str();
    EXPECT_NE(list.find(std::string(b.name) + "\n"), std::string::npos) << b.name;
  }
  std::size_t at = list.find("Operations");
  ASSERT_NE(at, std::string::npos);
  for (const OperationInfo& op : all_operations()) {
    const std::size_t where = list.find(op.name, at);
    EXPECT_NE(where, std::string::npos) << op.name;
  }
  for (const char* group : {"  control: work, repeat", "  push locks: ExInitializePushLock",
                            "  dispatcher: KeWaitForSingleObject", "  synchronous I/O: ZwCreateFile"})
    EXPECT_NE(list.find(group), std::string::npos) << group;
  // The groups come in the scenario format's order.
  EXPECT_LT(list.find("  control:"), list.find("  threads:"));
  EXPECT_LT(list.find("  mutexes:"), list.find("  spin locks:"));
  for (const std::string& line : lines(list)) EXPECT_LE(columns(line), 78u) << line;
}

TEST(Catalog, DidYouMeanSuggestsTheCloseTopics) {
  EXPECT_EQ(suggest_topics("KeSetEvnt"), std::vector<std::string>{"KeSetEvent"});
  EXPECT_EQ(suggest_topics("kesetevent").front(), "KeSetEvent");
  const auto push = suggest_topics("ExAcquirePushLock");
  EXPECT_NE(std::find(push.begin(), push.end(), "ExAcquirePushLockExclusive"), push.end());
  EXPECT_NE(std::find(push.begin(), push.end(), "ExAcquirePushLockShared"), push.end());
  const auto boost = suggest_topics("KERNEL_AUTO_BOOST");
  EXPECT_NE(std::find(boost.begin(), boost.end(), "KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE"),
            boost.end());
  EXPECT_EQ(suggest_topics("KERNEL_APC_PENDING_DURNG_EXIT"),
            std::vector<std::string>{"KERNEL_APC_PENDING_DURING_EXIT"});
  EXPECT_TRUE(suggest_topics("nonsense").empty());
  EXPECT_TRUE(suggest_topics("").empty());
  EXPECT_TRUE(suggest_topics("0x1A3").empty());  // no code is "close" to another
  EXPECT_LE(suggest_topics("Ke").size(), 3u);
}

TEST(Catalog, EveryExpectedCodeResolvesByNumber) {
  for (const auto& e : kExpectedCodes) {
    SCOPED_TRACE(e.name);
    const BugcheckInfo* b = find_bugcheck(e.code);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->code, e.code);
    EXPECT_STREQ(b->name, e.name);
    EXPECT_TRUE(filled(b->summary));
    for (const char* p : b->params) EXPECT_TRUE(filled(p));
    EXPECT_TRUE(filled(b->source));
    const int n = sentences(b->teaching);
    EXPECT_GE(n, 3) << b->teaching;
    EXPECT_LE(n, 8) << b->teaching;
  }
}

TEST(Catalog, TableHoldsExactlyTheExpectedCodesOnce) {
  std::set<std::uint32_t> expected, got;
  for (const auto& e : kExpectedCodes) expected.insert(e.code);
  for (const BugcheckInfo& b : all_bugchecks()) EXPECT_TRUE(got.insert(b.code).second) << b.name;
  EXPECT_EQ(got, expected);
  EXPECT_EQ(find_bugcheck(0x2), nullptr);
  EXPECT_EQ(find_bugcheck(0xDEADBEEF), nullptr);
}

TEST(Catalog, EveryExpectedCodeResolvesByName) {
  for (const auto& e : kExpectedCodes) {
    SCOPED_TRACE(e.name);
    const BugcheckInfo* b = find_bugcheck_by_name(e.name);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->code, e.code);
    std::string lower = e.name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(find_bugcheck_by_name(lower), b);
  }
  EXPECT_EQ(find_bugcheck_by_name("KERNEL_AUTO_BOOST"), nullptr);
}

TEST(Catalog, ExplainHeaderForEveryCodeSpelling) {
  for (const auto& e : kExpectedCodes) {
    SCOPED_TRACE(e.name);
    const std::string header = std::string(e.name) + " (" + lower_hex(e.code) + ")";
    const std::string text = explain("0x" + lower_hex(e.code));
    EXPECT_EQ(first_line(text), header);
    EXPECT_EQ(explain(lower_hex(e.code)), text);   // bare hex
    EXPECT_EQ(explain(e.name), text);              // by NAME
    std::string upper = "0X" + lower_hex(e.code);
    for (std::size_t i = 2; i < upper.size(); ++i)
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
    EXPECT_EQ(explain(upper), text);
    for (const char* arg : {"Arguments:", "Arg1: ", "Arg2: ", "Arg3: ", "Arg4: ",
                            "Why it happens", "Sources:"}) {
      EXPECT_NE(text.find(arg), std::string::npos) << arg;
    }
  }
}

TEST(Catalog, Explain162LooksLikeAnalyze) {
  const std::string text = explain("0x162");
  const auto l = lines(text);
  ASSERT_GE(l.size(), 8u);
  EXPECT_EQ(l[0], "KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE (162)");
  const auto arg3 = std::find_if(l.begin(), l.end(),
                                 [](const std::string& s) { return s.rfind("Arg3: ", 0) == 0; });
  ASSERT_NE(arg3, l.end());
  EXPECT_NE(arg3->find("ession ID"), std::string::npos) << *arg3;
  EXPECT_NE(text.find("Arg1: Address of the thread"), std::string::npos);
  EXPECT_NE(text.find("S2"), std::string::npos);
  EXPECT_EQ(explain("162"), text);
  EXPECT_EQ(explain("0X162"), text);
  EXPECT_EQ(explain("0x00000162"), text);
  EXPECT_EQ(explain("  0x162\n"), text);
  EXPECT_EQ(explain("kernel_auto_boost_invalid_lock_release"), text);
}

TEST(Catalog, ExplainPaddedCodesAndMVariants) {
  EXPECT_EQ(first_line(explain("0x0000000A")), "IRQL_NOT_LESS_OR_EQUAL (a)");
  EXPECT_EQ(first_line(explain("0x4000008A")), "THREAD_TERMINATE_HELD_MUTEX (4000008a)");
  EXPECT_EQ(first_line(explain("0x1000007E")), "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (7e)");
  EXPECT_EQ(first_line(explain("c4")), "DRIVER_VERIFIER_DETECTED_VIOLATION (c4)");
}

TEST(Catalog, ExplainUnknownIsEmpty) {
  EXPECT_EQ(explain("nonsense"), "");
  EXPECT_EQ(explain(""), "");
  EXPECT_EQ(explain("   "), "");
  EXPECT_EQ(explain("0x2"), "");            // a real code, but not one kesim catalogues
  EXPECT_EQ(explain("0x"), "");
  EXPECT_EQ(explain("0x1FFFFFFFF"), "");    // wider than 32 bits
  EXPECT_EQ(explain("0xC4/0x999"), "");     // unknown subcode
  EXPECT_EQ(explain("0x162/0x122"), "");    // subcodes only exist for 0xC4
  EXPECT_EQ(explain("ExAcquirePushLock"), "");
}

// The 0xC4 subcodes kesim raises (sim/ke/verifier.cpp with machine.verifier, sim/ke/wait.cpp
// always) and those it only lists: written here, independently of the catalogue.
constexpr std::uint32_t kRaisedSubcodes[] = {0x30, 0x31, 0x32, 0x33, 0x34, 0x36, 0x37,
                                             0x38, 0x39, 0x3A, 0x3E, 0x40, 0x41, 0x42,
                                             0x80, 0xEA, 0xEB, 0x11A, 0x11B, 0x120, 0x121, 0x122};
constexpr std::uint32_t kListedOnlySubcodes[] = {0x35, 0xE6, 0x123};

// Microsoft's 0xC4 subcodes, transcribed by hand (bugcode_reference.yaml, verifier_subcodes).
std::set<std::uint32_t> reference_subcodes() {
  std::set<std::uint32_t> out;
  const YAML::Node doc =
      YAML::LoadFile(std::string(KESIM_SOURCE_DIR) + "/tests/check/bugcode_reference.yaml");
  for (const auto& kv : doc["verifier_subcodes"])
    out.insert(static_cast<std::uint32_t>(std::stoul(kv.first.Scalar(), nullptr, 16)));
  return out;
}

TEST(Catalog, DriverVerifierListsKesimSubcodes) {
  const BugcheckInfo* c4 = find_bugcheck(0xC4);
  ASSERT_NE(c4, nullptr);
  const std::string teaching = c4->teaching;
  const std::string text = explain("0xC4");
  std::vector<std::uint32_t> all(std::begin(kRaisedSubcodes), std::end(kRaisedSubcodes));
  all.insert(all.end(), std::begin(kListedOnlySubcodes), std::end(kListedOnlySubcodes));
  for (std::uint32_t sub : all) {
    std::ostringstream s;
    s << "0x" << std::uppercase << std::hex << sub;
    EXPECT_NE(teaching.find(s.str()), std::string::npos) << s.str();
    EXPECT_NE(text.find("\n" + s.str() + ": "), std::string::npos) << s.str();
    EXPECT_NE(find_verifier_subcode(sub), nullptr) << s.str();
  }
  EXPECT_GE(all_verifier_subcodes().size(), all.size());
  EXPECT_EQ(find_verifier_subcode(0x999), nullptr);
}

// Every catalogued subcode is one Microsoft's page names (a subcode no source names must not
// exist); the check can fail: 0x999 and 0x43 are not on the page.
TEST(Catalog, VerifierSubcodesAreOnTheReferencePage) {
  const std::set<std::uint32_t> ref = reference_subcodes();
  EXPECT_GE(ref.size(), 25u);
  EXPECT_EQ(ref.count(0x999), 0u);
  EXPECT_EQ(ref.count(0x43), 0u);
  for (const VerifierSubcodeInfo& v : all_verifier_subcodes())
    EXPECT_EQ(ref.count(v.subcode), 1u) << "no source names 0xC4/0x" << lower_hex(v.subcode);
}

// `kesim explain 0xC4/SUBCODE` says which Verifier option reports it and what kesim does; a
// subcode kesim raises says the switch (or, for the waits, that it is always on), one it does
// not raise says so.
TEST(Catalog, VerifierSubcodeExplainNamesOptionAndKesim) {
  for (std::uint32_t sub : kRaisedSubcodes) {
    const VerifierSubcodeInfo* v = find_verifier_subcode(sub);
    ASSERT_NE(v, nullptr) << lower_hex(sub);
    EXPECT_TRUE(filled(v->option)) << lower_hex(sub);
    const std::string kesim = v->kesim;
    const std::string text = explain("0xC4/0x" + lower_hex(sub));
    EXPECT_NE(text.find("\nVerifier option\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nIn kesim\n"), std::string::npos) << text;
    if (sub >= 0x120 && sub <= 0x122)
      EXPECT_NE(kesim.find("with or without machine.verifier"), std::string::npos) << kesim;
    else
      EXPECT_NE(kesim.find("only with machine.verifier"), std::string::npos) << kesim;
  }
  for (std::uint32_t sub : kListedOnlySubcodes) {
    const VerifierSubcodeInfo* v = find_verifier_subcode(sub);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(std::string(v->kesim).rfind("Not raised", 0), 0u) << v->kesim;
  }
  EXPECT_NE(explain("0xC4/0xEA").find("Pushlocks"), std::string::npos);  // seed S1, the rule
  EXPECT_NE(explain("0xC4/0x11A").find("Force IRQL Checking"), std::string::npos);
  EXPECT_NE(explain("0xC4/0x30").find("Automatic checks"), std::string::npos);
}

TEST(Catalog, ExplainOneVerifierSubcode) {
  const std::string text = explain("0xC4/0x122");
  EXPECT_EQ(first_line(text), "DRIVER_VERIFIER_DETECTED_VIOLATION (c4)");
  EXPECT_NE(text.find("Arg1: 0x122, "), std::string::npos) << text;
  EXPECT_NE(text.find("non-zero timeout"), std::string::npos);
  EXPECT_NE(text.find("Arg3: Address of the object waited on"), std::string::npos) << text;
  EXPECT_EQ(text.find("Subcodes described here"), std::string::npos);
  EXPECT_EQ(explain("c4:122"), text);
}

TEST(Catalog, ParamMeaningFollowsSubcode) {
  EXPECT_STREQ(bugcheck_param_meaning(0xC4, 3, 0xEA), "Address of the push lock");
  EXPECT_STREQ(bugcheck_param_meaning(0xC4, 1, 0x122), find_verifier_subcode(0x122)->params[0]);
  EXPECT_STREQ(bugcheck_param_meaning(0xC4, 1, 0x5), find_bugcheck(0xC4)->params[1]);
  EXPECT_STREQ(bugcheck_param_meaning(0x162, 2, 0), find_bugcheck(0x162)->params[2]);
  EXPECT_EQ(bugcheck_param_meaning(0x162, 4, 0), nullptr);
  EXPECT_EQ(bugcheck_param_meaning(0x2, 0, 0), nullptr);
}

TEST(Catalog, SystemThreadExceptionParams) {
  const BugcheckInfo* b = find_bugcheck(0x7E);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(std::string(b->params[0]).find("exception code"), std::string::npos);
  EXPECT_NE(std::string(b->params[1]).find("address"), std::string::npos);
  EXPECT_NE(std::string(b->params[2]).find("exception record"), std::string::npos);
  EXPECT_NE(std::string(b->params[3]).find("context record"), std::string::npos);
  EXPECT_NE(std::string(b->teaching).find("STATUS_MUTANT_NOT_OWNED"), std::string::npos);
  EXPECT_NE(std::string(b->teaching).find("STATUS_SEMAPHORE_LIMIT_EXCEEDED"), std::string::npos);
}

TEST(Catalog, EveryScenarioOperationHasAnEntry) {
  for (const std::string& name : kExpectedOps) {
    SCOPED_TRACE(name);
    const OperationInfo* op = find_operation(name);
    ASSERT_NE(op, nullptr);
    EXPECT_EQ(op->name, name);
    EXPECT_TRUE(filled(op->summary));
    EXPECT_TRUE(filled(op->irql));
    EXPECT_TRUE(filled(op->misuse));
    EXPECT_TRUE(filled(op->source));
  }
}

TEST(Catalog, OperationTableMatchesScenarioFormatInOrder) {
  std::vector<std::string> got;
  for (const OperationInfo& op : all_operations()) got.emplace_back(op.name);
  EXPECT_EQ(got, kExpectedOps);
  EXPECT_EQ(find_operation("kereleasemutex"), nullptr);  // the lookup itself is exact
  EXPECT_EQ(find_operation("KeWaitForSingleObjectEx"), nullptr);
}

TEST(Catalog, ExplainOperationSections) {
  for (const std::string& name : kExpectedOps) {
    SCOPED_TRACE(name);
    const std::string text = explain(name);
    ASSERT_FALSE(text.empty());
    const auto l = lines(text);
    EXPECT_EQ(l.front(), name);
    std::size_t at = 0;
    for (const char* section : {"What it does", "IRQL", "Misuse"}) {
      const auto it = std::find(l.begin(), l.end(), section);
      ASSERT_NE(it, l.end()) << section;
      const auto index = static_cast<std::size_t>(it - l.begin());
      EXPECT_GT(index, at) << section;
      at = index;
    }
    const auto sources = std::find(l.begin(), l.end(), "Sources:");
    ASSERT_NE(sources, l.end());
    EXPECT_GT(static_cast<std::size_t>(sources - l.begin()), at);
    EXPECT_LT(sources + 1, l.end());  // at least one source follows
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(explain(lower), text);
  }
}

TEST(Catalog, OperationMisuseNamesTheBugchecks) {
  const std::string mutex = explain("KeReleaseMutex");
  EXPECT_NE(mutex.find("STATUS_MUTANT_NOT_OWNED"), std::string::npos);
  EXPECT_NE(mutex.find("Related bugchecks:\n  0x7E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED\n"),
            std::string::npos)
      << mutex;
  const std::string push = explain("ExReleasePushLockExclusive");
  EXPECT_NE(push.find("  0x162 KERNEL_AUTO_BOOST_INVALID_LOCK_RELEASE\n"), std::string::npos);
  EXPECT_NE(push.find("  0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION\n"), std::string::npos);
  EXPECT_EQ(push.find("APC_INDEX_MISMATCH"), std::string::npos);  // 0xffffffff is no code
  const std::string acquire = explain("ExAcquirePushLockExclusive");
  EXPECT_NE(acquire.find("hangs"), std::string::npos);
  EXPECT_NE(acquire.find("0x192"), std::string::npos);
  const std::string gmutex = explain("KeAcquireGuardedMutex");
  EXPECT_NE(gmutex.find("hangs"), std::string::npos);
  const std::string wait = explain("KeWaitForSingleObject");
  EXPECT_NE(wait.find("0xC4/0x122"), std::string::npos);
  // A subcode written after the slash is not mistaken for a bugcheck of its own.
  EXPECT_EQ(wait.find("  0x122"), std::string::npos);
  EXPECT_NE(wait.find("  0xB8 ATTEMPTED_SWITCH_FROM_DPC\n"), std::string::npos);
}

TEST(Catalog, ExplainTextFitsTheTerminal) {
  std::vector<std::string> topics;
  for (const BugcheckInfo& b : all_bugchecks()) topics.push_back(b.name);
  for (const OperationInfo& op : all_operations()) topics.emplace_back(op.name);
  for (const VerifierSubcodeInfo& v : all_verifier_subcodes())
    topics.push_back("0xC4/0x" + lower_hex(v.subcode));
  for (const std::string& topic : topics) {
    for (const std::string& line : lines(explain(topic))) {
      if (line.rfind("    https://", 0) == 0) continue;  // a URL is never wrapped
      EXPECT_LE(columns(line), 78u) << topic << ": " << line;
      EXPECT_FALSE(!line.empty() && line.back() == ' ') << topic << ": " << line;
    }
  }
}


// kesim raises 0xC4 for its wait-IRQL checks (0x120-0x122, sim/ke/wait.cpp) on every machine and
// for the other synchronization subcodes only with machine.verifier. A sentence of the catalogue
// that names kesim together with one of those must name the switch ("Driver Verifier reports
// 0xC4/0x11A, and so does kesim" was false without Verifier); one naming a subcode kesim never
// raises must say that it does not.
TEST(Catalog, TextsClaimNoVerifierCheckKesimDoesNotMake) {
  auto sentences = [](const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    for (std::size_t i = 0; i < text.size(); ++i) {
      cur += text[i];
      if ((text[i] == '.' || text[i] == ';') && (i + 1 == text.size() || text[i + 1] == ' ')) {
        out.push_back(cur);
        cur.clear();
      }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
  };
  std::vector<std::string> texts;
  for (const BugcheckInfo& b : all_bugchecks()) texts.emplace_back(b.teaching);
  for (const OperationInfo& op : all_operations()) {
    texts.emplace_back(op.summary);
    texts.emplace_back(op.irql);
    texts.emplace_back(op.misuse);
  }
  for (const std::string& text : texts) {
    for (const std::string& sentence : sentences(text)) {
      if (sentence.find("kesim") == std::string::npos) continue;
      for (const char* unchecked : {"0x35", "0xE6", "0x123"}) {
        if (sentence.find(unchecked) == std::string::npos) continue;
        EXPECT_NE(sentence.find("not"), std::string::npos)
            << "claims kesim checks 0xC4/" << unchecked << ": " << sentence;
      }
      for (const char* with_switch : {"0xC4/0xEA", "0xC4/0xEB", "0xC4/0x11A", "0xC4/0x11B",
                                      "0xC4/0x37", "0xC4/0x3E"}) {
        if (sentence.find(with_switch) == std::string::npos) continue;
        EXPECT_NE(sentence.find("verifier"), std::string::npos)
            << "claims kesim checks " << with_switch << " without the switch: " << sentence;
      }
    }
  }
}

TEST(Catalog, ExitTextsNameTheAutoBoostLeakCode) {
  // kesim raises 0x153 at exit for a push lock or fast mutex still owned on win10 with
  // AutoBoost (sim/autoboost): the texts about exiting with such a lock must say so.
  EXPECT_NE(explain("PsTerminateSystemThread").find("0x153"), std::string::npos);
  EXPECT_NE(explain("ExAcquireFastMutex").find("0x153"), std::string::npos);
  EXPECT_EQ(explain("0x1A3"), "");
  EXPECT_NE(explain("0x153").find("KERNEL_LOCK_ENTRY_LEAKED_ON_THREAD_TERMINATION"),
            std::string::npos);
}

}  // namespace
}  // namespace kesim::check
