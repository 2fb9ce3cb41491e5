// Pid files as nginx handles them: written as "PID\n", renamed to `.oldbin` around a
// binary upgrade, deleted at exit. Each function returns 0 or the errno of the failed call.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace hotdeploy::fakes {

[[nodiscard]] int write_pid_file(const std::string& path, pid_t pid);
[[nodiscard]] int rename_file(const std::string& from, const std::string& to);
[[nodiscard]] int delete_file(const std::string& path);
// The pid a file names, for `-s`; nullopt when unreadable or not a number.
[[nodiscard]] std::optional<pid_t> read_pid_file(const std::string& path, int& error_number);

}  // namespace hotdeploy::fakes
