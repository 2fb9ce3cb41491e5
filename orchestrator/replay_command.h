// `hotdeploy replay ERROR_LOG`: reads an nginx error.log (incident_log.h), reconstructs the
// incident (incident.h), writes it as a scenario (replay_scenario.h) to --out or standard output,
// prints what it assumed and what it could not reproduce, and with --run runs the scenario through
// the `run` command it is given. Bad input (not an error.log, no master lifecycle, two nginx
// instances, a log that starts mid-incident) is one message on the error stream and exit 2; a log
// that starts mid-incident still yields its scenario, written but not run.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

// Runs `hotdeploy run ARGS...` (args[0] is "run") and returns its exit status.
using RunCommand = std::function<int(const std::vector<std::string>& args)>;

// The options of `replay`, as --help lists them (option_table.h).
[[nodiscard]] std::string replay_options_help();

// args[0] is "replay". Returns the exit status; throws only what cli.cpp maps (UsageError,
// EnvironmentError).
[[nodiscard]] int replay_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                                 const RunCommand& run);

}  // namespace hotdeploy::orchestrator
