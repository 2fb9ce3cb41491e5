// The check every `target.config` gets before any run starts: the config file exists, hotdeploy
// can read it, and `nginx -t` accepts it as it will run (X-Worker-Pid line included), in an
// isolated child with the mounts a run gets (user_config_environment.h), so that the test
// neither touches nor depends on the host's /var/log/nginx, /run or port 80.
#pragma once

#include <filesystem>
#include <vector>

#include "orchestrator/run_isolation.h"
#include "orchestrator/scenario.h"
#include "orchestrator/target.h"

namespace hotdeploy::orchestrator {

// For each scenario with target.config. Throws ScenarioError (exit 2) for a missing config or one
// nginx -t rejects (with nginx's own message, which names the user's file and line), and
// EnvironmentError (exit 3) when the machine grants no namespaces to run it in. `work_dir`: where
// the check may make (and then removes) a directory of its own.
void check_user_configs(const std::vector<Scenario>& scenarios, const BinaryLocations& binaries, IsolatedRuns& runs,
                        const std::filesystem::path& work_dir);

}  // namespace hotdeploy::orchestrator
