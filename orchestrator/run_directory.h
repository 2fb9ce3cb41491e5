// Where a run's files go. By default runs/<name>/<UTC time>/ (a suffix -2, -3... keeps two runs
// in the same second apart) with runs/<name>/latest pointing at the newest; with --out DIR,
// DIR/<name>/, replacing an earlier run's results there but never a directory that holds anything
// else. Throws EnvironmentError naming the path when it cannot be made.
#pragma once

#include <filesystem>
#include <string>

namespace hotdeploy::orchestrator {

[[nodiscard]] std::filesystem::path make_timestamped_run_directory(const std::filesystem::path& root,
                                                                   const std::string& scenario_name);
[[nodiscard]] std::filesystem::path make_named_run_directory(const std::filesystem::path& out,
                                                             const std::string& scenario_name);

}  // namespace hotdeploy::orchestrator
