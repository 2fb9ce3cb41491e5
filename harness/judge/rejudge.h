// rejudge: judge a saved run again, from its run directory's history.jsonl alone (what
// `hotdeploy check RUN_DIR` does), with the expectations given -- the scenario's, or others.
// Checkers see only the history, so the judgement equals the one the run made with the same
// expectations; a history that cannot have happened is not judged (judge_valid in
// history_validation.h).
#pragma once

#include <filesystem>

#include "harness/judge/checks.h"

namespace hotdeploy::harness {

// Throws std::runtime_error naming the file when run_dir/history.jsonl is missing, unreadable
// or malformed (with the line, as read_jsonl reports it).
[[nodiscard]] Judgement rejudge(const std::filesystem::path& run_dir, const Expectations& expect);

}  // namespace hotdeploy::harness
