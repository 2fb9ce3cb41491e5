// Ctrl-C and SIGTERM for hotdeploy itself: the handlers only record the signal; every wait and
// sleep of a run polls interrupted() and ends the run early, so that cleanup still stops every
// process of the run before hotdeploy exits with 128 + the signal.
#pragma once

namespace hotdeploy::orchestrator {

void install_interrupt_handlers();
// Records `signal_number` as if its handler had run; async-signal-safe, for other handlers
// (the parent's signal forwarding) that take over SIGINT/SIGTERM/SIGHUP.
void note_interrupt(int signal_number);
[[nodiscard]] bool interrupted();
[[nodiscard]] int interrupt_signal();  // 0 when none arrived

}  // namespace hotdeploy::orchestrator
