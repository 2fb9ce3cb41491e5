#include "orchestrator/pidfd_watch.h"

#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <limits>
#include <system_error>

namespace hotdeploy::orchestrator {
namespace {

constexpr std::uint64_t kOtherTag = std::numeric_limits<std::uint64_t>::max();

// The raw system call, so that glibc older than 2.36 (no pidfd_open wrapper) builds too.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U)); }

}  // namespace

PidfdWatch::PidfdWatch() : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

PidfdWatch::~PidfdWatch() {
  for (const auto& [pid, fd] : pidfds_) ::close(fd);
  ::close(epoll_fd_);
}

PidfdWatch::Added PidfdWatch::add(pid_t pid) {
  if (!available_) return Added::unsupported;
  if (pidfds_.count(pid) != 0) return Added::watching;
  const int fd = pidfd_open(pid);
  if (fd < 0) {
    if (errno == ESRCH) return Added::gone;
    available_ = false;  // ENOSYS (kernel < 5.3), or EMFILE/ENFILE: polling takes over for good
    return Added::unsupported;
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = static_cast<std::uint64_t>(pid);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    ::close(fd);
    available_ = false;
    return Added::unsupported;
  }
  pidfds_.emplace(pid, fd);
  return Added::watching;
}

void PidfdWatch::add_other(int fd) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kOtherTag;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }
}

PidfdWatch::Ready PidfdWatch::wait(std::chrono::milliseconds timeout) {
  std::array<epoll_event, 64> events{};
  Ready ready;
  const int n =
      ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), static_cast<int>(timeout.count()));
  for (int i = 0; i < n; ++i) {
    const auto tag = events[static_cast<std::size_t>(i)].data.u64;
    if (tag == kOtherTag) {
      ready.other = true;
      continue;
    }
    const auto pid = static_cast<pid_t>(tag);
    const auto found = pidfds_.find(pid);
    if (found == pidfds_.end()) continue;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, found->second, nullptr);
    ::close(found->second);
    pidfds_.erase(found);
    ready.exited.push_back(pid);
  }
  return ready;
}

}  // namespace hotdeploy::orchestrator
