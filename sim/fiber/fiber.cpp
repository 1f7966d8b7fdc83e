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
thread_local Fiber* g_target = nullptr;  // per OS thread: machines may run side by side
}  // namespace

struct Access {
  static void trampoline(ctx::transfer_t t) {
    Fiber& self = *g_target;
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
  __sanitizer_start_switch_fiber(from_finished ? nullptr : &from.asan_fake_stack_,
                                 to.stack_.base, to.stack_.size);
}
void Fiber::finish_asan_switch(Fiber& self) {
  __sanitizer_finish_switch_fiber(self.asan_fake_stack_, nullptr, nullptr);
}
#endif

void Fiber::overflowed(const Fiber&) { fatal("fiber stack overflow (raise machine.stack_size)"); }

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
  std::memcpy(base, &Fiber::kStackCanary, sizeof Fiber::kStackCanary);
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
// trampoline learns which fiber it is from g_target (the jump's data is the fiber left).
void Fiber::ensure_context() {
  if (finished_ || !pool_) fatal("switch to a fiber that cannot run");
  stack_ = pool_->acquire();
  ctx_ = ctx::make_fcontext(stack_.base + stack_.size, stack_.size, &Access::trampoline);
  g_target = this;
}

void finish_and_switch(Fiber& self, Fiber& to) {
  self.check_stack();
  self.finished_ = true;
  if (!to.ctx_) to.ensure_context();
#ifdef KESIM_ASAN
  Fiber::start_asan_switch(self, to, true);
#endif
  jump(to.ctx_, &self);
  fatal("a finished fiber was resumed");
}

}  // namespace kesim::fiber
