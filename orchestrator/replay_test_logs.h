// error.logs of real runs of library scenarios on Debian's nginx 1.22.1 (`hotdeploy run
// scenarios/NAME.yaml --target nginx`), cut where the run's steps ended (what follows is
// hotdeploy's cleanup) and kept at notice level and above, as the round trip cuts them
// (scenarios/replay_round_trip.sh). Test data for the replay's tests.
#pragma once

namespace hotdeploy::orchestrator::testing {

// scenarios/rollback_seed.yaml
inline constexpr const char* kRollbackSeedLog = R"(2026/12/02 07:14:42 [notice] 5#5: using the "epoll" event method
2026/12/02 07:14:42 [notice] 5#5: nginx/1.22.1
2026/12/02 07:14:42 [notice] 5#5: OS: Linux 6.18.44-fc-v1045
2026/12/02 07:14:42 [notice] 5#5: getrlimit(RLIMIT_NOFILE): 20000:20000
2026/12/02 07:14:42 [notice] 7#7: start worker processes
2026/12/02 07:14:42 [notice] 7#7: start worker process 8
2026/12/02 07:14:42 [notice] 7#7: start worker process 9
2026/12/02 07:14:45 [notice] 7#7: signal 12 (SIGUSR2) received from 1, changing binary
2026/12/02 07:14:45 [notice] 7#7: changing binary
2026/12/02 07:14:45 [notice] 7#7: start new binary process 12
2026/12/02 07:14:45 [notice] 12#12: using inherited sockets from "4;"
2026/12/02 07:14:45 [notice] 12#12: using the "epoll" event method
2026/12/02 07:14:45 [notice] 12#12: nginx/1.22.1
2026/12/02 07:14:45 [notice] 12#12: OS: Linux 6.18.44-fc-v1045
2026/12/02 07:14:45 [notice] 12#12: getrlimit(RLIMIT_NOFILE): 20000:20000
2026/12/02 07:14:45 [notice] 12#12: start worker processes
2026/12/02 07:14:45 [notice] 12#12: start worker process 13
2026/12/02 07:14:45 [notice] 12#12: start worker process 14
2026/12/02 07:14:45 [notice] 7#7: signal 28 (SIGWINCH) received from 1, stop accepting connections
2026/12/02 07:14:45 [notice] 9#9: gracefully shutting down
2026/12/02 07:14:45 [notice] 9#9: exiting
2026/12/02 07:14:45 [notice] 9#9: exit
2026/12/02 07:14:45 [notice] 8#8: gracefully shutting down
2026/12/02 07:14:45 [notice] 8#8: exiting
2026/12/02 07:14:45 [notice] 8#8: exit
2026/12/02 07:14:45 [notice] 7#7: signal 17 (SIGCHLD) received from 9
2026/12/02 07:14:45 [notice] 7#7: worker process 8 exited with code 0
2026/12/02 07:14:45 [notice] 7#7: worker process 9 exited with code 0
2026/12/02 07:14:45 [notice] 7#7: signal 1 (SIGHUP) received from 1, reconfiguring
2026/12/02 07:14:45 [notice] 7#7: start worker processes
2026/12/02 07:14:45 [notice] 7#7: start worker process 15
2026/12/02 07:14:45 [notice] 7#7: start worker process 16
2026/12/02 07:14:45 [notice] 12#12: signal 28 (SIGWINCH) received from 1, stop accepting connections
2026/12/02 07:14:45 [notice] 12#12: signal 12 (SIGUSR2) received from 1, ignoring
2026/12/02 07:14:45 [crit] 12#12: the changing binary signal is ignored: you should shutdown or terminate before either old or new binary's process
2026/12/02 07:14:45 [notice] 13#13: gracefully shutting down
2026/12/02 07:14:45 [notice] 13#13: exiting
2026/12/02 07:14:45 [notice] 13#13: exit
2026/12/02 07:14:45 [notice] 14#14: gracefully shutting down
2026/12/02 07:14:45 [notice] 12#12: signal 17 (SIGCHLD) received from 13
2026/12/02 07:14:45 [notice] 12#12: worker process 13 exited with code 0
2026/12/02 07:14:45 [notice] 12#12: signal 29 (SIGIO) received
2026/12/02 07:14:45 [notice] 14#14: exiting
2026/12/02 07:14:45 [notice] 14#14: exit
2026/12/02 07:14:45 [notice] 12#12: signal 17 (SIGCHLD) received from 14
2026/12/02 07:14:45 [notice] 12#12: worker process 14 exited with code 0
2026/12/02 07:14:45 [notice] 12#12: signal 3 (SIGQUIT) received from 1, shutting down
2026/12/02 07:14:45 [notice] 12#12: exit
2026/12/02 07:14:45 [notice] 7#7: signal 17 (SIGCHLD) received from 12
2026/12/02 07:14:45 [notice] 7#7: new binary process 12 exited with code 0
)";

// scenarios/new_binary_missing.yaml
inline constexpr const char* kNewBinaryMissingLog = R"(2026/12/02 07:14:50 [notice] 4#4: using the "epoll" event method
2026/12/02 07:14:50 [notice] 4#4: nginx/1.22.1
2026/12/02 07:14:50 [notice] 4#4: OS: Linux 6.18.44-fc-v1045
2026/12/02 07:14:50 [notice] 4#4: getrlimit(RLIMIT_NOFILE): 20000:20000
2026/12/02 07:14:50 [notice] 6#6: start worker processes
2026/12/02 07:14:50 [notice] 6#6: start worker process 7
2026/12/02 07:14:50 [notice] 6#6: start worker process 8
2026/12/02 07:14:53 [notice] 6#6: signal 12 (SIGUSR2) received from 1, changing binary
2026/12/02 07:14:53 [notice] 6#6: changing binary
2026/12/02 07:14:53 [notice] 6#6: start new binary process 11
2026/12/02 07:14:53 [alert] 11#11: execve() failed while executing new binary process "/runs/new_binary_missing/prefix/sbin/nginx" (2: No such file or directory)
2026/12/02 07:14:53 [notice] 6#6: signal 17 (SIGCHLD) received from 11
2026/12/02 07:14:53 [notice] 6#6: new binary process 11 exited with code 1
)";

// scenarios/hup_broken_config.yaml
inline constexpr const char* kHupBrokenConfigLog = R"(2026/12/02 07:14:56 [notice] 5#5: using the "epoll" event method
2026/12/02 07:14:56 [notice] 5#5: nginx/1.22.1
2026/12/02 07:14:56 [notice] 5#5: OS: Linux 6.18.44-fc-v1045
2026/12/02 07:14:56 [notice] 5#5: getrlimit(RLIMIT_NOFILE): 20000:20000
2026/12/02 07:14:56 [notice] 7#7: start worker processes
2026/12/02 07:14:56 [notice] 7#7: start worker process 8
2026/12/02 07:14:56 [notice] 7#7: start worker process 9
2026/12/02 07:14:59 [notice] 7#7: signal 1 (SIGHUP) received from 1, reconfiguring
2026/12/02 07:14:59 [notice] 7#7: reconfiguring
2026/12/02 07:14:59 [emerg] 7#7: "worker_processes" directive is duplicate in /runs/hup_broken_config/prefix/conf/nginx.conf:3
2026/12/02 07:14:59 [notice] 7#7: signal 1 (SIGHUP) received from 1, reconfiguring
2026/12/02 07:14:59 [notice] 7#7: reconfiguring
2026/12/02 07:14:59 [notice] 7#7: using the "epoll" event method
2026/12/02 07:14:59 [notice] 7#7: start worker processes
2026/12/02 07:14:59 [notice] 7#7: start worker process 12
2026/12/02 07:14:59 [notice] 7#7: start worker process 13
2026/12/02 07:15:00 [notice] 9#9: gracefully shutting down
2026/12/02 07:15:00 [notice] 9#9: exiting
2026/12/02 07:15:00 [notice] 9#9: exit
2026/12/02 07:15:00 [notice] 8#8: gracefully shutting down
2026/12/02 07:15:00 [notice] 8#8: exiting
2026/12/02 07:15:00 [notice] 8#8: exit
2026/12/02 07:15:00 [notice] 7#7: signal 17 (SIGCHLD) received from 8
2026/12/02 07:15:00 [notice] 7#7: worker process 8 exited with code 0
2026/12/02 07:15:00 [notice] 7#7: signal 29 (SIGIO) received
2026/12/02 07:15:00 [notice] 7#7: signal 17 (SIGCHLD) received from 9
2026/12/02 07:15:00 [notice] 7#7: worker process 9 exited with code 0
2026/12/02 07:15:00 [notice] 7#7: signal 29 (SIGIO) received
)";

// scenarios/winch_daemon_off.yaml
inline constexpr const char* kWinchDaemonOffLog = R"(2026/12/02 07:15:11 [notice] 5#5: using the "epoll" event method
2026/12/02 07:15:11 [notice] 5#5: nginx/1.22.1
2026/12/02 07:15:11 [notice] 5#5: OS: Linux 6.18.44-fc-v1045
2026/12/02 07:15:11 [notice] 5#5: getrlimit(RLIMIT_NOFILE): 20000:20000
2026/12/02 07:15:11 [notice] 5#5: start worker processes
2026/12/02 07:15:11 [notice] 5#5: start worker process 7
2026/12/02 07:15:11 [notice] 5#5: start worker process 8
2026/12/02 07:15:14 [notice] 5#5: signal 28 (SIGWINCH) received from 1
)";

// scenarios/rollback_term.yaml
inline constexpr const char* kRollbackTermLog = R"(2026/12/02 07:15:24 [notice] 5#5: using the "epoll" event method
2026/12/02 07:15:24 [notice] 5#5: nginx/1.22.1
2026/12/02 07:15:24 [notice] 5#5: OS: Linux 6.18.44-fc-v1045
2026/12/02 07:15:24 [notice] 5#5: getrlimit(RLIMIT_NOFILE): 20000:20000
2026/12/02 07:15:24 [notice] 7#7: start worker processes
2026/12/02 07:15:24 [notice] 7#7: start worker process 8
2026/12/02 07:15:24 [notice] 7#7: start worker process 9
2026/12/02 07:15:27 [notice] 7#7: signal 12 (SIGUSR2) received from 1, changing binary
2026/12/02 07:15:27 [notice] 7#7: changing binary
2026/12/02 07:15:27 [notice] 7#7: start new binary process 12
2026/12/02 07:15:27 [notice] 12#12: using inherited sockets from "4;"
2026/12/02 07:15:27 [notice] 12#12: using the "epoll" event method
2026/12/02 07:15:27 [notice] 12#12: nginx/1.22.1
2026/12/02 07:15:27 [notice] 12#12: OS: Linux 6.18.44-fc-v1045
2026/12/02 07:15:27 [notice] 12#12: getrlimit(RLIMIT_NOFILE): 20000:20000
2026/12/02 07:15:27 [notice] 12#12: start worker processes
2026/12/02 07:15:27 [notice] 12#12: start worker process 13
2026/12/02 07:15:27 [notice] 12#12: start worker process 14
2026/12/02 07:15:27 [notice] 7#7: signal 28 (SIGWINCH) received from 1, stop accepting connections
2026/12/02 07:15:27 [notice] 9#9: gracefully shutting down
2026/12/02 07:15:27 [notice] 9#9: exiting
2026/12/02 07:15:27 [notice] 9#9: exit
2026/12/02 07:15:27 [notice] 8#8: gracefully shutting down
2026/12/02 07:15:27 [notice] 8#8: exiting
2026/12/02 07:15:27 [notice] 8#8: exit
2026/12/02 07:15:27 [notice] 7#7: signal 17 (SIGCHLD) received from 9
2026/12/02 07:15:27 [notice] 7#7: worker process 9 exited with code 0
2026/12/02 07:15:27 [notice] 7#7: signal 29 (SIGIO) received
2026/12/02 07:15:27 [notice] 7#7: signal 17 (SIGCHLD) received from 8
2026/12/02 07:15:27 [notice] 7#7: worker process 8 exited with code 0
2026/12/02 07:15:27 [notice] 12#12: signal 15 (SIGTERM) received from 1, exiting
2026/12/02 07:15:27 [notice] 13#13: exiting
2026/12/02 07:15:27 [notice] 14#14: exiting
2026/12/02 07:15:27 [notice] 14#14: exit
2026/12/02 07:15:27 [notice] 13#13: exit
2026/12/02 07:15:27 [notice] 12#12: signal 14 (SIGALRM) received
2026/12/02 07:15:27 [notice] 12#12: signal 17 (SIGCHLD) received from 14
2026/12/02 07:15:27 [notice] 12#12: worker process 14 exited with code 0
2026/12/02 07:15:27 [notice] 12#12: signal 29 (SIGIO) received
2026/12/02 07:15:27 [notice] 12#12: signal 17 (SIGCHLD) received from 13
2026/12/02 07:15:27 [notice] 12#12: worker process 13 exited with code 0
2026/12/02 07:15:27 [notice] 12#12: exit
2026/12/02 07:15:27 [notice] 7#7: signal 17 (SIGCHLD) received from 12
2026/12/02 07:15:27 [notice] 7#7: new binary process 12 exited with code 0
2026/12/02 07:15:27 [notice] 7#7: start worker processes
2026/12/02 07:15:27 [notice] 7#7: start worker process 15
2026/12/02 07:15:27 [notice] 7#7: start worker process 16
)";

// scenarios/usr2_twice.yaml
inline constexpr const char* kUsr2TwiceLog = R"(2026/12/02 07:15:03 [notice] 5#5: using the "epoll" event method
2026/12/02 07:15:03 [notice] 5#5: nginx/1.22.1
2026/12/02 07:15:03 [notice] 5#5: OS: Linux 6.18.44-fc-v1045
2026/12/02 07:15:03 [notice] 5#5: getrlimit(RLIMIT_NOFILE): 20000:20000
2026/12/02 07:15:03 [notice] 7#7: start worker processes
2026/12/02 07:15:03 [notice] 7#7: start worker process 8
2026/12/02 07:15:03 [notice] 7#7: start worker process 9
2026/12/02 07:15:06 [notice] 7#7: signal 12 (SIGUSR2) received from 1, changing binary
2026/12/02 07:15:06 [notice] 7#7: changing binary
2026/12/02 07:15:06 [notice] 7#7: start new binary process 12
2026/12/02 07:15:06 [notice] 12#12: using inherited sockets from "4;"
2026/12/02 07:15:06 [notice] 12#12: using the "epoll" event method
2026/12/02 07:15:06 [notice] 12#12: nginx/1.22.1
2026/12/02 07:15:06 [notice] 12#12: OS: Linux 6.18.44-fc-v1045
2026/12/02 07:15:06 [notice] 12#12: getrlimit(RLIMIT_NOFILE): 20000:20000
2026/12/02 07:15:06 [notice] 12#12: start worker processes
2026/12/02 07:15:06 [notice] 12#12: start worker process 13
2026/12/02 07:15:06 [notice] 12#12: start worker process 14
2026/12/02 07:15:06 [notice] 7#7: signal 12 (SIGUSR2) received from 1, ignoring
2026/12/02 07:15:06 [crit] 7#7: the changing binary signal is ignored: you should shutdown or terminate before either old or new binary's process
2026/12/02 07:15:06 [notice] 7#7: signal 28 (SIGWINCH) received from 1, stop accepting connections
2026/12/02 07:15:06 [notice] 9#9: gracefully shutting down
2026/12/02 07:15:06 [notice] 9#9: exiting
2026/12/02 07:15:06 [notice] 8#8: gracefully shutting down
2026/12/02 07:15:06 [notice] 8#8: exiting
2026/12/02 07:15:06 [notice] 9#9: exit
2026/12/02 07:15:06 [notice] 8#8: exit
2026/12/02 07:15:06 [notice] 7#7: signal 17 (SIGCHLD) received from 9
2026/12/02 07:15:06 [notice] 7#7: worker process 9 exited with code 0
2026/12/02 07:15:06 [notice] 7#7: worker process 8 exited with code 0
2026/12/02 07:15:06 [notice] 7#7: signal 17 (SIGCHLD) received from 8
2026/12/02 07:15:06 [notice] 7#7: signal 3 (SIGQUIT) received from 1, shutting down
2026/12/02 07:15:06 [notice] 7#7: exit
)";

}  // namespace hotdeploy::orchestrator::testing
