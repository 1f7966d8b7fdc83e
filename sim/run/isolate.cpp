// sim/run/isolate.cpp — one scenario of `kesim test` in a child process (see batch.hpp).
//
// The child: its own process group (so a timeout kills whatever it started), stdout and stderr
// into a pipe the parent captures, run_file(), the Result as one JSON object on a second pipe,
// _exit(0). The parent polls both pipes against the wall-clock deadline; at the deadline it
// SIGKILLs the child's process group. Only a complete JSON result with exit status 0 is a
// result; every other end is described from the wait status and the captured stderr.
// The wall clock is fine here: this is the batch driver, not the simulator.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "sim/run/batch.hpp"
#include "sim/run/batch_detail.hpp"
#include "sim/run/run.hpp"

namespace kesim::run {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxCapturedStderr = 64 * 1024;  // an ASan report fits; a runaway log does not

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone or killed us; nothing to tell
    done += static_cast<std::size_t>(n);
  }
}

// Test-only: KESIM_TEST_CRASH=STEM[:segv|abort|exit|hang][,...] makes the child for the scenario
// whose file stem is STEM die the way a real crash would (a signal, std::abort, or exit status 1
// without a result, as a sanitizer report ends) or hang. Honoured only here, in the isolated child, so
// the batch's crash handling can be tested without relying on a simulator bug that will be
// fixed. Costs one getenv per scenario.
void test_crash_hook(const std::string& file) {
  const char* v = std::getenv("KESIM_TEST_CRASH");
  if (!v) return;
  const std::string mine = std::filesystem::path(file).stem().string();
  std::string_view rest = v;
  while (!rest.empty()) {  // a comma-separated list of STEM[:HOW]
    const std::string_view item = rest.substr(0, rest.find(','));
    rest = item.size() < rest.size() ? rest.substr(item.size() + 1) : std::string_view();
    const std::string_view stem = item.substr(0, item.find(':'));
    const std::string_view how = stem.size() < item.size() ? item.substr(stem.size() + 1) : "segv";
    if (stem != mine) continue;
    std::fprintf(stderr, "KESIM_TEST_CRASH: %s ends the child (%.*s)\n", mine.c_str(),
                 static_cast<int>(how.size()), how.data());
    if (how == "abort") std::abort();
    if (how == "exit") ::_exit(1);
    if (how == "hang")
      for (;;) ::pause();  // a child stuck outside the simulator: only the timeout ends it
    std::signal(SIGSEGV, SIG_DFL);  // die by the signal even where ASan would catch it and exit
    ::raise(SIGSEGV);
    ::_exit(1);  // SIGSEGV blocked: still no result
  }
}

[[noreturn]] void child_main(const std::string& file, const Options& run_opt, int result_fd, int err_fd) {
  ::setpgid(0, 0);
  ::dup2(err_fd, STDERR_FILENO);
  ::dup2(err_fd, STDOUT_FILENO);  // nothing the child prints may interleave with the batch lines
  ::close(err_fd);
  std::signal(SIGINT, SIG_DFL);  // the batch's own handlers are not the child's
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGPIPE, SIG_DFL);
  test_crash_hook(file);
  json msg;
  try {
    const Result r = run_file(file, run_opt);
    msg = {{"exit_code", r.exit_code}, {"summary", r.summary}, {"diagnostics", r.diagnostics},
           {"report", r.json}};
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kesim: internal error: %s\n", e.what());
    ::_exit(kInternal);
  }
  // Invalid UTF-8 from a scenario string or a file name must not lose the result.
  write_all(result_fd, msg.dump(-1, ' ', false, json::error_handler_t::replace));
  ::_exit(0);
}

std::string signal_text(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  const char* desc = ::strsignal(sig);
  return fmt::format("signal {} (SIG{}: {})", sig, abbrev ? abbrev : "?", desc ? desc : "?");
}

// Reaps the child, killing its group if it outlives the deadline (it closed its pipes but did
// not exit). Returns the wait status.
int reap(pid_t pid, Clock::time_point deadline, bool& timed_out) {
  int st = 0;
  bool killed = false;
  for (;;) {
    const pid_t r = ::waitpid(pid, &st, killed ? 0 : WNOHANG);
    if (r == pid) return st;
    if (r < 0 && errno != EINTR) return st;
    if (r == 0) {
      if (Clock::now() >= deadline || batch_interrupt_signal() != 0) {
        timed_out = timed_out || batch_interrupt_signal() == 0;
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        killed = true;  // now wait blocking: SIGKILL cannot be ignored
        continue;
      }
      ::poll(nullptr, 0, 5);
    }
  }
}

std::string fmt_wall(std::int64_t ms) {
  return ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{}ms", ms);
}

}  // namespace

CaseResult run_isolated(const std::string& file, std::int64_t timeout_ms, const Options& run_opt) {
  CaseResult c;
  c.file = file;
  c.name = std::filesystem::path(file).stem().string();
  int res[2], err[2];
  if (::pipe2(res, O_CLOEXEC) != 0) {
    c.status = CaseStatus::crashed;
    c.exit_code = kInternal;
    c.summary = fmt::format("cannot create a pipe: {}", std::strerror(errno));
    return c;
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(res[0]);
    ::close(res[1]);
    c.status = CaseStatus::crashed;
    c.exit_code = kInternal;
    c.summary = fmt::format("cannot create a pipe: {}", std::strerror(errno));
    return c;
  }
  std::fflush(nullptr);  // the child must not inherit (and later repeat) buffered output
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(res[0]);
    ::close(err[0]);
    child_main(file, run_opt, res[1], err[1]);
  }
  ::close(res[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(res[0]);
    ::close(err[0]);
    c.status = CaseStatus::crashed;
    c.exit_code = kInternal;
    c.summary = fmt::format("cannot fork: {}", std::strerror(errno));
    return c;
  }
  ::setpgid(pid, pid);  // also in the child: whichever runs first, the group exists before a kill

  std::string result, captured;
  bool truncated = false, timed_out = false;
  pollfd fds[2] = {{res[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (batch_interrupt_signal() != 0) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left, INT_MAX)));
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[65536];
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores negative descriptors
        continue;
      }
      std::string& sink = i == 0 ? result : captured;
      const std::size_t room = i == 0 ? static_cast<std::size_t>(got)
                                      : std::min<std::size_t>(static_cast<std::size_t>(got),
                                                              kMaxCapturedStderr - std::min(kMaxCapturedStderr, captured.size()));
      if (room < static_cast<std::size_t>(got)) truncated = true;
      sink.append(buf, room);
    }
  }
  if (timed_out || batch_interrupt_signal() != 0) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  }
  for (pollfd& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  const int st = reap(pid, deadline, timed_out);
  if (truncated) captured += "\n[stderr truncated]\n";

  if (!timed_out && batch_interrupt_signal() == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    const json msg = json::parse(result, nullptr, false);
    if (msg.is_object() && msg.contains("exit_code") && msg["exit_code"].is_number_integer()) {
      c.exit_code = msg["exit_code"].get<int>();
      c.summary = msg.value("summary", "");
      c.diagnostics = msg.value("diagnostics", "");
      c.report = msg.value("report", json());
      if (c.report.is_object()) c.name = c.report.value("scenario", c.name);
      c.status = c.exit_code == kMet      ? CaseStatus::passed
                 : c.exit_code == kNotMet ? CaseStatus::failed
                 : c.exit_code == kBadInput ? CaseStatus::bad_input
                                            : CaseStatus::crashed;
      c.diagnostics += captured;  // normally empty
      return c;
    }
  }
  c.diagnostics = captured;
  if (batch_interrupt_signal() != 0) {
    c.status = CaseStatus::crashed;
    c.exit_code = kInternal;
    c.signal = batch_interrupt_signal();
    c.summary = fmt::format("interrupted by {}", signal_text(c.signal));
  } else if (timed_out) {
    c.status = CaseStatus::timed_out;
    c.exit_code = kNotMet;
    c.signal = SIGKILL;
    c.summary = fmt::format("timed out after {} (wall clock); killed", fmt_wall(timeout_ms));
  } else if (WIFSIGNALED(st)) {
    c.status = CaseStatus::crashed;
    c.exit_code = kInternal;
    c.signal = WTERMSIG(st);
    c.summary = fmt::format("crashed: {}", signal_text(c.signal));
  } else {
    c.status = CaseStatus::crashed;
    c.exit_code = kInternal;
    c.summary = WIFEXITED(st) && WEXITSTATUS(st) != 0
                    ? fmt::format("ended abnormally: exit status {} without a result (a sanitizer "
                                  "report, an abort or an internal error; see its output)",
                                  WEXITSTATUS(st))
                    : "ended abnormally: the result it sent is incomplete";
  }
  return c;
}

}  // namespace kesim::run
