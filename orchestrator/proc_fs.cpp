#include "orchestrator/proc_fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstring>

namespace hotdeploy::orchestrator {
namespace {

// Reads a small /proc file whole into `buffer`; returns the byte count or -1.
template <std::size_t N>
ssize_t read_small_file(const char* path, std::array<char, N>& buffer) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t total = 0;
  while (total < static_cast<ssize_t>(N)) {
    const ssize_t n = ::read(fd, buffer.data() + total, N - static_cast<std::size_t>(total));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += n;
  }
  ::close(fd);
  return total;
}

std::array<char, 64> proc_path(pid_t pid, const char* leaf) {
  std::array<char, 64> path{};
  std::snprintf(path.data(), path.size(), "/proc/%d/%s", static_cast<int>(pid), leaf);
  return path;
}

std::array<char, 64> children_path(pid_t pid) {
  std::array<char, 64> path{};
  std::snprintf(path.data(), path.size(), "/proc/%d/task/%d/children", static_cast<int>(pid), static_cast<int>(pid));
  return path;
}

// "12 13 14 " -> {12, 13, 14}
std::vector<pid_t> parse_pid_list(const char* cursor, const char* end) {
  std::vector<pid_t> children;
  while (cursor < end) {
    int child = 0;
    auto [next, error] = std::from_chars(cursor, end, child);
    if (error != std::errc{}) {
      ++cursor;
      continue;
    }
    children.push_back(child);
    cursor = next;
  }
  return children;
}

}  // namespace

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  std::array<char, 512> buffer{};
  const auto path = proc_path(pid, "stat");
  const ssize_t n = read_small_file(path.data(), buffer);
  if (n <= 0) return std::nullopt;
  // "pid (comm) S ppid ..." where comm may hold spaces and parentheses: split at the last ')'.
  const std::string_view text(buffer.data(), static_cast<std::size_t>(n));
  const auto close = text.rfind(')');
  if (close == std::string_view::npos || close + 4 >= text.size()) return std::nullopt;
  ProcStat stat;
  stat.state = text[close + 2];
  const char* first = text.data() + close + 4;
  const char* last = text.data() + text.size();
  int parent = 0;
  if (std::from_chars(first, last, parent).ec != std::errc{}) return std::nullopt;
  stat.parent = parent;
  return stat;
}

bool is_running(pid_t pid) {
  const auto stat = read_proc_stat(pid);
  return stat && stat->state != 'Z' && stat->state != 'X';
}

std::vector<pid_t> read_children(pid_t pid) {
  std::array<char, 4096> buffer{};
  const ssize_t n = read_small_file(children_path(pid).data(), buffer);
  if (n <= 0) return {};
  return parse_pid_list(buffer.data(), buffer.data() + n);
}

ChildrenFile::ChildrenFile(pid_t pid) : fd_(::open(children_path(pid).data(), O_RDONLY | O_CLOEXEC)) {}

ChildrenFile::~ChildrenFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::vector<pid_t>> ChildrenFile::read() const {
  if (fd_ < 0) return std::nullopt;
  std::array<char, 4096> buffer{};
  ssize_t n = -1;
  // Bounded retry of an interrupted read.
  for (int attempt = 0; attempt < 8; ++attempt) {
    n = ::pread(fd_, buffer.data(), buffer.size(), 0);
    if (n >= 0 || errno != EINTR) break;
  }
  if (n < 0) return std::nullopt;
  return parse_pid_list(buffer.data(), buffer.data() + n);
}

std::string read_title(pid_t pid) {
  std::array<char, 1024> buffer{};
  const auto path = proc_path(pid, "cmdline");
  const ssize_t n = read_small_file(path.data(), buffer);
  if (n <= 0) return {};
  std::string title(buffer.data(), static_cast<std::size_t>(n));
  while (!title.empty() && title.back() == '\0') title.pop_back();
  for (char& c : title) {
    if (c == '\0') c = ' ';
  }
  return title;
}

}  // namespace hotdeploy::orchestrator
