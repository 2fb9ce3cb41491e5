// Renders the nginx.conf of a run: one file that both fake-nginx and Debian's nginx accept, with
// the run's workers, loopback port and extra directives, pid and error log inside the prefix, and
// responses that name the serving worker (X-Worker-Pid) so every request maps to a generation.
// fake-nginx serves `/`, `/held` and `/echo` itself and ignores the locations; for real nginx,
// `/held` is the static file html/held.bin (written by the target, `held_bytes` long) sent at a
// limit_rate that spreads it over `held_seconds`, and `/echo` answers 200. With `tls` the listen
// is `ssl` and the server names its certificate and key (both nginx and fake-nginx serve them);
// nothing else is set, so both keep their defaults: tickets on, keys random per master.
#pragma once

#include <cstdint>
#include <string>

#include "harness/load/test_certificates.h"
#include "orchestrator/scenario.h"

namespace hotdeploy::orchestrator {

struct NginxConfInput {
  const TargetSpec& target;
  std::string scenario_name;
  std::uint16_t port = 0;
  std::uint64_t held_bytes = 1024;
  double held_seconds = 1.0;
  bool broken = false;  // a second `worker_processes`: a file nginx (and fake-nginx) rejects
  const harness::TestCertificateFiles* tls = nullptr;  // scheme https: serve TLS with these
};

[[nodiscard]] std::string render_nginx_conf(const NginxConfInput& input);

}  // namespace hotdeploy::orchestrator
