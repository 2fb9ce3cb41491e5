#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>
#include <vector>

#include "orchestrator/cli.h"

// Log lines go to stderr, so that stdout carries only the verdicts, the summary and what the
// commands print.
int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("hotdeploy"));
  spdlog::set_pattern("[%H:%M:%S.%e] [hotdeploy] [%l] %v");
  spdlog::flush_on(spdlog::level::debug);
  std::vector<std::string> args(argv + 1, argv + argc);
  return hotdeploy::orchestrator::run_cli(args, std::cout, std::cerr);
}
