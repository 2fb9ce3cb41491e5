#include "pid_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

namespace hotdeploy::fakes {

int write_pid_file(const std::string& path, pid_t pid) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd == -1) return errno;
  std::string text = std::to_string(pid) + "\n";
  ssize_t written = ::write(fd, text.data(), text.size());
  int error_number = written == static_cast<ssize_t>(text.size()) ? 0 : (written < 0 ? errno : EIO);
  ::close(fd);
  return error_number;
}

int rename_file(const std::string& from, const std::string& to) {
  return std::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

int delete_file(const std::string& path) { return ::unlink(path.c_str()) == 0 ? 0 : errno; }

std::optional<pid_t> read_pid_file(const std::string& path, int& error_number) {
  error_number = 0;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    error_number = errno;
    return std::nullopt;
  }
  char buffer[32] = {};
  ssize_t n = ::read(fd, buffer, sizeof(buffer) - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  size_t length = static_cast<size_t>(n);
  while (length > 0 && (buffer[length - 1] == '\n' || buffer[length - 1] == '\r')) --length;
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(buffer, buffer + length, pid);
  if (ec != std::errc() || end != buffer + length || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace hotdeploy::fakes
