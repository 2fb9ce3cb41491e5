// What a signal to an nginx master is expected to do, and whether a process table shows that it
// did. A signal nginx ignores (USR2 while the old master lives, WINCH with `daemon off`, a HUP
// whose config fails) leaves no trace in the processes; the step runner reports such a signal as
// "no effect". Pure functions over a ProcessTable.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "orchestrator/process_table.h"

namespace hotdeploy::orchestrator {

struct SentSignal {
  std::string name;  // "USR2"
  int number = 0;
  ProcessRecord target;  // the master as it was when the signal was sent
  std::int64_t sent_ns = 0;
  int workers_at_send = 0;  // the target's live workers then
  // When the same signal was sent to the same process again: what happens from then on is the
  // later signal's effect, so a HUP that failed is not credited with the workers of the next one.
  std::optional<std::int64_t> superseded_ns;
};

// true: the expected effect is visible (before superseded_ns, if set); false: not (yet); nullopt: this signal is not
// judged (USR1 and signals to workers change nothing a process table shows; WINCH to a master without workers has
// nothing to stop).
[[nodiscard]] std::optional<bool> effect_seen(const SentSignal& signal, const ProcessTable& table);
// What the effect would have been, for the report: "no new master", "no worker exited", ...
[[nodiscard]] std::string missing_effect(const SentSignal& signal);

}  // namespace hotdeploy::orchestrator
