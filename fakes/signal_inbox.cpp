#include "signal_inbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

namespace hotdeploy::fakes {
namespace {

constexpr size_t kInboxCapacity = 256;

struct Slot {
  volatile sig_atomic_t signo;
  volatile sig_atomic_t sender;
};

std::array<Slot, kInboxCapacity> slots{};
volatile sig_atomic_t recorded_count = 0;  // written only by handlers
sig_atomic_t taken_count = 0;              // written only by the loop
int wakeup_pipe[2] = {-1, -1};

void record_signal(int signo, siginfo_t* info, void*) {
  int saved_errno = errno;
  sig_atomic_t index = recorded_count;
  Slot& slot = slots[static_cast<size_t>(index) % kInboxCapacity];
  slot.signo = signo;
  slot.sender = info != nullptr ? info->si_pid : 0;
  recorded_count = index + 1;
  if (wakeup_pipe[1] >= 0) {
    char byte = 1;
    [[maybe_unused]] ssize_t ignored = ::write(wakeup_pipe[1], &byte, 1);
  }
  errno = saved_errno;
}

}  // namespace

const std::vector<int>& handled_signals() {
  static const std::vector<int> kSignals = {SIGHUP,  SIGUSR1, SIGWINCH, SIGTERM, SIGQUIT,
                                            SIGUSR2, SIGALRM, SIGINT,   SIGIO,   SIGCHLD};
  return kSignals;
}

std::string_view signal_name(int signo) {
  switch (signo) {
    case SIGHUP: return "SIGHUP";
    case SIGUSR1: return "SIGUSR1";
    case SIGWINCH: return "SIGWINCH";
    case SIGTERM: return "SIGTERM";
    case SIGQUIT: return "SIGQUIT";
    case SIGUSR2: return "SIGUSR2";
    case SIGALRM: return "SIGALRM";
    case SIGINT: return "SIGINT";
    case SIGIO: return "SIGIO";
    case SIGCHLD: return "SIGCHLD";
    default: return "";
  }
}

sigset_t handled_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int signo : handled_signals()) sigaddset(&set, signo);
  return set;
}

void install_signal_handlers() {
  if (wakeup_pipe[0] < 0 && ::pipe2(wakeup_pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
    wakeup_pipe[0] = wakeup_pipe[1] = -1;
  }
  struct sigaction action {};
  action.sa_sigaction = record_signal;
  action.sa_flags = SA_SIGINFO;
  action.sa_mask = handled_signal_set();
  for (int signo : handled_signals()) ::sigaction(signo, &action, nullptr);

  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, nullptr);
  ::sigaction(SIGSYS, &ignore, nullptr);
}

int signal_wakeup_fd() { return wakeup_pipe[0]; }

void drain_signal_wakeups() {
  char buffer[64];
  while (wakeup_pipe[0] >= 0 && ::read(wakeup_pipe[0], buffer, sizeof(buffer)) > 0) {
  }
}

std::vector<ReceivedSignal> take_received_signals() {
  sigset_t block = handled_signal_set();
  sigset_t previous;
  ::pthread_sigmask(SIG_BLOCK, &block, &previous);
  std::vector<ReceivedSignal> taken;
  sig_atomic_t recorded = recorded_count;
  if (recorded - taken_count > static_cast<sig_atomic_t>(kInboxCapacity)) {
    taken_count = recorded - static_cast<sig_atomic_t>(kInboxCapacity);
  }
  for (; taken_count < recorded; ++taken_count) {
    const Slot& slot = slots[static_cast<size_t>(taken_count) % kInboxCapacity];
    taken.push_back({slot.signo, static_cast<pid_t>(slot.sender)});
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return taken;
}

}  // namespace hotdeploy::fakes
