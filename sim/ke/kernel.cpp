// sim/ke/kernel.cpp — object and thread creation, thread startup and exit (PspExitThread),
// and the failure channel. Exit follows ReactOS ntoskrnl/ps/kill.c PspExitThread: lower to
// PASSIVE_LEVEL, refuse a non-zero CombinedApcDisable (0x20), run down mutexes, signal the
// thread object.
#include "sim/ke/kernel.hpp"

#include "sim/ke/access.hpp"
#include "sim/ke/lock_kind.hpp"

#include <algorithm>

#include "sim/ke/ke.hpp"
#include "sim/ke/ki.hpp"

namespace kesim::ke {

namespace {
thread_local Kernel* g_kernel = nullptr;
// The kernel constructed last on this thread: a C++ test body creates its InterlockedWords
// after the Simulator (and its kernel) but before run() makes the kernel current.
thread_local Kernel* g_newest_kernel = nullptr;

// Simulated address ranges, shaped like the S2 dump so reports read like one.
constexpr std::uint64_t kThreadBase = 0xffff910142869040ull;
constexpr std::uint64_t kThreadStride = 0x1000;
constexpr std::uint64_t kStackBase = 0xfffff6840d330000ull;
constexpr std::uint64_t kStackStride = 0x8000;
}  // namespace

Kernel& current_kernel() { return *g_kernel; }
Kernel* current_kernel_or_null() { return g_kernel; }

namespace {
// KiQuantumEnd's KiComputeNewPriority(Thread, 1) (ReactOS ntoskrnl/ke/dpc.c and
// include/internal/ke_x.h): a thread of the dynamic range (< 16) whose quantum ends loses one
// level of boost, never going below its base priority. Real-time threads keep theirs. kesim
// does not model PriorityDecrement (foreground/starvation boosts), which ReactOS subtracts
// too, so the decay is exactly one level. An AutoBoost loan is a floor as well: the owner
// keeps the waiter's priority while the waiter waits (SEMANTICS.md §11).
int quantum_end_priority(engine::Task& task) {
  KTHREAD& t = as_thread(task);
  const int p = t.priority;
  if (p >= 16) return p;
  const int floor = std::max<int>(t.BasePriority, t.autoboost_priority);
  const int next = p > floor ? std::max(p - 1, floor) : p;
  KiNoteWaiterPriority(t, p, next);  // the engine applies `next` without KiSetPriority
  return next;
}
}  // namespace

Kernel::Kernel(const KernelConfig& cfg) : cfg_(cfg), engine_(cfg.engine) {
  start_event_.k = this;
  g_newest_kernel = this;
  engine_.set_quantum_end_hook(&quantum_end_priority);
  engine_.set_resume_hook([](engine::Task& t) { KiNoteScope(as_thread(t)); });
  if (cfg.seed != 0) {
    strategy_ = std::make_unique<engine::RandomStrategy>(cfg.seed);
    engine_.set_strategy(strategy_.get());
  }
}

Kernel::~Kernel() {
  if (g_newest_kernel == this) g_newest_kernel = nullptr;
  Kernel* prev = g_kernel;
  g_kernel = this;
  engine_.unwind_all();
  g_kernel = prev;
}

// Unwinding runs destructors on the fibers' stacks, which may reach the kernel's routines (as in
// the destructor). Afterwards this is the newest kernel again: a C++ body creates its
// InterlockedWords before run() makes the kernel current.
void Kernel::reset_engine() {
  Kernel* prev = g_kernel;
  g_kernel = this;
  engine_.reset();
  g_kernel = prev;
  g_newest_kernel = this;
}

void Kernel::register_object(std::unique_ptr<KOBJECT_BASE> obj, std::string name, KOBJECTS type) {
  obj->name = std::move(name);
  obj->type = type;
  obj->index = static_cast<std::int32_t>(object_table_.size());
  obj->address = allocate_address(0x90);
  object_table_.push_back(obj.get());
  objects_.push_back(std::move(obj));
}

std::uint64_t Kernel::allocate_address(std::uint64_t size) {
  const std::uint64_t a = next_address_ + 0xf70;  // 16-aligned, like ffff9101`45796f70
  next_address_ += (size + 0xfff) & ~0xfffull;
  return a;
}

KEVENT& Kernel::create_event(std::string name, bool notification, bool signaled) {
  auto& e = create<KEVENT>(std::move(name), notification ? KOBJECTS::EventNotificationObject
                                                         : KOBJECTS::EventSynchronizationObject);
  e.SignalState = signaled ? 1 : 0;
  return e;
}

KSEMAPHORE& Kernel::create_semaphore(std::string name, LONG count, LONG limit) {
  auto& s = create<KSEMAPHORE>(std::move(name), KOBJECTS::SemaphoreObject);
  s.SignalState = count;
  s.Limit = limit;
  return s;
}

KMUTANT& Kernel::create_mutex(std::string name) {
  auto& m = create<KMUTANT>(std::move(name), KOBJECTS::MutantObject);
  m.lock_kind = &kMutantLockKind;
  m.SignalState = 1;  // KeInitializeMutex: signaled, no owner, ApcDisable 1 (kmtest KeMutex.c)
  m.ApcDisable = 1;
  return m;
}

KTIMER& Kernel::create_timer(std::string name, bool notification) {
  return create<KTIMER>(std::move(name), notification ? KOBJECTS::TimerNotificationObject
                                                      : KOBJECTS::TimerSynchronizationObject);
}

KGATE& Kernel::create_gate(std::string name) {
  return create<KGATE>(std::move(name), KOBJECTS::GateObject);
}

KSPIN_LOCK& Kernel::create_spin_lock(std::string name) {
  auto& l = create<KSPIN_LOCK>(std::move(name), KOBJECTS::SpinLockObject);
  l.lock_kind = &kSpinLockKind;
  return l;
}

KGUARDED_MUTEX& Kernel::create_guarded_mutex(std::string name, KOBJECTS type) {
  auto& m = create<KGUARDED_MUTEX>(name, type);
  m.lock_kind = &kGuardedMutexLockKind;  // a fast mutex's creator replaces it (sim/ex/fmutex.cpp)
  // 2003–Win7 sleep on the gate, Win8+ on the event; both sit at +0x18 in their layouts. Waits on
  // the inner object are reported as waits on the mutex (same object index).
  for (DISPATCHER_HEADER* h : {static_cast<DISPATCHER_HEADER*>(&m.Gate),
                               static_cast<DISPATCHER_HEADER*>(&m.Event)}) {
    h->index = m.index;
    h->address = m.address + 0x18;
  }
  m.Gate.name = name + ".Gate";
  m.Gate.type = KOBJECTS::GateObject;
  m.Event.name = name + ".Event";
  m.Event.type = KOBJECTS::EventSynchronizationObject;
  return m;
}

KAPC& Kernel::allocate_apc() {
  // An APC whose routine queues two more doubles the queue each round (it reached 5.4 GB).
  if (apcs_.size() - free_apcs_.size() >= cfg_.max_apcs) engine_.limit_reached("apcs");
  KAPC* apc;
  if (!free_apcs_.empty()) {
    apc = free_apcs_.back();
    free_apcs_.pop_back();
    *apc = KAPC{};
  } else {
    apc = &apcs_.emplace_back();
  }
  apc->address = allocate_address(0x58);
  apc->pooled = true;
  return *apc;
}

void Kernel::free_apc(KAPC& apc) {
  if (apc.pooled) free_apcs_.push_back(&apc);
}

// ---- threads -----------------------------------------------------------------------------------

KTHREAD& Kernel::create_thread(std::string name, int priority, std::uint64_t affinity,
                               ThreadBody body, void* context) {
  // PsCreateSystemThread in a loop passed 6 GB. The loader bounds the threads a scenario
  // starts by itself; this bounds the ones its steps create.
  if (thread_table_.size() >= cfg_.max_threads) engine_.limit_reached("threads");
  const auto n = static_cast<std::uint64_t>(thread_table_.size());
  KTHREAD& t = n < thread_store_.size() ? renew_thread(thread_store_[n]) : thread_store_.emplace_back();
  t.name = std::move(name);
  t.address = kThreadBase + n * kThreadStride;
  t.stack_base = kStackBase + n * kStackStride;
  t.priority = static_cast<std::uint8_t>(priority);
  t.BasePriority = priority;
  t.affinity = affinity;
  t.body = body;
  t.body_context = context;
  t.Header.name = t.name;
  t.Header.type = KOBJECTS::ThreadObject;
  t.Header.address = t.address;
  t.Header.index = -1;
  engine_.add_task(t);  // only Ke adds tasks, so t.index is also the thread table index
  t.Task::body = &Kernel::thread_startup;
  thread_table_.push_back(&t);
  return t;
}

void Kernel::StartEvent::on_event(std::uint64_t a, std::uint64_t) {
  KTHREAD& t = *k->thread_table_[a];
  t.State = KTHREAD_STATE::Ready;
  k->record(engine::TraceKind::ThreadCreate, &t, nullptr, -1);
  k->engine_.ready(t);
}

void Kernel::start_thread_at(KTHREAD& t, engine::Time at) {
  engine_.mark_live(t);
  engine_.post(at, &start_event_, static_cast<std::uint64_t>(t.index), 0);
}

void Kernel::start_thread_now(KTHREAD& t) {
  KTHREAD* parent = current_thread();
  t.created_by = parent ? parent->index : -1;
  for (Observer* o : observers_) o->on_thread_create(parent, t);
  record(engine::TraceKind::ThreadCreate, &t, nullptr, t.created_by);
  t.State = KTHREAD_STATE::Ready;
  engine_.ready(t);
}

void Kernel::thread_startup(engine::Task& task) {
  KTHREAD& t = as_thread(task);
  Kernel& k = current_kernel();
  t.State = KTHREAD_STATE::Running;
  k.record(engine::TraceKind::ThreadStart, &t, nullptr);
  std::exception_ptr error;
  try {
    t.body(t, t.body_context);
  } catch (const ThreadTerminate&) {
  } catch (const fiber::Unwind&) {
    throw;  // the engine is unwinding this fiber's stack: let it pass to the trampoline
  } catch (...) {
    error = std::current_exception();
  }
  // Outside the handler: the C++ runtime's caught-exception stack is per OS thread, so no
  // fiber may switch away while it is inside a catch block.
  if (error) k.fail_exception(std::move(error));  // never returns
  KiExitThread(t);
}

// ---- the run -------------------------------------------------------------------------------------

engine::StopReason Kernel::run() {
  previous_ = g_kernel;
  g_kernel = this;
  const engine::StopReason r = engine_.run();
  g_kernel = previous_;
  return r;
}

void Kernel::bugcheck(const BugcheckRecord& r) {
  bugcheck_ = r;
  record(engine::TraceKind::Bugcheck, current_thread(), nullptr, r.code,
         static_cast<std::int64_t>(r.params[1]));
  engine_.stop();
}

void Kernel::check_invariants(const void* step) {
  for (const auto& [name, holds] : invariants_)
    if (!holds()) fail_assertion("invariant '" + name + "' does not hold", step);
}

void KiCheckInvariants() {
  if (Kernel* k = g_kernel; k && k->current_thread()) {
    // A C++ invariant may read anything: for partial-order reduction it reads every word and
    // the whole kernel state (objects and dispatcher) — and every thread's state.
    if (k->has_invariants()) {
      k->engine().note_access(engine::kAccessAllWords, false);
      k->engine().note_access(engine::kAccessGlobal, false);
      for (engine::Task* t : k->engine().tasks()) k->engine().note_task(*t);
    }
    k->check_invariants(k->current_thread()->current_step);
  }
}

std::uint32_t KiNewWordId() {
  Kernel* k = g_kernel ? g_kernel : g_newest_kernel;
  return k ? k->next_word_id_++ : 0;
}

void Kernel::fail_exception(std::exception_ptr e) {
  if (!thread_exception_) thread_exception_ = std::move(e);
  engine_.stop();
}

void Kernel::fail_assertion(std::string what, const void* step) {
  assertion_.emplace(std::move(what), step);
  record(engine::TraceKind::Assert, current_thread(), nullptr, 0);
  engine_.stop();
}

// ---- limits ------------------------------------------------------------------------------------

void KiCountStep() { current_kernel().engine().count_step(); }

void KiCountOutput(std::size_t bytes) {
  Kernel& k = current_kernel();
  k.output_bytes_ += bytes;
  if (k.output_bytes_ > k.cfg_.max_output_bytes) k.engine().limit_reached("output");
}

// ---- exit (PspExitThread) --------------------------------------------------------------------------

void KiExitThread(KTHREAD& t) {
  Kernel& k = current_kernel();
  // For dpor: the rundown touches the thread's own state and thread object (its task), the
  // mutants it abandons and the waiters it wakes (KiUnwaitThread reports their objects).
  KiAccessScope scope;
  for (KMUTANT& m : t.MutantListHead) scope.add(m);
  // Run down the owned mutants (ReactOS ke/thrdobj.c KeRundownThread): every entry of
  // MutantListHead is visited, not just the first. A KMUTEX (ApcDisable set) anywhere in the
  // list is THREAD_TERMINATE_HELD_MUTEX (thread, mutex, 0, 0), whatever the acquisition order;
  // mutants (KeInitializeMutant) are abandoned: state 1, no owner, and the next acquirer gets
  // STATUS_ABANDONED (SEMANTICS.md §5). ReactOS bugchecks at the first KMUTEX it meets while
  // abandoning the mutants before it; kesim looks for a KMUTEX first, so nothing is woken by a
  // run that is about to stop, and names the oldest KMUTEX (the one KeRundownThread meets
  // first, the list being in acquisition order). ReactOS checks CombinedApcDisable before this
  // (0x20), but owning a KMUTEX always leaves KernelApcDisable at -1, which would mask the more
  // precise code; kesim reports the mutex.
  for (KMUTANT& m : t.MutantListHead)
    if (m.ApcDisable)
      KeBugCheckEx(bugcheck::THREAD_TERMINATE_HELD_MUTEX, t.address, m.address, 0, 0,
                   "the thread returned while it still owned mutex " + m.name);
  while (KMUTANT* m = t.MutantListHead.front()) {
    t.MutantListHead.remove(*m);
    m->OwnerThread = nullptr;
    m->Abandoned = true;
    m->SignalState = 1;
    KiNoteRelease(t, *m);
    KiWaitTest(*m, 0);
  }
  // ReactOS PspExitThread lowers to PASSIVE_LEVEL before its checks.
  if (t.Irql != PASSIVE_LEVEL) KiSetIrql(t, PASSIVE_LEVEL);
  const std::uint32_t combined = KiCombinedApcDisable(t);
  if (combined != 0)
    KeBugCheckEx(bugcheck::KERNEL_APC_PENDING_DURING_EXIT, 0, combined, 0, 1,
                 "the thread returned with KernelApcDisable " +
                     std::to_string(t.KernelApcDisable) + " and SpecialApcDisable " +
                     std::to_string(t.SpecialApcDisable) + " (an unbalanced critical or guarded region)");
  if (LockTracker* tr = k.lock_tracker()) tr->on_exit(t);
  t.ApcQueueable = false;
  while (KAPC* apc = t.ApcState.ApcListHead[1].front()) {  // flush user APCs
    t.ApcState.ApcListHead[1].remove(*apc);
    apc->Inserted = false;
    k.free_apc(*apc);
  }
  KiNoteWaiterPriority(t, t.priority, -1);  // a terminated thread boosts nobody
  t.State = KTHREAD_STATE::Terminated;
  k.record(engine::TraceKind::ThreadExit, &t, nullptr);
  for (Observer* o : k.observers()) o->on_thread_exit(t);
  t.Header.SignalState = 1;
  KiWaitTest(t.Header, 0);
}

}  // namespace kesim::ke
