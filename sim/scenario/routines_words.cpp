// sim/scenario/routines_words.cpp — memory words (SCENARIO-FORMAT §7): the Interlocked*
// operations, the plain ReadNoFence/WriteNoFence and YieldProcessor.
//
// NT spellings and return values follow Microsoft's reference pages for the Interlocked*
// routines (wdm.h): InterlockedCompareExchange, InterlockedExchange, InterlockedExchangeAdd,
// InterlockedOr/And/Xor and InterlockedBitTestAndSet/Reset return the value (or bit) *before*
// the operation; InterlockedIncrement/InterlockedDecrement return the resulting value.
//
// A word operation is a scheduling point *before* it takes effect, so exploration interleaves
// a lock design exactly where two CPUs could. Interlocked operations are atomic
// read-modify-writes with full barriers: they never race, and each one orders the thread after
// every earlier interlocked operation on that word (acquire + release, as a locked instruction
// is on x86/x64). ReadNoFence/WriteNoFence are plain accesses: the happens-before checker
// reports two of them on one word, at least one a store, that no lock, wait or interlocked
// operation orders. The last status is set to STATUS_SUCCESS *before* the scheduling point, so
// a report taken there already shows it.
#include "sim/ke/ki.hpp"
#include "sim/scenario/routine_rows.hpp"

namespace kesim::scenario::rows {
namespace {

using namespace kesim::ke;
using Ctx = ThreadCtx;

struct Update {
  std::uint64_t word;      // the word's new value
  std::uint64_t returned;  // the routine's return value
};

// An interlocked read-modify-write: f(old, operand, comparand) gives the new word and result.
template <Update (*F)(std::uint64_t, std::uint64_t, std::uint64_t)>
std::int64_t interlocked(Ctx& c, const Step& s) {
  KiSetLastStatus(*c.thread, STATUS_SUCCESS);
  KiSchedulingPointWord(static_cast<std::uint32_t>(s.variable), true);  // another CPU may touch the word first
  std::int64_t& word = Exec::word(c, s.variable);
  for (Observer* o : c.interp->kernel().observers()) o->on_atomic(*c.thread, Exec::word_name(c, s.variable));
  const Update u = F(static_cast<std::uint64_t>(word), static_cast<std::uint64_t>(Exec::operand(c, s.operand)),
                     static_cast<std::uint64_t>(Exec::operand(c, s.comparand)));
  word = static_cast<std::int64_t>(u.word);
  return static_cast<std::int64_t>(u.returned);
}

// A plain load or store, seen by the race detector.
template <bool kWrite>
std::int64_t plain(Ctx& c, const Step& s) {
  KiSetLastStatus(*c.thread, STATUS_SUCCESS);
  KiSchedulingPointWord(static_cast<std::uint32_t>(s.variable), kWrite);
  std::int64_t& word = Exec::word(c, s.variable);
  for (Observer* o : c.interp->kernel().observers())
    o->on_access(*c.thread, Exec::word_name(c, s.variable), kWrite, &s);
  if (!kWrite) return word;
  word = Exec::operand(c, s.operand);
  return 0;
}

using U = std::uint64_t;
constexpr U bit(U n) { return U{1} << n; }

constexpr KeySpec kCompareExchangeKeys[] = {{"exchange", Arg::operand, true}, {"comparand", Arg::comparand, true}};
constexpr KeySpec kValueKeys[] = {{"value", Arg::operand, true}};
constexpr KeySpec kBitKeys[] = {{"bit", Arg::bit, true}};

constexpr const char* kValueUsage = "{target: WORD, value: V}";
constexpr const char* kWordUsage = "{target: WORD, as: LOCAL}";  // after 'NAME: WORD' or
constexpr const char* kBitUsage = "{target: WORD, bit: 0..63}";

constexpr RoutineDescriptor kRows[] = {
    {.op = Op::InterlockedCompareExchange, .name = "InterlockedCompareExchange", .result = Result::value,
     .keys = kCompareExchangeKeys, .parse = &StepParser::parse_word_op,
     .usage = "{target: WORD, exchange: V, comparand: V, as: LOCAL}",
     .exec = interlocked<[](U old, U exchange, U comparand) { return Update{old == comparand ? exchange : old, old}; }>},
    {.op = Op::InterlockedExchange, .name = "InterlockedExchange", .result = Result::value, .keys = kValueKeys,
     .parse = &StepParser::parse_word_op, .usage = kValueUsage,
     .exec = interlocked<[](U old, U v, U) { return Update{v, old}; }>},
    {.op = Op::InterlockedExchangeAdd, .name = "InterlockedExchangeAdd", .result = Result::value,
     .keys = kValueKeys, .parse = &StepParser::parse_word_op, .usage = kValueUsage,
     .exec = interlocked<[](U old, U v, U) { return Update{old + v, old}; }>},
    {.op = Op::InterlockedIncrement, .name = "InterlockedIncrement", .result = Result::value,
     .scalar = Arg::variable, .parse = &StepParser::parse_word_op, .usage = kWordUsage,
     .exec = interlocked<[](U old, U, U) { return Update{old + 1, old + 1}; }>},
    {.op = Op::InterlockedDecrement, .name = "InterlockedDecrement", .result = Result::value,
     .scalar = Arg::variable, .parse = &StepParser::parse_word_op, .usage = kWordUsage,
     .exec = interlocked<[](U old, U, U) { return Update{old - 1, old - 1}; }>},
    {.op = Op::InterlockedOr, .name = "InterlockedOr", .result = Result::value, .keys = kValueKeys,
     .parse = &StepParser::parse_word_op, .usage = kValueUsage,
     .exec = interlocked<[](U old, U v, U) { return Update{old | v, old}; }>},
    {.op = Op::InterlockedAnd, .name = "InterlockedAnd", .result = Result::value, .keys = kValueKeys,
     .parse = &StepParser::parse_word_op, .usage = kValueUsage,
     .exec = interlocked<[](U old, U v, U) { return Update{old & v, old}; }>},
    {.op = Op::InterlockedXor, .name = "InterlockedXor", .result = Result::value, .keys = kValueKeys,
     .parse = &StepParser::parse_word_op, .usage = kValueUsage,
     .exec = interlocked<[](U old, U v, U) { return Update{old ^ v, old}; }>},
    {.op = Op::InterlockedBitTestAndSet, .name = "InterlockedBitTestAndSet", .result = Result::value,
     .keys = kBitKeys, .parse = &StepParser::parse_word_op, .usage = kBitUsage,
     .exec = interlocked<[](U old, U b, U) { return Update{old | bit(b), (old >> b) & 1}; }>},
    {.op = Op::InterlockedBitTestAndReset, .name = "InterlockedBitTestAndReset", .result = Result::value,
     .keys = kBitKeys, .parse = &StepParser::parse_word_op, .usage = kBitUsage,
     .exec = interlocked<[](U old, U b, U) { return Update{old & ~bit(b), (old >> b) & 1}; }>},
    {.op = Op::ReadNoFence, .name = "ReadNoFence", .result = Result::value, .scalar = Arg::variable,
     .parse = &StepParser::parse_word_op, .usage = kWordUsage, .exec = plain<false>},
    {.op = Op::WriteNoFence, .name = "WriteNoFence", .result = Result::none, .keys = kValueKeys,
     .parse = &StepParser::parse_word_op, .usage = kValueUsage, .exec = plain<true>},
    // The x86/x64 `pause` instruction: a little CPU time, no scheduling point of its own.
    {.op = Op::YieldProcessor, .name = "YieldProcessor",
     .exec = [](Ctx& c, const Step&) -> std::int64_t {
       KiSetLastStatus(*c.thread, STATUS_SUCCESS);
       Exec::pause();
       return 0;
     }},
};

}  // namespace

std::span<const RoutineDescriptor> words() { return kRows; }

}  // namespace kesim::scenario::rows
