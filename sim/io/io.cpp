#include "sim/io/io.hpp"

#include "sim/ke/access.hpp"

#include <algorithm>
#include <cctype>

#include "sim/ke/ki.hpp"

namespace kesim::io {

using namespace kesim::ke;

const char* io_op_name(IoOp op) {
  switch (op) {
    case IoOp::Create: return "ZwCreateFile";
    case IoOp::Write: return "ZwWriteFile";
    case IoOp::Open: return "ZwOpenFile";
    case IoOp::Rename: return "ZwSetInformationFile";
    case IoOp::Close: return "ZwClose";
  }
  return "?";
}

std::string FileSystem::normalize(const std::string& path) {
  std::string p = path;
  for (const char* prefix : {"\\DosDevices\\", "\\??\\"})
    if (p.size() > std::char_traits<char>::length(prefix) &&
        std::equal(prefix, prefix + std::char_traits<char>::length(prefix), p.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      p.erase(0, std::char_traits<char>::length(prefix));
  std::replace(p.begin(), p.end(), '/', '\\');
  while (p.size() > 1 && p.back() == '\\') p.pop_back();
  std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
  return p;
}

std::string FileSystem::directory_of(const std::string& normalized) {
  const auto slash = normalized.rfind('\\');
  return slash == std::string::npos ? std::string() : normalized.substr(0, slash);
}

NTSTATUS FileSystem::apply(IoOp op, const std::string& path, const std::string& rename_to,
                           std::uint64_t bytes) {
  const std::string key = normalize(path);
  auto it = files_.find(key);
  switch (op) {
    case IoOp::Create:  // FILE_OVERWRITE_IF, as in the S1 driver: create or truncate
      if (it == files_.end()) files_.emplace(key, File{path, 0});
      else it->second.size = 0;
      return STATUS_SUCCESS;
    case IoOp::Write:
      if (it == files_.end()) return STATUS_OBJECT_NAME_NOT_FOUND;
      it->second.size += bytes;
      return STATUS_SUCCESS;
    case IoOp::Open:
      return it == files_.end() ? STATUS_OBJECT_NAME_NOT_FOUND : STATUS_SUCCESS;
    case IoOp::Rename: {  // FileRenameInformation with ReplaceIfExists = TRUE
      if (it == files_.end()) return STATUS_OBJECT_NAME_NOT_FOUND;
      File f = it->second;
      files_.erase(it);
      f.path = rename_to;
      files_[normalize(rename_to)] = f;
      return STATUS_SUCCESS;
    }
    case IoOp::Close:
      return STATUS_SUCCESS;
  }
  return STATUS_INVALID_PARAMETER;
}

std::int64_t FileSystem::count_in(const std::string& directory) const {
  const std::string dir = normalize(directory);
  return std::count_if(files_.begin(), files_.end(),
                       [&](const auto& kv) { return directory_of(kv.first) == dir; });
}

KEVENT& IoManager::event_for(KTHREAD& t) {
  auto [it, inserted] = events_.try_emplace(t.index, nullptr);
  if (inserted) {
    // The caller's wait event (on its stack in a real driver): not a scenario object, but it is
    // registered so reports can name what the thread waits on.
    it->second = &kernel_.create_event(t.name + ".IoCompletionEvent", false, false);
  }
  return *it->second;
}

NTSTATUS IoManager::call(IoOp op, const std::string& path, const std::string& rename_to,
                         std::uint64_t bytes) {
  const KiAccessScope scope{KiWholeKernel{}};  // the I/O manager's requests are shared state
  KiSchedulingPoint();
  KTHREAD& t = *kernel_.current_thread();
  const bool write = op != IoOp::Open && op != IoOp::Close;
  for (Observer* o : kernel_.observers())
    o->on_file_access(t, FileSystem::normalize(path), path, write, t.current_step);
  if (op == IoOp::Rename)
    for (Observer* o : kernel_.observers())
      o->on_file_access(t, FileSystem::normalize(rename_to), rename_to, true, t.current_step);
  KEVENT& done = event_for(t);
  const std::uint64_t id = next_id_++;
  pending_.emplace(id, Request{op, path, rename_to, bytes, &t, STATUS_PENDING, &done, false});
  kernel_.record(engine::TraceKind::IoBegin, &t, &done, static_cast<int>(op),
                 static_cast<std::int64_t>(id));
  // The device's time: machine.io_latency, within its jitter when that is on.
  kernel_.engine().post(kernel_.engine().after(kernel_.jittered(kernel_.config().io_latency)), this, id, 0);
  // FILE_SYNCHRONOUS_IO_NONALERT: wait for the completion in the caller's context.
  const NTSTATUS wait = KeWaitForSingleObject(done, Executive, KPROCESSOR_MODE::KernelMode, false, nullptr);
  auto it = pending_.find(id);
  const NTSTATUS status = wait == STATUS_SUCCESS ? it->second.status : wait;
  pending_.erase(it);
  return status;
}

// The device finished: apply the request and queue IopCompleteRequest to the requester.
void IoManager::on_event(std::uint64_t id, std::uint64_t) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Request& r = it->second;
  r.status = fs_.apply(r.op, r.path, r.rename_to, r.bytes);
  kernel_.record(engine::TraceKind::IoComplete, r.thread, r.event, r.status,
                 static_cast<std::int64_t>(id));
  KAPC& apc = kernel_.allocate_apc();
  KeInitializeApc(apc, *r.thread, ApcKind::Special, &IoManager::complete_request, nullptr, &r);
  apc.label = "nt!IopCompleteRequest";
  KiInsertQueueApc(apc, nullptr);
}

std::string IoManager::describe(std::uint64_t id, std::uint64_t) const {
  auto it = pending_.find(id);
  if (it == pending_.end()) return "an I/O request that is gone (nothing happens)";
  const Request& r = it->second;
  return "I/O for " + r.thread->name + " completes (" + io_op_name(r.op) + " " + r.path +
         ": special kernel APC IopCompleteRequest queued to " + r.thread->name + ")";
}

void IoManager::complete_request(KAPC& apc) {
  auto& r = *static_cast<Request*>(apc.context);
  r.done = true;
  KeSetEvent(*r.event, 0, false);
}

}  // namespace kesim::io
