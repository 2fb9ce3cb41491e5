// A run's live status for whoever shows progress: a thread that, every 250 ms until destroyed,
// writes the line `describe()` returns to a small file (written aside and renamed over, so a
// reader never sees half a line). The hotdeploy parent reads these files to draw one updating
// line per running scenario on a terminal.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

namespace hotdeploy::orchestrator {

class ProgressFile {
 public:
  ProgressFile(std::filesystem::path path, std::function<std::string()> describe);
  ~ProgressFile();
  ProgressFile(const ProgressFile&) = delete;
  ProgressFile& operator=(const ProgressFile&) = delete;

  // The file's current line, or empty when there is none (yet).
  [[nodiscard]] static std::string read(const std::filesystem::path& path);

 private:
  void write_once() const;

  std::filesystem::path path_;
  std::function<std::string()> describe_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace hotdeploy::orchestrator
