#include "orchestrator/merge_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include "orchestrator/cli.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/option_table.h"
#include "orchestrator/run_merge.h"
#include "orchestrator/run_summary.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

struct MergeArguments {
  std::vector<fs::path> dirs;
  std::optional<fs::path> junit;
  std::optional<fs::path> out;
};

std::vector<Option> merge_options(MergeArguments& parsed) {
  return {
      {"--junit", "FILE", "write one JUnit XML report of every merged run, skipped ones included",
       [&](const std::string& file) { parsed.junit = file; }},
      {"--out", "DIR", "also write the table to DIR/summary.txt and the JUnit report to DIR/junit.xml",
       [&](const std::string& dir) { parsed.out = dir; }},
  };
}

MergeArguments parse_merge_arguments(const std::vector<std::string>& args) {
  MergeArguments parsed;
  for (const auto& operand : parse_options(args, 1, merge_options(parsed))) parsed.dirs.emplace_back(operand);
  if (parsed.dirs.empty()) throw UsageError("merge needs at least one RUN_DIR");
  return parsed;
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
  if (!out) throw EnvironmentError("cannot write " + file.string());
}

}  // namespace

std::string merge_options_help() {
  MergeArguments unused;
  return options_help(merge_options(unused));
}

int merge_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto arguments = parse_merge_arguments(args);
  MergedRuns merged;
  try {
    merged = merge_runs(arguments.dirs);
  } catch (const MergeError& e) {
    err << "hotdeploy merge: " << e.what() << '\n';
    return kExitUsage;
  }
  std::ostringstream table;
  print_summary(merged.runs, merged.not_run, merged.heading, table);
  out << table.str();
  if (arguments.junit) write_junit(*arguments.junit, merged.runs, merged.not_run, merged.target, "hotdeploy");
  if (arguments.out) {
    std::error_code error;
    fs::create_directories(*arguments.out, error);
    if (error) throw EnvironmentError("--out " + arguments.out->string() + ": " + error.message());
    write_text(*arguments.out / "summary.txt", table.str());
    write_junit(*arguments.out / "junit.xml", merged.runs, merged.not_run, merged.target, "hotdeploy");
  }
  const bool all_passed = std::all_of(merged.runs.begin(), merged.runs.end(),
                                      [](const FinishedRun& run) { return shown_verdict(run) == "pass"; });
  return all_passed && !merged.interrupted ? kExitPass : kExitFail;
}

}  // namespace hotdeploy::orchestrator
