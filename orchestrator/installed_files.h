// Where hotdeploy finds the files it ships with when the user names none: the scenario library.
//
// An installed hotdeploy sits at PREFIX/bin/hotdeploy with its library at
// PREFIX/share/hotdeploy/scenarios; the prefix is found from the running executable
// (/proc/self/exe), so a tree installed with any --prefix, or moved, still finds it. A build-tree
// hotdeploy has no such library beside it and uses ./scenarios, as it always did.
#pragma once

#include <filesystem>

namespace hotdeploy::orchestrator {

// PREFIX/share/hotdeploy/scenarios for the running executable at PREFIX/bin/hotdeploy (whether
// or not it exists).
[[nodiscard]] std::filesystem::path installed_scenario_dir();

// ./scenarios if it is a directory, else installed_scenario_dir() if that is one. Throws
// EnvironmentError naming both places when neither is.
[[nodiscard]] std::filesystem::path default_scenario_dir();

}  // namespace hotdeploy::orchestrator
