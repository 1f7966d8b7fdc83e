// sim/ke/kernel_reset.cpp — a kernel reused between explored schedules (issue #9 item 6):
// Kernel::reset() brings it back to what the constructor built, and the setup that follows
// re-initializes the stored threads and objects in place instead of allocating new ones.
//
// Why in place and not a snapshot of the set-up state: the setup (a C++ test body, the YAML
// interpreter) also builds state kesim does not own (the body's captured variables, the
// interpreter's per-thread contexts), so it runs again after every reset anyway; what reset
// saves is the memory: no thread, object, fiber stack, event queue or trace buffer is freed and
// allocated again. A re-initialized thread or object is constructed afresh in its old storage,
// so it is exactly the one a fresh kernel would have built (only host addresses repeat, and no
// decision depends on them).
#include <memory>

#include "sim/ke/kernel.hpp"

namespace kesim::ke {

void Kernel::reset(std::uint64_t seed) {
  reset_engine();

  cfg_.seed = seed;
  if (seed != 0) {
    if (strategy_) *strategy_ = engine::RandomStrategy(seed);
    else strategy_ = std::make_unique<engine::RandomStrategy>(seed);
    engine_.set_strategy(strategy_.get());
  }
  thread_table_.clear();  // thread_store_ keeps them for create_thread
  object_table_.clear();  // objects_ keeps them for create<T>
  free_apcs_.clear();
  for (KAPC& apc : apcs_) free_apcs_.push_back(&apc);
  observers_.clear();
  tracker_ = nullptr;
  bugcheck_.reset();
  assertion_.reset();
  thread_exception_ = nullptr;
  invariants_.clear();
  next_address_ = kFirstAddress;
  output_bytes_ = 0;
  next_word_id_ = 0;
}

void Kernel::register_recycled(KOBJECT_BASE& obj, std::string name, KOBJECTS type) {
  obj.name = std::move(name);
  obj.type = type;
  obj.index = static_cast<std::int32_t>(object_table_.size());
  obj.address = allocate_address(0x90);
  object_table_.push_back(&obj);
}

KTHREAD& Kernel::renew_thread(KTHREAD& t) {
  std::destroy_at(&t);
  std::construct_at(&t);
  return t;
}

}  // namespace kesim::ke
