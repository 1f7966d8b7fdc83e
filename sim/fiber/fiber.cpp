// sim/fiber/fiber.cpp — direct fiber-to-fiber switching on boost::context::detail::fcontext,
// the low-level API SimGrid's ContextBoost uses. The sanitizer hooks sit in one place (switch
// and resume), as in SimGrid ContextSwapped::swap_into.
#include "sim/fiber/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/detail/fcontext.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifdef KESIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace kesim::fiber {
namespace ctx = boost::context::detail;

namespace {
constexpr std::size_t kStacksPerArena = 64;
constexpr std::uint64_t kCanary = 0x6b6573696d535441ull;  // "kesimSTA"

std::size_t page_size() {
  static const std::size_t p = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "kesim: internal error: %s\n", what);
  std::fflush(stderr);
  std::_Exit(3);
}

// The fiber being switched to, read by a fiber's trampoline on its very first run.
Fiber* g_target = nullptr;
}  // namespace

struct Access {
  // Runs on the fiber that was just resumed: records where the previous fiber stopped (or
  // frees its stack if it finished) and completes the sanitizer's switch.
  static void on_resumed(Fiber& self, ctx::transfer_t t) {
#ifdef KESIM_ASAN
    __sanitizer_finish_switch_fiber(self.asan_fake_stack_, nullptr, nullptr);
#else
    (void)self;
#endif
    auto* prev = static_cast<Fiber*>(t.data);
    if (prev->finished_) {
      prev->release_stack();
    } else {
      prev->ctx_ = t.fctx;
      if (prev->stack_overflowed()) fatal("fiber stack overflow (raise machine.stack_size)");
    }
  }

  static void trampoline(ctx::transfer_t t) {
    Fiber& self = *g_target;
    on_resumed(self, t);
    try {
      self.entry_(self);
    } catch (const Unwind&) {
    } catch (...) {
      fatal("exception escaped a fiber entry");
    }
    fatal("fiber entry returned without finishing");
  }

  static void jump(Fiber& from, Fiber& to, bool from_finished) {
    to.ensure_context();
    g_target = &to;
#ifdef KESIM_ASAN
    __sanitizer_start_switch_fiber(from_finished ? nullptr : &from.asan_fake_stack_,
                                   to.stack_.base, to.stack_.size);
#else
    (void)from_finished;
#endif
    ctx::fcontext_t target = to.ctx_;
    to.ctx_ = nullptr;
    ctx::transfer_t t = ctx::jump_fcontext(target, &from);
    on_resumed(from, t);
  }
};

StackPool::StackPool(std::size_t stack_size) {
  const std::size_t p = page_size();
  stack_size_ = (stack_size + p - 1) / p * p;
  if (stack_size_ < 4 * p) stack_size_ = 4 * p;
}

StackPool::~StackPool() {
  for (auto [base, len] : arenas_) munmap(base, len);
}

void StackPool::grow() {
  const std::size_t len = stack_size_ * kStacksPerArena;
  void* mem = mmap(nullptr, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) fatal("cannot map fiber stacks (out of address space)");
  auto* base = static_cast<std::byte*>(mem);
  arenas_.emplace_back(base, len);
  for (std::size_t i = kStacksPerArena; i-- > 0;) free_.push_back(base + i * stack_size_);
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
  // The canary is the lowest word: only the lowest page is touched, which an overflow
  // would reach anyway.
  std::memcpy(base, &kCanary, sizeof kCanary);
  return {base, stack_size_};
}

void StackPool::release(Stack s) {
  --in_use_;
  free_.push_back(s.base);
}

bool Fiber::stack_overflowed() const {
  if (!stack_.base) return false;
  std::uint64_t v;
  std::memcpy(&v, stack_.base, sizeof v);
  return v != kCanary;
}

void Fiber::release_stack() {
  if (stack_.base && pool_) pool_->release(stack_);
  stack_ = {};
  ctx_ = nullptr;
}

void Fiber::ensure_context() {
  if (ctx_) return;
  if (finished_ || !pool_) fatal("switch to a fiber that cannot run");
  stack_ = pool_->acquire();
  ctx_ = ctx::make_fcontext(stack_.base + stack_.size, stack_.size, &Access::trampoline);
}

void switch_to(Fiber& from, Fiber& to) {
  if (&from == &to) return;
  Access::jump(from, to, false);
}

void finish_and_switch(Fiber& self, Fiber& to) {
  self.finished_ = true;
  Access::jump(self, to, true);
  fatal("a finished fiber was resumed");
}

}  // namespace kesim::fiber
