// Mounts inside a run's own mount namespace (run_isolation.h makes it private, so nothing here is
// seen outside the run): a directory or a file of the run put over a path of the host.
#pragma once

#include <filesystem>

namespace hotdeploy::orchestrator {

// mount --bind `from` `onto`: both directories, or both files. Throws EnvironmentError naming both
// paths and the kernel's reason.
void bind_mount(const std::filesystem::path& from, const std::filesystem::path& onto);

}  // namespace hotdeploy::orchestrator
