// `hotdeploy bench SCENARIO`: runs one scenario many times on two sides, A and B, and compares
// their switchover figures (bench_summary.h). Side A is the scenario as `hotdeploy run` would run
// it (with --target, --nginx, --new-binary); each --vs-* option changes one thing on side B
// (--vs-target, --vs-nginx, --vs-new-binary, --vs-config, --vs-faults); without any, B is A (an
// A/A test). The runs alternate A B A B ..., the first --warmup of each side not counted, one at
// a time, each a normal run directory made by the same runner as `hotdeploy run`
// (OUT/A/1, OUT/B/1, ..., OUT/A/warmup-1, ...). OUT gets bench.json, bench.md and bench.html.
//
// Exit status: 0, or 1 when --max-regression finds B worse than allowed; 2 for bad arguments or
// scenario, 3 when the environment stops a run (binary missing, no history written), 128 + N
// when interrupted by signal N. Runs whose checks fail are counted and reported, not an error:
// their figures are what is compared (`--max-regression dropped=0` makes lost requests fail).
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

[[nodiscard]] int bench_command(const std::vector<std::string>& args, const std::filesystem::path& default_fake_nginx,
                                std::ostream& out);

// The options' lines of --help.
[[nodiscard]] std::string bench_options_help();

}  // namespace hotdeploy::orchestrator
