// The hotdeploy command line: parses arguments, runs the command, and maps every outcome to an
// exit code: 0 pass, 1 a scenario failed, 2 bad usage or invalid scenario, 3 environment (binary
// missing, directory unwritable), 128 + signal when interrupted. It never lets an exception out.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

inline constexpr int kExitPass = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitEnvironment = 3;

[[nodiscard]] int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace hotdeploy::orchestrator
