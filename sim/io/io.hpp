// sim/io/io.hpp — synchronous I/O completed by special kernel APCs (SEMANTICS.md §3, S4).
// A Zw call sends a request to a simulated device that completes it after machine.io_latency;
// completion is IopCompleteRequest queued as a special kernel APC to the issuing thread, whose
// kernel routine writes the status and sets the event the caller waits on (Executive, at the
// caller's IRQL). So the caller hangs when special APCs cannot reach it: inside a guarded region
// or holding a guarded mutex, or waiting at APC_LEVEL (a fast mutex held); a critical region is
// fine. Sources: ReactOS io/iomgr/irp.c (IopCompleteRequest), ke/apc.c; S4 (OSR's hang).
//
// The files are a small in-memory namespace: a path is a file, a directory is a path prefix
// (everything up to the last backslash). Names compare case-insensitively (OBJ_CASE_INSENSITIVE)
// and the \DosDevices\ or \??\ prefix is ignored.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sim/ke/ke.hpp"

namespace kesim::io {

enum class IoOp : std::uint8_t { Create, Write, Open, Rename, Close };
const char* io_op_name(IoOp op);  // "ZwCreateFile", ...

class FileSystem {
 public:
  struct File {
    std::string path;  // as first created (display spelling)
    std::uint64_t size = 0;
  };
  // The request's effect, applied when the device completes it; returns its status.
  ke::NTSTATUS apply(IoOp op, const std::string& path, const std::string& rename_to,
                     std::uint64_t bytes);
  std::int64_t count_in(const std::string& directory) const;
  const std::map<std::string, File>& files() const { return files_; }  // key: normalized path
  static std::string normalize(const std::string& path);
  static std::string directory_of(const std::string& normalized);

 private:
  std::map<std::string, File> files_;
};

class IoManager final : public engine::EventHandler {
 public:
  explicit IoManager(ke::Kernel& k) : kernel_(k) {}
  // The Zw routines: issue the request, wait for its completion APC, return the status.
  ke::NTSTATUS call(IoOp op, const std::string& path, const std::string& rename_to = {},
                    std::uint64_t bytes = 0);
  const FileSystem& file_system() const { return fs_; }
  void on_event(std::uint64_t request, std::uint64_t) override;
  // kesim play: "I/O for Bob completes (ZwCreateFile: ...)".
  std::string describe(std::uint64_t request, std::uint64_t) const override;

 private:
  struct Request {
    IoOp op;
    std::string path, rename_to;
    std::uint64_t bytes = 0;
    ke::KTHREAD* thread = nullptr;
    ke::NTSTATUS status = ke::STATUS_PENDING;
    ke::KEVENT* event = nullptr;
    bool done = false;
  };
  static void complete_request(ke::KAPC& apc);  // IopCompleteRequest, at APC_LEVEL
  ke::KEVENT& event_for(ke::KTHREAD& t);

  ke::Kernel& kernel_;
  FileSystem fs_;
  std::map<std::uint64_t, Request> pending_;  // by request id (deterministic order)
  std::uint64_t next_id_ = 0;
  std::map<std::int32_t, ke::KEVENT*> events_;  // per thread, reused
};

}  // namespace kesim::io
