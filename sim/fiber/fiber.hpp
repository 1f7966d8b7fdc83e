// sim/fiber/fiber.hpp — Boost.Context fibers with pooled, lazily touched stacks.
//
// A Fiber is a suspended execution context. Switching is direct (fiber to fiber, one
// jump_fcontext), so a kesim thread switch costs one Boost.Context jump plus bookkeeping.
// The OS thread's own context is a Fiber without a stack (the "main" fiber).
//
// Invariants:
//   - exactly one fiber is running at a time (single OS thread);
//   - a stack is taken from the pool when a fiber first runs and returned when it has finished
//     and another fiber has resumed (a fiber cannot free the stack it is running on);
//   - exceptions never cross a switch: the entry trampoline catches everything;
//   - every stack has a guard page just below it (one per arena slot): an overflow faults on
//     the guard instead of running into the neighbouring stack (see StackPool);
//   - arenas outlive their pool in a small per-OS-thread cache, so the next machine reuses
//     them (exploration builds one machine per schedule).
// This layer knows nothing about kernels (ARCHITECTURE.md).
#pragma once

#include <boost/context/detail/fcontext.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <vector>

namespace kesim::fiber {

// Thrown inside a fiber to unwind it when the simulation is torn down; caught by the trampoline.
struct Unwind {};

class StackPool {
 public:
  struct Stack {
    std::byte* base = nullptr;  // lowest address
    std::size_t size = 0;
  };

  // stack_size is rounded up to the page size. Stacks are carved from large anonymous
  // mappings made with MAP_NORESERVE: pages are only backed when a fiber touches them. Each
  // stack sits in a slot of its arena above a guard page, so an overflow faults (SIGSEGV) on
  // the guard: with MADV_GUARD_INSTALL (Linux 6.13+) the guard costs neither a mapping nor a
  // resident page; older kernels fall back to mprotect(PROT_NONE), which splits the mapping
  // (two VMAs per stack, bounded by vm.max_map_count).
  explicit StackPool(std::size_t stack_size);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  Stack acquire();
  void release(Stack s);
  std::size_t stack_size() const { return stack_size_; }
  std::size_t in_use() const { return in_use_; }
  std::size_t high_water() const { return high_water_; }
  // Size of the guard below every stack (one page).
  static std::size_t guard_size();
  // A destroyed pool hands its arenas (guards installed) to a small per-OS-thread cache that
  // the next pool of the same stack size takes them from: machine after machine reuses the same
  // stacks instead of mapping new ones. For tests and benchmarks: arenas in that cache, and
  // arenas mapped afresh on this OS thread so far.
  static std::size_t cached_arenas();
  static std::uint64_t arenas_mapped();

 private:
  void grow();
  std::size_t stack_size_;
  std::vector<std::pair<std::byte*, std::size_t>> arenas_;
  std::vector<std::byte*> free_;
  std::size_t in_use_ = 0;
  std::size_t high_water_ = 0;
};

class Fiber;
using Entry = void (*)(Fiber& self);

// Switches from `from` (the running fiber) to `to`. Returns when some fiber switches back.
inline void switch_to(Fiber& from, Fiber& to);
// Marks `self` finished and switches to `to`; never returns. The stack is released by
// whichever fiber resumes next.
[[noreturn]] void finish_and_switch(Fiber& self, Fiber& to);

class Fiber {
 public:
  Fiber() = default;
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Arms the fiber to run entry(*this) when it is first switched to. entry must never
  // return normally: it ends by switching away with finish_and_switch().
  void prepare(StackPool* pool, Entry entry, void* user) {
    pool_ = pool;
    entry_ = entry;
    user_ = user;
  }
  void* user() const { return user_; }
  bool started() const { return ctx_ != nullptr || stack_.base != nullptr; }
  bool finished() const { return finished_; }
  bool has_stack() const { return stack_.base != nullptr; }

  friend void switch_to(Fiber& from, Fiber& to);
  friend void finish_and_switch(Fiber& self, Fiber& to);

  // The fiber's stack (null base for the main fiber or before its first run).
  const std::byte* stack_base() const { return stack_.base; }
  std::size_t stack_size() const { return stack_.size; }
  // True if `addr` lies in the guard page just below this fiber's stack (async-signal-safe:
  // a SIGSEGV handler uses it to tell a fiber stack overflow from another fault).
  bool guard_contains(const void* addr) const;
  // Bytes left between `sp` (an address on this fiber's stack) and the bottom of its stack.
  std::size_t stack_left(const void* sp) const {
    const auto a = reinterpret_cast<std::uintptr_t>(sp);
    const auto lo = reinterpret_cast<std::uintptr_t>(stack_.base);
    return stack_.base && a > lo ? a - lo : 0;
  }

 private:
  friend struct Access;  // fiber.cpp: the trampoline and the slow paths
  void release_stack();
  void ensure_context();
  // Runs on the fiber that was just resumed: records where the previous fiber stopped (or frees
  // its stack if it finished). Inline: this is half of every switch.
  static void on_resumed(Fiber& self, boost::context::detail::transfer_t t) {
    auto* prev = static_cast<Fiber*>(t.data);
#ifdef KESIM_ASAN
    finish_asan_switch(self, *prev);
#endif
    t_running = &self;
    if (prev->finished_) [[unlikely]] {
      prev->release_stack();
    } else {
      prev->ctx_ = t.fctx;
    }
  }
#ifdef KESIM_ASAN
  static void start_asan_switch(Fiber& from, Fiber& to, bool from_finished);
  static void finish_asan_switch(Fiber& self, Fiber& prev);
#endif
  friend const Fiber* running_fiber();
  // The fiber running on this OS thread, for crash reports; thread_local because two machines
  // may run on two OS threads.
  static thread_local Fiber* t_running;

  void* ctx_ = nullptr;  // boost::context::detail::fcontext_t
  StackPool* pool_ = nullptr;
  StackPool::Stack stack_;
  Entry entry_ = nullptr;
  void* user_ = nullptr;
  bool finished_ = false;
#ifdef KESIM_ASAN
  void* asan_fake_stack_ = nullptr;
  // The stack ASan must be told about when this fiber is switched to. For a fiber with its own
  // stack it is that stack; for the main fiber (the OS thread's stack, which kesim does not
  // know) it is what __sanitizer_finish_switch_fiber reported when the main fiber was left,
  // as SimGrid's ContextBoost records it for the context it switched from.
  const void* asan_bottom_ = nullptr;
  std::size_t asan_size_ = 0;
#endif
};

// The fiber running on this OS thread (null before the first switch); async-signal-safe.
inline const Fiber* running_fiber() { return Fiber::t_running; }

// Boost.Context's jump_fcontext ends with an indirect `jmp` to the resumed context, so the entry
// the `call` pushed on the CPU's return-stack buffer is never popped: every `ret` after a switch
// is then predicted from a stale entry and mispredicts (measured: ~10 ns per kesim switch). On
// x86-64 kesim enters jump_fcontext with a `jmp` after pushing the return address by hand (past
// the 128-byte red zone), which keeps the return-stack buffer balanced. jump_fcontext itself,
// its frame layout and its register contract are untouched; it needs no particular stack
// alignment (only mov/stmxcsr/fnstcw on its own frame). Under ASan, or on other targets, the
// ordinary call is used.
inline boost::context::detail::transfer_t jump(boost::context::detail::fcontext_t to, void* vp) {
#if defined(__x86_64__) && !defined(KESIM_ASAN) && !defined(KESIM_PLAIN_JUMP)
  boost::context::detail::fcontext_t fctx;
  void* data;
  asm volatile(
      "subq $128, %%rsp\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "jmp jump_fcontext@PLT\n\t"
      "1:\n\t"
      "addq $128, %%rsp\n\t"
      : "=a"(fctx), "=d"(data), "+D"(to), "+S"(vp)
      :
      : "rcx", "r8", "r9", "r10", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3",
        "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
        "xmm14", "xmm15", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)",
        "mm0", "mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "mm7");
  return {fctx, data};
#else
  return boost::context::detail::jump_fcontext(to, vp);
#endif
}

// The hot path: one jump_fcontext plus the bookkeeping of on_resumed. Stack overflow needs no
// check here: the guard page below every stack faults.
inline void switch_to(Fiber& from, Fiber& to) {
  if (&from == &to) return;
  if (!to.ctx_) [[unlikely]] to.ensure_context();
#ifdef KESIM_ASAN
  Fiber::start_asan_switch(from, to, false);
#endif
  const boost::context::detail::transfer_t t = jump(to.ctx_, &from);
  Fiber::on_resumed(from, t);
}

}  // namespace kesim::fiber
