// runs.jsonl: what one `hotdeploy run --out DIR` ran, kept in DIR so that `hotdeploy merge` can
// take that directory (a shard's, or a whole library's) as one input and check it against the
// others. JSON Lines, one flat object a line, in this order:
//   {"kind": "run_set", "shard": "2/3" | null, "target": "fake" | "nginx" | "", "exit_code": 0}
//        target: the --target given ("" for none); exit_code: what the run command returned
//   {"kind": "scenario", "name": N, "sha256": H, "here": true | false}
//        one per scenario file of the library given, in this shard or not (`here`: this run ran
//        or skipped it); H is the SHA-256 of the file as read
//   {"kind": "run", "name": "up#2", "dir": "up/2", "seconds": 1.25, "exit_code": 0,
//    "error": "", "interrupted": ""}
//        one per run that started; dir is relative to DIR
//   {"kind": "not_run", "name": N, "reason": R}
//        one per run that did not happen (skipped, or prevented by an interrupt)
// read_run_set throws RunSetError naming FILE:LINE for anything else.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/run_summary.h"
#include "orchestrator/shard.h"

namespace hotdeploy::orchestrator {

inline constexpr const char* kRunSetFile = "runs.jsonl";

class RunSetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LibraryScenario {
  std::string name;
  std::string sha256;
  bool here = false;
};

struct RunSetRun {
  std::string name;
  std::filesystem::path dir;  // relative to the run set's directory
  double seconds = 0;
  int exit_code = 0;
  std::string error;
  std::string interrupted;
};

struct RunSet {
  std::optional<Shard> shard;
  std::string target;
  int exit_code = 0;
  std::vector<LibraryScenario> library;
  std::vector<RunSetRun> runs;
  std::vector<NotRun> not_run;
};

// Writes dir/runs.jsonl; throws EnvironmentError naming the file.
void write_run_set(const std::filesystem::path& dir, const RunSet& set);

// dir/runs.jsonl, or nullopt when dir has none.
[[nodiscard]] std::optional<RunSet> read_run_set(const std::filesystem::path& dir);

}  // namespace hotdeploy::orchestrator
