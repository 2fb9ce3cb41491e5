// Renders the nginx.conf of a run: one file that both fake-nginx and Debian's nginx accept, with
// the run's workers, loopback port and extra directives, pid and error log inside the prefix, and
// responses that name the serving worker (X-Worker-Pid) so every request maps to a generation.
// fake-nginx serves `/`, `/held` and `/echo` itself and ignores the locations; for real nginx,
// `/held` is the static file html/held.bin (written by the target, `held_bytes` long) sent at a
// limit_rate that spreads it over `held_seconds`, and `/echo` answers 200.
#pragma once

#include <cstdint>
#include <string>

#include "orchestrator/scenario.h"

namespace hotdeploy::orchestrator {

struct NginxConfInput {
  const TargetSpec& target;
  std::string scenario_name;
  std::uint16_t port = 0;
  std::uint64_t held_bytes = 1024;
  double held_seconds = 1.0;
  bool broken = false;  // a second `worker_processes`: a file nginx (and fake-nginx) rejects
};

[[nodiscard]] std::string render_nginx_conf(const NginxConfInput& input);

}  // namespace hotdeploy::orchestrator
