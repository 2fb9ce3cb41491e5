// Exits of processes as they happen, child or not: one pidfd per watched process (pidfd_open,
// Linux >= 5.3) in an epoll set, which may also hold other descriptors (the observer's inotify
// one), so that one wait covers process exits and file changes. A pidfd becomes readable the
// moment its process exits (turns zombie), so an exit is seen when it happens, not at the next
// poll. Where the kernel lacks pidfd_open (ENOSYS) add() says so and available() turns false; the
// caller then polls /proc instead. Not thread-safe: one thread adds and waits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <vector>

namespace hotdeploy::orchestrator {

class PidfdWatch {
 public:
  PidfdWatch();  // throws std::system_error when epoll_create1 fails
  ~PidfdWatch();
  PidfdWatch(const PidfdWatch&) = delete;
  PidfdWatch& operator=(const PidfdWatch&) = delete;

  enum class Added : std::uint8_t { watching, gone, unsupported };
  // Starts watching `pid` (watching a pid twice is a no-op). gone: no such process any more;
  // unsupported: no pidfd_open on this kernel (or no descriptor left), so nothing will be reported.
  [[nodiscard]] Added add(pid_t pid);
  [[nodiscard]] bool available() const { return available_; }
  // Adds a descriptor whose readiness wait() reports as `other` (the caller reads it).
  void add_other(int fd);

  struct Ready {
    std::vector<pid_t> exited;  // no longer watched; their pidfds are closed
    bool other = false;
  };
  // Waits until a watched process exits, the other descriptor is readable, or `timeout` passes
  // (zero: just looks). Interrupted waits (EINTR) return what was ready, possibly nothing.
  [[nodiscard]] Ready wait(std::chrono::milliseconds timeout);

 private:
  int epoll_fd_ = -1;
  std::map<pid_t, int> pidfds_;
  bool available_ = true;
};

}  // namespace hotdeploy::orchestrator
