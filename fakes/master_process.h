// The master process cycle (nginx's ngx_master_process_cycle).
//
// Signal handlers only record; one sigsuspend loop acts in nginx's order: reap, exit if
// nothing lives and we are quitting, terminate (TERM re-sent with a doubling delay from
// 50 ms, SIGKILL past 1 s), quit (QUIT to workers, close listeners), reconfigure (HUP:
// reload, or restart workers from the current config while a new binary runs), restart
// (workers after a failed upgrade that had been WINCHed), reopen (USR1), change binary
// (USR2: rename the pid file to `.oldbin`, fork, exec the original argv[0] with
// `NGINX=fd;fd;`), noaccept (WINCH: QUIT the workers, keep the sockets). Each child is a
// small record of named flags. Every received signal is logged as nginx logs it.
// Never returns.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "binary_identity.h"
#include "config.h"
#include "error_log.h"
#include "listeners.h"

namespace hotdeploy::fakes {

struct MasterSettings {
  Config config;
  std::string prefix;
  std::optional<std::string> global_directives;
  std::string default_error_log;  // from -e or logs/error.log; "" is stderr
  std::vector<std::string> argv;  // as started; argv[0] is what USR2 executes
  std::vector<std::string> startup_environment;
  pid_t parent_at_start = 0;  // getppid() at start, or the pre-daemon pid
  bool daemonized = false;    // daemonized, or started with inherited sockets
  BinaryIdentity identity;    // version label and faults of this executable
};

[[noreturn]] void run_master_process(MasterSettings settings, Listeners listeners, ErrorLog& log);

}  // namespace hotdeploy::fakes
