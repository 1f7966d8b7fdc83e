// sim/report/html_snapshots.cpp — view snapshots for the HTML report's step slider (html.hpp).
#include <fmt/format.h>

#include "sim/report/html.hpp"

namespace kesim::report {

namespace {
// One view of one snapshot is kept up to this size: with 200 snapshots of four views, a run with
// hundreds of threads would otherwise make a page of hundreds of megabytes.
constexpr std::size_t kMaxViewBytes = 16 * 1024;

std::string capped(std::string text) {
  if (text.size() <= kMaxViewBytes) return text;
  const std::size_t cut = text.rfind('\n', kMaxViewBytes);
  const std::size_t keep = cut == std::string::npos ? kMaxViewBytes : cut + 1;
  const std::size_t dropped = text.size() - keep;
  text.resize(keep);
  return text + fmt::format("... ({} more bytes of this view not kept in the HTML report)\n", dropped);
}
}  // namespace

void ViewRecorder::on_acquire(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, bool exclusive, const void*) {
  take(fmt::format("{} acquires {} ({})", t.name, lock.name, exclusive ? "exclusive" : "shared"));
}
void ViewRecorder::on_release(ke::KTHREAD& t, ke::KOBJECT_BASE& lock) {
  take(fmt::format("{} releases {}", t.name, lock.name));
}
void ViewRecorder::on_acquire_attempt(ke::KTHREAD& t, ke::KOBJECT_BASE& lock, const void*) {
  take(fmt::format("{} blocks on {}", t.name, lock.name));
}
void ViewRecorder::on_signal(ke::KTHREAD* by, ke::KOBJECT_BASE& obj) {
  take(by ? fmt::format("{} signals {}", by->name, obj.name) : fmt::format("{} signaled", obj.name));
}
void ViewRecorder::on_wait_satisfied(ke::KTHREAD& t, ke::KOBJECT_BASE& obj) {
  take(fmt::format("{}'s wait on {} is satisfied", t.name, obj.name));
}
void ViewRecorder::on_thread_exit(ke::KTHREAD& t) { take(fmt::format("{} exits", t.name)); }

void ViewRecorder::take(std::string label) {
  if (done_) return;
  if (events_++ % stride_ != 0) return;
  if (cap_ > 1 && snaps_.size() + 1 >= cap_) {  // keep one place for finish()
    std::vector<ViewSnapshot> kept;
    for (std::size_t i = 0; i < snaps_.size(); i += 2) kept.push_back(std::move(snaps_[i]));
    snaps_ = std::move(kept);
    stride_ *= 2;
    if ((events_ - 1) % stride_ != 0) return;
  }
  ke::Kernel& k = const_cast<ke::Kernel&>(k_);
  ViewSnapshot s;
  s.seq = k.engine().trace().count();
  s.time = k.engine().now();
  s.label = std::move(label);
  s.thread = capped(render_view(k_, p_, View{ViewKind::thread, ""}, nullptr));
  s.locks = capped(render_view(k_, p_, View{ViewKind::locks, ""}, nullptr));
  s.pushlock = capped(render_view(k_, p_, View{ViewKind::pushlock, ""}, nullptr));
  s.apc = capped(render_view(k_, p_, View{ViewKind::apc, ""}, nullptr));
  snaps_.push_back(std::move(s));
}

void ViewRecorder::finish() {
  stride_ = 1;
  events_ = 0;
  cap_ = 0;  // no thinning for the last one
  take("end of the run");
  done_ = true;
}

}  // namespace kesim::report
