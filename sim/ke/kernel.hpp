// sim/ke/kernel.hpp — the simulated kernel: owns the engine, the threads and the objects, and
// carries the run's failure state (bugcheck, failed assertion). The Ke routines (ke.hpp) act
// on the *current* kernel, as NT routines act on the running system: Kernel::run() makes its
// kernel current for the duration of the run.
#pragma once

#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <typeinfo>
#include <vector>

#include "kesim/result.hpp"
#include "sim/engine/engine.hpp"
#include "sim/engine/limits.hpp"
#include "sim/ke/objects.hpp"

namespace kesim::ke {

struct KSPIN_LOCK : KOBJECT_BASE {
  std::uint64_t value = 0;  // 0 free; 1 held (free MP build, SEMANTICS.md §10)
  KTHREAD* owner = nullptr; // kesim bookkeeping: NT's free build does not record it
  std::vector<KTHREAD*> spinners;
  std::vector<KTHREAD*> queue;  // in-stack queued waiters, oldest first (spinlock.cpp)
};

// KGUARDED_MUTEX (SEMANTICS.md §9): Count bit 0 = LOCK (1 = free), bit 1 = WOKEN, waiters in
// units of 4. 2003–Win7 sleep on a KGATE, Win8+ on a synchronization KEVENT.
struct KGUARDED_MUTEX : KOBJECT_BASE {
  LONG Count = 1;
  KTHREAD* Owner = nullptr;
  std::uint32_t Contention = 0;
  KGATE Gate;
  KEVENT Event;  // SynchronizationEvent
  KIRQL OldIrql = PASSIVE_LEVEL;  // fast mutexes keep the caller's IRQL here
};

using kesim::BugcheckRecord;

// Observers see every synchronization event as it happens (checks: lock order, happens-before
// races; reports). They must not change the run.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_acquire(KTHREAD& t, KOBJECT_BASE& lock, bool exclusive, const void* step) {}
  virtual void on_release(KTHREAD& t, KOBJECT_BASE& lock) {}
  // `t` releases `lock` it does not hold (push locks record no owner, so Windows may not
  // notice); `holder` is the thread kesim knew to hold it (null: none). Before on_release.
  virtual void on_foreign_release(KTHREAD& t, KOBJECT_BASE& lock, const KTHREAD* holder,
                                  const void* step) {}
  // A thread is about to block (or spin) acquiring `lock`: lockdep checks order at the attempt.
  virtual void on_acquire_attempt(KTHREAD& t, KOBJECT_BASE& lock, const void* step) {}
  virtual void on_signal(KTHREAD* by, KOBJECT_BASE& obj) {}        // set/release/pulse/expiry
  virtual void on_wait_satisfied(KTHREAD& t, KOBJECT_BASE& obj) {}  // a wait consumed a signal
  virtual void on_thread_create(KTHREAD* parent, KTHREAD& child) {}
  virtual void on_thread_exit(KTHREAD& t) {}
  // A thread touched a shared resource (a file of the I/O namespace): for race detection.
  virtual void on_access(KTHREAD& t, const std::string& resource, bool write, const void* step) {}
  // The same for a file, with the path as the scenario spelled it (`resource` is normalized):
  // reports echo the user's spelling.
  virtual void on_file_access(KTHREAD& t, const std::string& resource, const std::string& spelled,
                              bool write, const void* step) {
    on_access(t, resource, write, step);
  }
  // An interlocked read-modify-write of a memory word: atomic, a full barrier (never a race).
  virtual void on_atomic(KTHREAD& t, const std::string& word) {}
};

// AutoBoost hooks (SEMANTICS.md §11), implemented by sim/autoboost; absent when disabled.
class LockTracker {
 public:
  virtual ~LockTracker() = default;
  virtual void pre_acquire(KTHREAD& t, KOBJECT_BASE& lock) = 0;  // may bugcheck 0x192
  virtual void on_wait(KTHREAD& t, KOBJECT_BASE& lock) = 0;      // blocked: boost the owners
  virtual void post_acquire(KTHREAD& t, KOBJECT_BASE& lock) = 0;
  virtual void post_release(KTHREAD& t, KOBJECT_BASE& lock) = 0;  // may bugcheck 0x162
  // The release is complete (word updated, waiters woken): drop the boost it justified.
  virtual void release_done(KTHREAD& t, KOBJECT_BASE& lock) {}
  virtual void on_exit(KTHREAD& t) = 0;
};

struct KernelConfig {
  Version version = Version::win10;
  bool autoboost = true;
  bool verifier = false;  // Driver Verifier's checks on (machine.verifier / --verifier)
  engine::EngineConfig engine;
  std::uint64_t seed = 0;
  engine::Time io_latency = 100'000;
  // Jitter (machine.jitter, --jitter): `work` durations and I/O latencies may each vary by up to
  // this percentage either way, as the schedule's strategy picks (engine::Engine::vary). 0: off.
  int jitter_percent = 0;
  // Run limits (sim/engine/limits.hpp); tests lower them to reach them quickly.
  std::size_t max_threads = limits::kMaxThreads;
  std::size_t max_apcs = limits::kMaxApcs;
  std::size_t max_output_bytes = limits::kMaxOutputBytes;
};

using ThreadBody = void (*)(KTHREAD& self, void* context);

// The fiber stack size for a requested one (0 = the default, 64 KiB). Under ASan frames carry
// redzones and are several times larger, so every stack is 4x.
inline std::size_t fiber_stack_size(std::size_t requested) {
  const std::size_t size = requested ? requested : 64 * 1024;
#ifdef KESIM_ASAN
  return size * 4;
#else
  return size;
#endif
}

class Kernel {
 public:
  explicit Kernel(const KernelConfig& cfg);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  engine::Engine& engine() { return engine_; }
  const engine::Engine& engine() const { return engine_; }
  const KernelConfig& config() const { return cfg_; }
  Version version() const { return cfg_.version; }
  bool verifier() const { return cfg_.verifier; }
  // A declared duration (a `work` step, the I/O latency) as this schedule has it: with jitter on,
  // d or d -/+ jitter_percent of it, a choice of the strategy; else d.
  engine::Time jittered(engine::Time d) {
    if (cfg_.jitter_percent <= 0 || d <= 0) return d;
    const engine::Time pct = cfg_.jitter_percent;
    return engine_.vary(d, d / 100 * pct + d % 100 * pct / 100);  // d * pct / 100 without overflow
  }

  // ---- objects ------------------------------------------------------------------------------
  KEVENT& create_event(std::string name, bool notification, bool signaled);
  KSEMAPHORE& create_semaphore(std::string name, LONG count, LONG limit);
  KMUTANT& create_mutex(std::string name);  // KeInitializeMutex: state 1, ApcDisable 1
  KTIMER& create_timer(std::string name, bool notification);
  KGATE& create_gate(std::string name);
  KSPIN_LOCK& create_spin_lock(std::string name);
  KGUARDED_MUTEX& create_guarded_mutex(std::string name, KOBJECTS type);
  // For layers above (push locks, I/O): registers an object the caller constructed.
  // After reset(), the object stored at the same position is re-initialized in place instead
  // (same type; see reset()).
  template <class T, class... Args>
  T& create(std::string name, KOBJECTS type, Args&&... args) {
    if (T* slot = recycled_object<T>()) {
      renew_object(*slot, std::forward<Args>(args)...);
      register_recycled(*slot, std::move(name), type);
      return *slot;
    }
    auto obj = std::make_unique<T>(std::forward<Args>(args)...);
    T& ref = *obj;
    register_object(std::move(obj), std::move(name), type);
    return ref;
  }
  std::span<KOBJECT_BASE* const> objects() const { return object_table_; }
  // A fresh simulated address for something that is not in the object table (APCs, requests).
  std::uint64_t allocate_address(std::uint64_t size);

  // ---- threads ------------------------------------------------------------------------------
  KTHREAD& create_thread(std::string name, int priority, std::uint64_t affinity, ThreadBody body,
                         void* context);
  void start_thread_at(KTHREAD& t, engine::Time at);  // start: <time>
  void start_thread_now(KTHREAD& t);                   // PsCreateSystemThread
  std::span<KTHREAD* const> threads() const { return thread_table_; }
  KTHREAD* current_thread() const { return static_cast<KTHREAD*>(engine_.current()); }

  // ---- the run --------------------------------------------------------------------------------
  engine::StopReason run();
  // Back to a newly built kernel with this configuration and `seed` (a machine reused between
  // explored schedules, sim/machine), keeping its memory: the threads are unwound and the engine
  // reset (kernel_reset.cpp); the tables of threads and objects are emptied but their storage is
  // kept, so the setup that follows (the same create_* and create_thread calls as the first
  // time) re-initializes each one in place, as a fresh kernel would have built it. Observers and
  // the lock tracker are dropped: the owner re-attaches its own.
  void reset(std::uint64_t seed);
  void add_observer(Observer* o) { observers_.push_back(o); }
  std::span<Observer* const> observers() const { return observers_; }
  void set_lock_tracker(LockTracker* t) { tracker_ = t; }
  LockTracker* lock_tracker() const { return tracker_; }

  // The run's failure channel. Both stop the run at once (never return on a fiber).
  [[noreturn]] void bugcheck(const BugcheckRecord& r);
  [[noreturn]] void fail_assertion(std::string what, const void* step);
  const std::optional<BugcheckRecord>& bugcheck_record() const { return bugcheck_; }
  const std::optional<std::pair<std::string, const void*>>& assertion_failure() const {
    return assertion_;
  }
  // A C++ exception thrown by a thread body (C++ API lambdas, kesim's own internal errors):
  // the run stops at once and the machine rethrows it to the caller of run().
  [[noreturn]] void fail_exception(std::exception_ptr e);
  // Invariants of a C++ test (Simulator::add_invariant), checked by KiCheckInvariants.
  void add_invariant(std::string name, std::function<bool()> holds) {
    invariants_.emplace_back(std::move(name), std::move(holds));
  }
  void check_invariants(const void* step);
  bool has_invariants() const { return !invariants_.empty(); }
  std::exception_ptr thread_exception() const { return thread_exception_; }

  // Internal plumbing shared by the Ke routines.
  void record(engine::TraceKind k, const KTHREAD* t, const KOBJECT_BASE* o, std::int64_t a = 0,
              std::int64_t b = 0) {
    engine_.record(k, t ? t->index : -1, o ? o->index : -1, a, b);
  }
  KAPC& allocate_apc();
  void free_apc(KAPC& apc);

 private:
  friend struct KernelAccess;
  void register_object(std::unique_ptr<KOBJECT_BASE> obj, std::string name, KOBJECTS type);
  // reset(): the stored object at the next table position if it has type T, else null (the
  // setup differs from the first one: the stored objects from there on are dropped).
  template <class T>
  T* recycled_object() {
    const std::size_t n = object_table_.size();
    if (n >= objects_.size()) return nullptr;
    KOBJECT_BASE* old = objects_[n].get();
    if (typeid(*old) != typeid(T)) {
      objects_.resize(n);
      return nullptr;
    }
    return static_cast<T*>(old);
  }
  // Re-constructs `obj` in place as T(args...) would construct it; the holder vectors keep their
  // capacity (cleared), so a reused lock records its holders without allocating.
  template <class T, class... Args>
  static void renew_object(T& obj, Args&&... args) {
    std::vector<KTHREAD*> holders = std::move(obj.holders);
    std::vector<const void*> steps = std::move(obj.holder_steps);
    holders.clear();
    steps.clear();
    std::destroy_at(&obj);
    std::construct_at(&obj, std::forward<Args>(args)...);
    obj.holders = std::move(holders);
    obj.holder_steps = std::move(steps);
  }
  void register_recycled(KOBJECT_BASE& obj, std::string name, KOBJECTS type);
  static KTHREAD& renew_thread(KTHREAD& t);  // reset(): a stored thread, as newly constructed
  void reset_engine();  // reset(): unwinds and resets the engine with this kernel current
  static void thread_startup(engine::Task& task);

  struct StartEvent final : engine::EventHandler {
    // Threads declared to start at one instant start in declaration order (the model's
    // order, not a race Windows leaves open); what they then do is interleaved as usual.
    bool orderable() const override { return false; }
    // It readies the thread (the engine reports the dispatcher and the thread's task); the
    // observers hear of nothing else.
    bool touches_objects() const override { return false; }
    Kernel* k;
    void on_event(std::uint64_t a, std::uint64_t) override;
  };

  KernelConfig cfg_;
  engine::Engine engine_;
  std::unique_ptr<engine::RandomStrategy> strategy_;
  std::deque<KTHREAD> thread_store_;  // thread_store_[i] is thread_table_[i] (the rest: reset's spares)
  std::vector<KTHREAD*> thread_table_;
  std::vector<std::unique_ptr<KOBJECT_BASE>> objects_;  // objects_[i] holds object_table_[i] (ditto)
  std::vector<KOBJECT_BASE*> object_table_;
  std::deque<KAPC> apcs_;
  std::vector<KAPC*> free_apcs_;
  std::vector<Observer*> observers_;
  LockTracker* tracker_ = nullptr;
  std::optional<BugcheckRecord> bugcheck_;
  std::optional<std::pair<std::string, const void*>> assertion_;
  std::exception_ptr thread_exception_;
  std::vector<std::pair<std::string, std::function<bool()>>> invariants_;
  static constexpr std::uint64_t kFirstAddress = 0xffff910145796000ull;
  std::uint64_t next_address_ = kFirstAddress;
  StartEvent start_event_;
  Kernel* previous_ = nullptr;
  std::size_t output_bytes_ = 0;  // KiCountOutput
  friend void KiCountOutput(std::size_t bytes);
  friend std::uint32_t KiNewWordId();
  std::uint32_t next_word_id_ = 0;  // InterlockedWord ids, in creation order
};

// The kernel the Ke routines act on: set by Kernel::run for its duration, per OS thread, so
// machines on different OS threads never see each other.
Kernel& current_kernel();
Kernel* current_kernel_or_null();

// Thrown by PsTerminateSystemThread; caught at the thread's startup frame. Never crosses a
// fiber switch.
struct ThreadTerminate {};

}  // namespace kesim::ke
