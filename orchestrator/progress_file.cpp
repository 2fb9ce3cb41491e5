#include "orchestrator/progress_file.h"

#include <chrono>
#include <fstream>

namespace hotdeploy::orchestrator {

ProgressFile::ProgressFile(std::filesystem::path path, std::function<std::string()> describe)
    : path_(std::move(path)), describe_(std::move(describe)), thread_([this] {
        while (!stopping_) {
          write_once();
          for (int slice = 0; slice < 25 && !stopping_; ++slice)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }) {}

ProgressFile::~ProgressFile() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  std::error_code error;
  std::filesystem::remove(path_, error);
}

void ProgressFile::write_once() const {
  const auto staged = path_.string() + ".new";
  {
    std::ofstream out(staged, std::ios::trunc);
    out << describe_() << '\n';
  }
  std::error_code error;
  std::filesystem::rename(staged, path_, error);
}

std::string ProgressFile::read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace hotdeploy::orchestrator
