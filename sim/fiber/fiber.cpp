// sim/fiber/fiber.cpp — direct fiber-to-fiber switching on boost::context::detail::fcontext,
// the low-level API SimGrid's ContextBoost uses. The sanitizer hooks sit in one place (switch
// and resume), as in SimGrid ContextSwapped::swap_into.
#include "sim/fiber/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/detail/fcontext.hpp>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <cstring>

#ifdef KESIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace kesim::fiber {
namespace ctx = boost::context::detail;

namespace {
constexpr std::size_t kStacksPerArena = 64;

// Linux 6.13 installs guard regions in the page tables (no VMA split, nothing resident);
// older headers do not define the advice.
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

std::size_t page_size() {
  static const std::size_t p = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "kesim: internal error: %s\n", what);
  std::fflush(stderr);
  std::_Exit(3);
}

// The fiber being switched to, read by a fiber's trampoline on its very first run. Per OS
// thread: two machines may run on two OS threads at once.
thread_local Fiber* t_target = nullptr;

// Arenas a destroyed pool left behind, guard pages still installed, for the next pool of the
// same stack size on this OS thread. Exploration builds a machine per schedule: without this
// every schedule maps and unmaps an arena (mmap, the guard madvise/mprotect calls and the page
// faults of freshly mapped stacks were most of a short schedule's time). A few arenas are kept;
// the rest are unmapped as before. Stack contents are never read before a fiber writes them,
// and no decision depends on a stack's address, so reuse cannot change a run.
struct ArenaCache {
  static constexpr std::size_t kMaxArenas = 4;
  std::size_t stack_size = 0;
  std::size_t count = 0;
  std::array<std::pair<std::byte*, std::size_t>, kMaxArenas> arenas{};
  bool closed = false;  // the OS thread is exiting: a pool destroyed later unmaps its own
  ~ArenaCache() {
    for (std::size_t i = 0; i < count; ++i) munmap(arenas[i].first, arenas[i].second);
    count = 0;
    closed = true;
  }
  bool put(std::size_t size, std::pair<std::byte*, std::size_t> arena) {
    if (closed || (count > 0 && size != stack_size)) return false;
    if (count == kMaxArenas) return false;
    stack_size = size;
    arenas[count++] = arena;
    return true;
  }
  std::pair<std::byte*, std::size_t> take(std::size_t size) {
    if (count == 0 || size != stack_size) return {nullptr, 0};
    return arenas[--count];
  }
};
thread_local ArenaCache t_arenas;
thread_local std::uint64_t t_arenas_mapped = 0;

// Whether MADV_GUARD_INSTALL works here; cleared at the first EINVAL (an older kernel).
std::atomic<bool> g_madvise_guards{true};

void install_guard(std::byte* at, std::size_t len) {
  if (g_madvise_guards.load(std::memory_order_relaxed)) {
    if (madvise(at, len, MADV_GUARD_INSTALL) == 0) return;
    if (errno != EINVAL) throw std::runtime_error("kesim: cannot install a fiber stack guard page (madvise)");
    g_madvise_guards.store(false, std::memory_order_relaxed);
  }
  if (mprotect(at, len, PROT_NONE) != 0)
    throw std::runtime_error("kesim: cannot install a fiber stack guard page (mprotect; raise vm.max_map_count)");
}
}  // namespace

thread_local Fiber* Fiber::t_running = nullptr;

struct Access {
  static void trampoline(ctx::transfer_t t) {
    Fiber& self = *t_target;
    Fiber::on_resumed(self, t);
    try {
      self.entry_(self);
    } catch (const Unwind&) {
    } catch (...) {
      fatal("exception escaped a fiber entry");
    }
    fatal("fiber entry returned without finishing");
  }
};

#ifdef KESIM_ASAN
void Fiber::start_asan_switch(Fiber& from, Fiber& to, bool from_finished) {
  // A finished fiber passes no fake-stack slot: ASan then frees its fake stack.
  __sanitizer_start_switch_fiber(from_finished ? nullptr : &from.asan_fake_stack_,
                                 to.asan_bottom_, to.asan_size_);
}
void Fiber::finish_asan_switch(Fiber& self, Fiber& prev) {
  // ASan reports the stack we came from: the main fiber learns its own (the OS thread's
  // stack) here, the first time it is left, before anything switches back to it.
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(self.asan_fake_stack_, &bottom, &size);
  if (!prev.stack_.base && !prev.finished_) {
    prev.asan_bottom_ = bottom;
    prev.asan_size_ = size;
  }
}
#endif

bool Fiber::guard_contains(const void* addr) const {
  if (!stack_.base) return false;
  const auto a = reinterpret_cast<std::uintptr_t>(addr);
  const auto lo = reinterpret_cast<std::uintptr_t>(stack_.base);
  return a < lo && a >= lo - StackPool::guard_size();
}

std::size_t StackPool::guard_size() { return page_size(); }

StackPool::StackPool(std::size_t stack_size) {
  const std::size_t p = page_size();
  stack_size_ = (stack_size + p - 1) / p * p;
  if (stack_size_ < 4 * p) stack_size_ = 4 * p;
}

StackPool::~StackPool() {
  for (auto arena : arenas_)
    if (!t_arenas.put(stack_size_, arena)) munmap(arena.first, arena.second);
}

std::size_t StackPool::cached_arenas() { return t_arenas.count; }
std::uint64_t StackPool::arenas_mapped() { return t_arenas_mapped; }

// An arena is kStacksPerArena slots of [guard page][stack]; the stack of slot i+1 also
// guards the top of stack i.
void StackPool::grow() {
  const std::size_t guard = page_size();
  const std::size_t slot = guard + stack_size_;
  const std::size_t len = slot * kStacksPerArena;
  free_.reserve(kStacksPerArena);  // grow() runs when free_ is empty: one allocation, not seven
  if (const auto cached = t_arenas.take(stack_size_); cached.first) {
    arenas_.push_back(cached);
    for (std::size_t i = kStacksPerArena; i-- > 0;) free_.push_back(cached.first + i * slot + guard);
    return;
  }
  ++t_arenas_mapped;
  void* mem = mmap(nullptr, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  // Out of resources is not a kesim bug: the caller (the engine, then run()) gets it.
  if (mem == MAP_FAILED) throw std::runtime_error("kesim: cannot map fiber stacks (out of address space)");
  auto* base = static_cast<std::byte*>(mem);
  arenas_.emplace_back(base, len);
  for (std::size_t i = 0; i < kStacksPerArena; ++i) install_guard(base + i * slot, guard);
  for (std::size_t i = kStacksPerArena; i-- > 0;) free_.push_back(base + i * slot + guard);
}

StackPool::Stack StackPool::acquire() {
  if (free_.empty()) grow();
  std::byte* base = free_.back();
  free_.pop_back();
  if (++in_use_ > high_water_) high_water_ = in_use_;
#ifdef KESIM_ASAN
  // A reused stack still carries the redzones of the frames its last fiber left behind (a fiber
  // that finished by switching away never returned through them): clear them.
  ASAN_UNPOISON_MEMORY_REGION(base, stack_size_);
#endif
  return {base, stack_size_};
}

void StackPool::release(Stack s) {
  --in_use_;
  free_.push_back(s.base);
}


void Fiber::release_stack() {
  if (stack_.base && pool_) pool_->release(stack_);
  stack_ = {};
  ctx_ = nullptr;
}

// A fiber's first run: take a stack and make the context whose entry is the trampoline. The
// trampoline learns which fiber it is from t_target (the jump's data is the fiber left).
void Fiber::ensure_context() {
  if (finished_ || !pool_) fatal("switch to a fiber that cannot run");
  stack_ = pool_->acquire();
  ctx_ = ctx::make_fcontext(stack_.base + stack_.size, stack_.size, &Access::trampoline);
#ifdef KESIM_ASAN
  asan_bottom_ = stack_.base;
  asan_size_ = stack_.size;
#endif
  t_target = this;
}

void finish_and_switch(Fiber& self, Fiber& to) {
  self.finished_ = true;
  if (!to.ctx_) to.ensure_context();
#ifdef KESIM_ASAN
  Fiber::start_asan_switch(self, to, true);
#endif
  jump(to.ctx_, &self);
  fatal("a finished fiber was resumed");
}

}  // namespace kesim::fiber
