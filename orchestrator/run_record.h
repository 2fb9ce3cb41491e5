// The files a run directory keeps so that `hotdeploy check` can judge it again exactly as it
// ran:
//   binaries.json  what ran (harness/report/run_subject.h) as one flat JSON object:
//                  {"target": "nginx", "binary.path": ..., "binary.version": ..., "binary.sha256": ...,
//                   "new_binary.path": ..., ...}
//   scenario.yaml  the scenario as it ran: the file's text with the command line's overrides
//                  applied (target.kind after --target, target.new_binary after --new-binary)
//   scenario.sha256 the SHA-256 of the scenario file as it was read, then its path, as sha256sum
//                  writes it: what `hotdeploy merge` compares to tell two versions of a scenario apart
// Writers throw EnvironmentError naming the file. read_run_subject gives the whole subject, with the
// isolation from isolation.json (run_isolation_file.h): an empty target for a run directory without
// binaries.json, no isolation without isolation.json; it throws InvalidInputError (FILE:LINE) for a
// malformed one.
#pragma once

#include <filesystem>
#include <string>

#include "harness/report/run_subject.h"
#include "orchestrator/scenario.h"

namespace hotdeploy::orchestrator {

void write_run_subject(const std::filesystem::path& run_dir, const harness::RunSubject& subject);
[[nodiscard]] harness::RunSubject read_run_subject(const std::filesystem::path& run_dir);

void write_effective_scenario(const Scenario& scenario, const std::filesystem::path& run_dir);

// The hash scenario.sha256 holds; "" when the run directory has none (runs saved before it was).
[[nodiscard]] std::string read_scenario_sha256(const std::filesystem::path& run_dir);

}  // namespace hotdeploy::orchestrator
