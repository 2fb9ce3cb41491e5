// A scenario file written from a reconstructed incident (incident.h), in the library's format
// (scenarios/README.md): the same signals to the same generations in the same order, each step
// under a comment quoting the log line behind it; after each signal a wait for the effect the log
// shows (a new master ready, workers gone, a master gone, a log line), or a pause where it shows
// none; `swap_binary` where nginx logged `changing binary`; the faults that explain a failed
// start (for fake-nginx; on real nginx, what real nginx can do: a missing binary, a broken
// config, or a fake new binary); and `expect:` from what the incident shows (who served at the
// end, how many masters were left, which signals had no effect).
//
// What a log cannot tell (the load, timing below its 1 s resolution, the config) is a named
// default, listed at the top of the file and returned in `assumed`, so the command can print it.
// Pure: model in, text out.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "orchestrator/incident.h"
#include "orchestrator/scenario.h"

namespace hotdeploy::orchestrator {

// The defaults a replay uses where the log is silent, each named in the file.
struct ReplayDefaults {
  int keepalive_connections = 16;          // load: the log shows no requests
  std::chrono::milliseconds lead_in{300};  // serving -> the first signal, with the load on
  std::chrono::milliseconds pause{300};    // after a signal whose effect the log does not show
  std::chrono::milliseconds settle{500};   // after the last step
  std::chrono::seconds wait_timeout{10};   // each wait, unless the log shows the effect took longer
  std::chrono::seconds max_gap{5};         // a longer pause between two signals is shortened to this
  int workers = 2;                         // when the log shows no master starting workers
};

struct ReplayRequest {
  std::string name;    // the scenario's name
  std::string source;  // the log's file name, for the comments
  TargetKind target = TargetKind::fake;
  ReplayDefaults defaults;
};

struct ReplayScenario {
  std::string yaml;
  std::vector<std::string> assumed;         // the defaults the file relies on, one line each
  std::vector<std::string> not_reproduced;  // what the incident shows that the scenario does not do
};

[[nodiscard]] ReplayScenario write_replay_scenario(const Incident& incident, const ReplayRequest& request);

}  // namespace hotdeploy::orchestrator
