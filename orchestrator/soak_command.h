// `hotdeploy soak FILE [--cycles N] [--requests N] [--duration D] [--target fake|nginx]`: one
// target under load the whole time, the scenario's steps repeated as cycles, the way there and
// back, until the first limit is reached (soak.h); without a limit, 10 cycles. It runs as one
// isolated child of hotdeploy, like a `run`, with one updating line on a terminal (cycles done,
// requests, dropped, the current 95% bound on loss), and prints the summary at the end.
//
// Exit status: 0 when every cycle passed, 1 when any did not (a dropped request the scenario does
// not allow, a check that failed), 2 for bad arguments (--cycles 0, an unknown option) or a
// scenario a soak cannot repeat (no USR2 step, `upstreams:`), 3 when the environment stops it,
// 128 + N when interrupted by signal N.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

[[nodiscard]] int soak_command(const std::vector<std::string>& args, const std::filesystem::path& default_fake_nginx,
                               std::ostream& out);

// The options' lines of --help.
[[nodiscard]] std::string soak_options_help();

}  // namespace hotdeploy::orchestrator
