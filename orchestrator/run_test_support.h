// Helpers for the tests that run real processes: the pids a saved run's history names, a
// deadline-bound check, made from outside, that none of them is still running, and starting the
// hotdeploy executable as another user (the tests that do so run as root), or as the test's own
// user under a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
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

// Who a test runs hotdeploy as: the test's own user; `nobody` (uid and gid 65534, no
// supplementary groups); or `nobody` inside a user namespace made by the test, with every uid
// mapped to itself and user.max_user_namespaces set to 0 there, so that the kernel refuses
// hotdeploy both a PID namespace (no privilege) and a user namespace (ENOSPC).
enum class RunAs { test_user, nobody, nobody_without_user_namespaces };
[[nodiscard]] std::string to_string(RunAs who);
// Gives `dir` and everything in it to nobody, for a run's --out as nobody.
void give_to_nobody(const std::filesystem::path& dir);
// Starts `executable` with `args` (argv[1...]) as `who`, with stdout and stderr to `output`;
// returns its pid, a child of the caller. Throws std::system_error when it cannot be started.
[[nodiscard]] pid_t start_as(RunAs who, const std::string& executable, const std::vector<std::string>& args,
                             const std::filesystem::path& output);

// Runs argv in a process group of its own, stdout and stderr to `output`; its exit status, or
// nullopt when it was still running at the deadline (then the whole group is killed).
[[nodiscard]] std::optional<int> run_with_deadline(const std::vector<std::string>& argv,
                                                   const std::filesystem::path& output, std::chrono::seconds deadline);

}  // namespace hotdeploy::orchestrator
