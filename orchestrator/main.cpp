#include <spdlog/spdlog.h>

#include <iostream>
#include <string>
#include <vector>

#include "orchestrator/cli.h"

int main(int argc, char** argv) {
  spdlog::set_pattern("[%H:%M:%S.%e] [hotdeploy] [%l] %v");
  spdlog::flush_on(spdlog::level::debug);
  std::vector<std::string> args(argv + 1, argv + argc);
  return hotdeploy::orchestrator::run_cli(args, std::cout, std::cerr);
}
