#include "orchestrator/interrupt.h"

#include <csignal>

namespace hotdeploy::orchestrator {
namespace {

volatile std::sig_atomic_t received_signal = 0;

extern "C" void record_signal(int signal_number) { received_signal = signal_number; }

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGHUP, &action, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);
}

void note_interrupt(int signal_number) { received_signal = signal_number; }

bool interrupted() { return received_signal != 0; }

int interrupt_signal() { return received_signal; }

}  // namespace hotdeploy::orchestrator
