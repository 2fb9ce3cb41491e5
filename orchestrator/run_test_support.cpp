#include "orchestrator/run_test_support.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>

#include "harness/history/history_file.h"
#include "orchestrator/proc_fs.h"

namespace hotdeploy::orchestrator {

std::vector<pid_t> pids_in_history(const std::filesystem::path& history_jsonl) {
  std::ifstream in(history_jsonl);
  if (!in) throw std::runtime_error("cannot open " + history_jsonl.string());
  const auto history = harness::read_jsonl(in);
  std::set<pid_t> pids;
  for (const auto& event : history.events()) {
    if (event.type == harness::EventType::process_born) pids.insert(event.pid);
  }
  return {pids.begin(), pids.end()};
}

std::vector<pid_t> host_pids_of_run(const std::filesystem::path& run_dir) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (is_running(pid) && read_title(pid).find(run_dir.string()) != std::string::npos) found.push_back(pid);
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    for (pid_t child : read_children(found[i])) {
      if (std::find(found.begin(), found.end(), child) == found.end()) found.push_back(child);
    }
  }
  return found;
}

std::vector<pid_t> still_running_after(const std::vector<pid_t>& pids, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    std::vector<pid_t> running;
    for (pid_t pid : pids) {
      if (is_running(pid)) running.push_back(pid);
    }
    if (running.empty() || std::chrono::steady_clock::now() >= until) return running;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::filesystem::path make_test_directory(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("hotdeploy-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace hotdeploy::orchestrator
