// `hotdeploy merge`: run directories from several `hotdeploy run`s -- the --out directories of
// shards (runs.jsonl, run_set.h), of whole runs, and single runs' directories -- combined into one
// batch that run_summary.h prints and writes as if one run had made it. Refused, with one
// MergeError naming the directories: a directory that is neither; a scenario in two of them; two
// versions of a scenario (the SHA-256 of its file, run_record.h, differs between them); shards of
// different counts, a shard twice, and a scenario of a library that none of them ran or skipped
// (its shard is missing). Every check comes before any history is read.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/run_summary.h"

namespace hotdeploy::orchestrator {

class MergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MergedRuns {
  std::vector<FinishedRun> runs;  // judged, in the library's order (a scenario file's name), then as given
  std::vector<NotRun> not_run;
  std::string target;        // the --target the runs had, when they agree; else ""
  std::string heading;       // "merged 3 directories: shards 1/3, 2/3, 3/3"
  bool interrupted = false;  // a run whose directory was merged was interrupted (exit 128 + N)
};

// Reads, checks and judges the directories, in the order given.
[[nodiscard]] MergedRuns merge_runs(const std::vector<std::filesystem::path>& dirs);

}  // namespace hotdeploy::orchestrator
