#include "orchestrator/run_isolation_network.h"

#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "orchestrator/environment_error.h"

namespace hotdeploy::orchestrator {

bool bring_loopback_up() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  bool up = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  if (up) {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    up = ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  }
  const int error = errno;
  ::close(fd);
  errno = error;
  return up;
}

std::string sysctl_path(const std::string& key) {
  std::string path = "/proc/sys/" + key;
  for (std::size_t i = std::strlen("/proc/sys/"); i < path.size(); ++i) {
    if (path[i] == '.') path[i] = '/';
  }
  return path;
}

void set_sysctl(const std::string& key, const std::string& value) {
  const auto path = sysctl_path(key);
  const auto fail = [&](int error) {
    throw EnvironmentError("target.sysctls: cannot set " + key + " to " + value + " in the run's network namespace (" +
                           path + "): " + std::strerror(error));
  };
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail(errno);
  const std::string line = value + "\n";
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int error = errno;
  ::close(fd);
  if (written < 0) fail(error);
  if (static_cast<std::size_t>(written) != line.size()) fail(EIO);
}

std::string read_sysctl(const std::string& key) {
  const auto path = sysctl_path(key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw EnvironmentError("cannot read sysctl " + key + " (" + path + "): " + std::strerror(errno));
  char buffer[256];
  const ssize_t got = ::read(fd, buffer, sizeof buffer);
  const int error = errno;
  ::close(fd);
  if (got < 0) throw EnvironmentError("cannot read sysctl " + key + " (" + path + "): " + std::strerror(error));
  std::string text(buffer, static_cast<std::size_t>(got));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace hotdeploy::orchestrator
