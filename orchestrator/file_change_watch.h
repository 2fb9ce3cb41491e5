// Changes to a few named files, as inotify events on the directories that hold them (a
// directory watch also sees files that do not exist yet, and renames into and out of the name).
// Each file has its own event mask: the observer asks IN_CLOSE_WRITE | IN_MOVED_TO |
// IN_MOVED_FROM | IN_DELETE | IN_CREATE for nginx.pid and nginx.pid.oldbin (a pid file written,
// renamed or removed) and IN_MODIFY | IN_CREATE for error.log (a line appended).
// read_changes() does not block and keeps the kernel's order, which matters: when nginx renames
// nginx.pid to nginx.pid.oldbin and a new master writes nginx.pid at once, only the order of the
// events tells the rename from the write. After a queue overflow it reports every file as
// changed. When
// inotify cannot be used (no instance or watch left, no such directory), available() is false and
// the caller reads the files on a timer instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace hotdeploy::orchestrator {

struct WatchedFile {
  std::filesystem::path path;
  std::uint32_t mask = 0;  // IN_* events on this name that count as a change
};

struct FileChange {
  std::size_t file = 0;  // index in the constructor's list
  bool gone = false;     // renamed away or deleted (IN_MOVED_FROM, IN_DELETE); else written or created

  friend bool operator==(const FileChange&, const FileChange&) = default;
};

class FileChangeWatch {
 public:
  explicit FileChangeWatch(std::vector<WatchedFile> files);
  ~FileChangeWatch();
  FileChangeWatch(const FileChangeWatch&) = delete;
  FileChangeWatch& operator=(const FileChangeWatch&) = delete;

  [[nodiscard]] bool available() const { return fd_ >= 0; }
  // The inotify descriptor (readable when events are queued), for an epoll set; -1 if unavailable.
  [[nodiscard]] int fd() const { return fd_; }
  // The changes since the last call, in the order they happened (a repeat of the previous change
  // is left out).
  [[nodiscard]] std::vector<FileChange> read_changes();

 private:
  struct Entry {
    int watch = -1;
    std::string name;
    std::uint32_t mask = 0;
  };
  std::vector<Entry> entries_;
  int fd_ = -1;
};

}  // namespace hotdeploy::orchestrator
