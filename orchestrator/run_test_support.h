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
// Seen from outside (the host's /proc): every live process whose title names `run_dir` (a
// master's title holds its prefix path) and all their descendants. Works whether or not the run
// is in a PID namespace of its own, where the history's pids would mean other processes.
[[nodiscard]] std::vector<pid_t> host_pids_of_run(const std::filesystem::path& run_dir);
// Waits up to `deadline` for every pid to be gone or a zombie; returns those still running.
[[nodiscard]] std::vector<pid_t> still_running_after(const std::vector<pid_t>& pids,
                                                     std::chrono::milliseconds deadline);
// A fresh empty directory under /tmp for one test.
[[nodiscard]] std::filesystem::path make_test_directory(const std::string& name);

}  // namespace hotdeploy::orchestrator
