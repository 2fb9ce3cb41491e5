#include "orchestrator/file_change_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>

namespace hotdeploy::orchestrator {

FileChangeWatch::FileChangeWatch(std::vector<WatchedFile> files) : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  for (const auto& file : files) entries_.push_back(Entry{-1, file.path.filename().string(), file.mask});
  if (fd_ < 0) return;
  std::map<std::filesystem::path, std::uint32_t> directories;
  for (const auto& file : files) directories[file.path.parent_path()] |= file.mask;
  std::map<std::filesystem::path, int> watches;
  for (const auto& [directory, mask] : directories) {
    const int watch = ::inotify_add_watch(fd_, directory.c_str(), mask | IN_ONLYDIR);
    if (watch < 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    watches[directory] = watch;
  }
  for (std::size_t i = 0; i < files.size(); ++i) entries_[i].watch = watches.at(files[i].path.parent_path());
}

FileChangeWatch::~FileChangeWatch() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<FileChange> FileChangeWatch::read_changes() {
  std::vector<FileChange> changes;
  if (fd_ < 0) return changes;
  const auto add = [&](FileChange change) {
    if (changes.empty() || changes.back() != change) changes.push_back(change);
  };
  alignas(inotify_event) std::array<char, 8192> buffer{};
  // Bounded: the queue holds at most max_queued_events; each pass drains up to 8 KiB of it.
  for (int pass = 0; pass < 1024; ++pass) {
    const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t at = 0; at < n;) {
      inotify_event event{};
      std::memcpy(&event, buffer.data() + at, sizeof event);
      const char* name = buffer.data() + at + sizeof event;
      at += static_cast<ssize_t>(sizeof event + event.len);
      if ((event.mask & IN_Q_OVERFLOW) != 0) {
        for (std::size_t i = 0; i < entries_.size(); ++i) add({i, false});
        continue;
      }
      if (event.len == 0) continue;
      for (std::size_t i = 0; i < entries_.size(); ++i) {
        const auto& entry = entries_[i];
        if (entry.watch == event.wd && (entry.mask & event.mask) != 0 && entry.name == name) {
          add({i, (event.mask & (IN_MOVED_FROM | IN_DELETE)) != 0});
        }
      }
    }
  }
  return changes;
}

}  // namespace hotdeploy::orchestrator
