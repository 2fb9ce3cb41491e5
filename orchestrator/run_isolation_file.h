// isolation.json in a run directory: how the run was kept apart from the host
// (harness::RunIsolation), written when the run starts and read whenever result.json and
// report.html are written, so that `hotdeploy check` keeps saying what the run had. One flat
// JSON object: {"isolation": ..., "isolation_refused": ..., "network_namespace": ...,
// "network_namespace_refused": ...}.
#pragma once

#include <filesystem>
#include <optional>

#include "harness/report/run_subject.h"

namespace hotdeploy::orchestrator {

// Throws EnvironmentError when the file cannot be written.
void write_isolation_file(const std::filesystem::path& run_dir, const harness::RunIsolation& isolation);
// nullopt when the run directory has no isolation.json (runs saved before it existed); throws
// InvalidInputError naming the file and line when it is malformed.
[[nodiscard]] std::optional<harness::RunIsolation> read_isolation_file(const std::filesystem::path& run_dir);

}  // namespace hotdeploy::orchestrator
