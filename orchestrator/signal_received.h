// What nginx says when a process of it receives a signal. Its signal handler logs, at notice
// level, "signal 1 (SIGHUP) received from 1234, reconfiguring" (ngx_process.c: "signal %d (%s)
// received from %P%s", the pid being the sender the kernel names), or without "from PID" when the
// kernel names none; fake-nginx writes the same. This is how hotdeploy learns of a signal that it
// did not send itself: one an `exec` step's command sent.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace hotdeploy::orchestrator {

struct SignalReceived {
  int number = 0;
  std::string name;  // "HUP": as nginx names it, without the SIG prefix
  pid_t sender = 0;  // 0 when the line names none
};

// From an error.log line's message (the text after "PID#TID: "); nullopt for any other message.
[[nodiscard]] std::optional<SignalReceived> parse_signal_received(std::string_view message);

}  // namespace hotdeploy::orchestrator
