// `hotdeploy merge RUN_DIR... [--junit FILE] [--out DIR]`: combines the run directories of several
// `hotdeploy run`s (run_merge.h) into one summary table on standard output -- the table `run`
// prints, headed by what was merged, with the drop-rate bound over every request -- and, on
// request, one JUnit file (--junit FILE) and DIR/summary.txt with DIR/junit.xml (--out DIR).
// Exit 0 when every run passed, 1 when any did not (or a merged run was interrupted), 2 for
// input that cannot be merged (one message naming what and where).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

// The options of `merge`, as --help lists them (option_table.h).
[[nodiscard]] std::string merge_options_help();

// args[0] is "merge". Returns the exit status; throws only what cli.cpp maps (UsageError,
// EnvironmentError).
[[nodiscard]] int merge_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace hotdeploy::orchestrator
