// SignalInbox: what the signal handlers of fake-nginx do, and nothing more.
//
// A handler records (signal number, sender pid) in a fixed ring of sig_atomic_t slots
// and writes one byte to a self-pipe (for a worker's poll loop). The process loop drains
// the ring with the signals blocked and decides, logs and acts there, in order. Nothing
// in a handler allocates, locks or logs. Also: nginx's names for the signals it handles.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string_view>
#include <vector>

namespace hotdeploy::fakes {

struct ReceivedSignal {
  int signo = 0;
  pid_t sender = 0;  // 0: sent by the kernel (a timer, a child's exit without si_pid)
};

// The signals fake-nginx handles (the rest keep their defaults; SIGPIPE is ignored).
[[nodiscard]] const std::vector<int>& handled_signals();
// nginx's name as it prints it: `SIGQUIT`, `SIGCHLD`, ...
[[nodiscard]] std::string_view signal_name(int signo);
// A set holding every handled signal.
[[nodiscard]] sigset_t handled_signal_set();

// Installs the recording handler for every handled signal and ignores SIGPIPE.
void install_signal_handlers();
// The read end of the self-pipe that handlers write to (non-blocking).
[[nodiscard]] int signal_wakeup_fd();
// Empties the self-pipe.
void drain_signal_wakeups();
// Returns and forgets the recorded signals, oldest first. Blocks the handled signals
// while it reads.
[[nodiscard]] std::vector<ReceivedSignal> take_received_signals();

}  // namespace hotdeploy::fakes
