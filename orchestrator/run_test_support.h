// Helpers for the tests that run real processes: the pids a saved run's history names, and a
// deadline-bound check, made from outside, that none of them is still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

[[nodiscard]] std::vector<pid_t> pids_in_history(const std::filesystem::path& history_jsonl);
// Waits up to `deadline` for every pid to be gone or a zombie; returns those still running.
[[nodiscard]] std::vector<pid_t> still_running_after(const std::vector<pid_t>& pids,
                                                     std::chrono::milliseconds deadline);
// A fresh empty directory under /tmp for one test.
[[nodiscard]] std::filesystem::path make_test_directory(const std::string& name);

}  // namespace hotdeploy::orchestrator
