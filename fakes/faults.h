// Faults: the ways a fake-nginx executable can be broken on purpose, one small type each.
//
// A fault belongs to the executable (see binary_identity.h), so it survives an exec by
// fake-nginx or by real nginx. Text form, one fault per item: a bare name, or name=value
// with the unit in the value (`slow_start=500ms`, `ignore_signal=SIGWINCH`).
//
//   crash_on_start             the process aborts (SIGABRT) after loading its config, before
//                              binding or writing a pid file
//   fail_config                loading the config fails with an emerg line (also with -t)
//   slow_start=<time>          sleeps that long after loading the config, before binding
//   ignore_inherited           closes the inherited sockets and binds anew (so it meets
//                              EADDRINUSE while the old master holds them)
//   worker_crash_on_request=N  a worker aborts on its Nth request, without answering it
//   hang_on_quit               a worker told to quit stops accepting but never exits
//   abort_on_quit              a worker told to quit resets its connections and exits at once
//   shutdown_listener          a worker told to quit calls shutdown() on the shared listening
//                              sockets first: every process sharing them stops accepting
//   ignore_signal=SIG          the master ignores SIG (e.g. SIGUSR2, WINCH, 12)
//   bad_status=CODE            every response has status CODE
//   die_after=<time>           the master is SIGKILLed that long after it starts
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hotdeploy::fakes {

struct CrashOnStart {};
struct FailConfig {};
struct SlowStart {
  std::chrono::milliseconds delay;
};
struct IgnoreInherited {};
struct WorkerCrashOnRequest {
  long request_number;
};
struct HangOnQuit {};
struct AbortOnQuit {};
struct ShutdownListener {};
struct IgnoreSignal {
  int signo;
};
struct BadStatus {
  int status_code;
};
struct DieAfter {
  std::chrono::milliseconds delay;
};

using Fault = std::variant<CrashOnStart, FailConfig, SlowStart, IgnoreInherited, WorkerCrashOnRequest, HangOnQuit,
                           AbortOnQuit, ShutdownListener, IgnoreSignal, BadStatus, DieAfter>;

struct FaultParse {
  std::optional<Fault> fault;
  std::string error;
};

[[nodiscard]] FaultParse parse_fault(std::string_view text);
[[nodiscard]] std::string format_fault(const Fault &fault);
// A signal by name (`SIGUSR2`, `USR2`) or number.
[[nodiscard]] std::optional<int> parse_signal(std::string_view text);

class Faults {
public:
  Faults() = default;
  explicit Faults(std::vector<Fault> faults) : faults_(std::move(faults)) {}

  template <class T>
  [[nodiscard]] const T *find() const {
    for (const Fault &fault : faults_) {
      if (const T *found = std::get_if<T>(&fault)) return found;
    }
    return nullptr;
  }
  template <class T>
  [[nodiscard]] bool has() const {
    return find<T>() != nullptr;
  }
  [[nodiscard]] const std::vector<Fault> &all() const { return faults_; }
  [[nodiscard]] bool empty() const { return faults_.empty(); }

private:
  std::vector<Fault> faults_;
};

}  // namespace hotdeploy::fakes
