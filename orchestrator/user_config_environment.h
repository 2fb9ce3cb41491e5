// Where a user's own nginx.conf runs: inside the run's own mount and network namespaces, so that
// its `listen 80`, `/var/log/nginx/error.log` and `pid /run/nginx.pid` belong to this run alone.
//   - Each directory the config writes to (UserConfig::written) that exists here gets a
//     run-private directory, PRIVATE/<its absolute path>, mounted over it; a temp directory nginx
//     creates itself gets its parent's. One that does not exist is not mounted (nginx cannot
//     create files there, and reports it if it tries); nothing is ever created on the host.
//   - Each file that needed the X-Worker-Pid line is mounted over, at its own path, by its copy
//     in AS_RUN/<its absolute path>, so nginx reads the user's paths and reports the user's file
//     names and line numbers. AS_RUN holds a copy of every file the config read, as run.
//   - A listen port below 1024 for a user that is not root: net.ipv4.ip_unprivileged_port_start
//     is set to 0 in the run's own network namespace.
// A mount over a directory that holds a file the config reads, or the run directory, would hide
// it: that is refused.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "harness/report/run_subject.h"
#include "orchestrator/user_config.h"

namespace hotdeploy::orchestrator {

struct PrivateDirectory {
  std::filesystem::path over;  // the host's directory, as nginx names it (canonical)
  std::filesystem::path private_dir;
  std::vector<std::string> why;  // the directives (or compiled-in defaults) that write there
};

struct ConfigEnvironment {
  std::vector<PrivateDirectory> directories;
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> files;  // (as run, over the user's)
  std::vector<std::string> not_mounted;  // written directories missing here, with why
  std::vector<std::string> low_ports;    // listens below 1024, "listen 80 at FILE:LINE"
};

// Decides the mounts, writes AS_RUN's copies and makes PRIVATE's directories. `keep_visible`: paths
// no mount may hide (the run directory). Throws EnvironmentError naming the directory and what it
// would hide.
[[nodiscard]] ConfigEnvironment prepare_config_environment(const UserConfig& config,
                                                           const std::filesystem::path& as_run_root,
                                                           const std::filesystem::path& private_root,
                                                           const std::vector<std::filesystem::path>& keep_visible);

// In the run process, inside its own namespaces: mounts everything and, for a user that is not
// root, opens the low ports. Throws EnvironmentError saying what is missing when the run has no
// mount and network namespace of its own (isolation `none`), and when a mount or the sysctl fails.
void enter_config_environment(const ConfigEnvironment& environment, const harness::RunIsolation& isolation);

// What `enter_config_environment` needs from the machine, as one sentence for the error of a run
// that cannot have it; empty when the isolation has it.
[[nodiscard]] std::string missing_for_user_config(const harness::RunIsolation& isolation);

// config-changes.txt: what hotdeploy changed in and around the user's config, and why (the port
// sysctl only when this process is not root, as enter_config_environment decides).
// `as_run_label` and `private_label` name AS_RUN and PRIVATE as the reader finds them.
[[nodiscard]] std::string describe_changes(const UserConfig& config, const ConfigEnvironment& environment,
                                           const std::string& as_run_label, const std::string& private_label,
                                           const std::string& started_as);

}  // namespace hotdeploy::orchestrator
