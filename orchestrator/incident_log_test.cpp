#include "orchestrator/incident_log.h"

#include <gtest/gtest.h>

#include <string>

namespace hotdeploy::orchestrator {
namespace {

LogFact only_fact(const std::string& line) {
  const auto log = read_incident_log(line + "\n");
  EXPECT_EQ(log.facts.size(), 1U) << line;
  return log.facts.empty() ? LogFact{} : log.facts.front();
}

TEST(IncidentLog, ReadsASignalWithItsSenderAndNginxsAction) {
  const auto fact =
      only_fact("2026/12/02 07:17:37 [notice] 3949#3949: signal 12 (SIGUSR2) received from 3830, changing binary");
  EXPECT_EQ(fact.kind, LogFactKind::signal_received);
  EXPECT_EQ(fact.pid, 3949);
  EXPECT_EQ(fact.other_pid, 3830);
  EXPECT_EQ(fact.signal_number, 12);
  EXPECT_EQ(fact.signal_name, "USR2");
  EXPECT_EQ(fact.action, "changing binary");
  EXPECT_EQ(fact.line, 1);
  EXPECT_EQ(fact.level, harness::LogLevel::notice);
}

TEST(IncidentLog, ReadsASignalWithoutSenderOrAction) {
  // WINCH to a master that never daemonized: nginx logs no action.
  const auto winch = only_fact("2026/12/02 07:15:14 [notice] 5#5: signal 28 (SIGWINCH) received from 1");
  EXPECT_EQ(winch.signal_name, "WINCH");
  EXPECT_EQ(winch.action, "");
  const auto io = only_fact("2026/12/02 07:15:27 [notice] 12#12: signal 29 (SIGIO) received");
  EXPECT_EQ(io.kind, LogFactKind::signal_received);
  EXPECT_EQ(io.signal_name, "IO");
  EXPECT_EQ(io.other_pid, 0);
}

TEST(IncidentLog, ReadsChildExitsWithCodeOrSignal) {
  const auto worker = only_fact("2026/12/02 07:17:39 [notice] 3949#3949: worker process 3951 exited with code 0");
  EXPECT_EQ(worker.kind, LogFactKind::child_exited);
  EXPECT_EQ(worker.child_kind, "worker process");
  EXPECT_EQ(worker.other_pid, 3951);
  EXPECT_EQ(worker.exit_code, 0);
  EXPECT_EQ(worker.signal_number, 0);
  const auto crashed =
      only_fact("2026/12/02 07:17:39 [alert] 7#7: new binary process 12 exited on signal 6 (core dumped)");
  EXPECT_EQ(crashed.child_kind, "new binary process");
  EXPECT_EQ(crashed.other_pid, 12);
  EXPECT_EQ(crashed.signal_number, 6);
  EXPECT_EQ(crashed.exit_code, -1);
  EXPECT_EQ(crashed.level, harness::LogLevel::alert);
}

TEST(IncidentLog, ReadsStartsAndTheMasterLifecycle) {
  EXPECT_EQ(only_fact("2026/12/02 07:17:37 [notice] 3949#3949: start new binary process 3977").other_pid, 3977);
  EXPECT_EQ(only_fact("2026/12/02 07:17:37 [notice] 3949#3949: start new binary process 3977").kind,
            LogFactKind::start_new_binary);
  EXPECT_EQ(only_fact("2026/12/02 07:17:37 [notice] 3977#3977: start worker process 3979").kind,
            LogFactKind::start_worker);
  EXPECT_EQ(only_fact("2026/12/02 07:17:37 [notice] 3977#3977: start worker processes").kind,
            LogFactKind::start_worker_processes);
  EXPECT_EQ(only_fact("2026/12/02 07:17:37 [notice] 3977#3977: using inherited sockets from \"4;\"").kind,
            LogFactKind::using_inherited_sockets);
  EXPECT_EQ(only_fact("2026/12/02 07:17:37 [notice] 3949#3949: changing binary").kind, LogFactKind::changing_binary);
  EXPECT_EQ(only_fact("2026/12/02 07:17:41 [crit] 3977#3977: the changing binary signal is ignored: you should "
                      "shutdown or terminate before either old or new binary's process")
                .kind,
            LogFactKind::binary_change_ignored);
  EXPECT_EQ(only_fact("2026/12/02 07:14:59 [notice] 7#7: reconfiguring").kind, LogFactKind::reconfiguring);
  EXPECT_EQ(only_fact("2026/12/02 07:14:59 [notice] 7#7: exit").kind, LogFactKind::exit);
  EXPECT_EQ(only_fact("2026/12/02 07:14:53 [alert] 11#11: execve() failed while executing new binary process "
                      "\"/p/sbin/nginx\" (2: No such file or directory)")
                .kind,
            LogFactKind::execve_failed);
  EXPECT_EQ(only_fact("2026/12/02 07:17:36 [notice] 3945#3945: using the \"epoll\" event method").kind,
            LogFactKind::startup);
  EXPECT_EQ(
      only_fact("2026/12/02 07:14:59 [emerg] 7#7: \"worker_processes\" directive is duplicate in /p/nginx.conf:3").kind,
      LogFactKind::fatal);
}

TEST(IncidentLog, CountsWhatItLeavesOut) {
  const auto log = read_incident_log(
      "2026/12/02 07:14:47 [info] 15#15: *60 client 127.0.0.1 closed keepalive connection\n"
      "2026/12/02 07:14:47 [error] 15#15: *61 open() \"/srv/x\" failed (2: No such file or directory)\n"
      "\n"
      "2026/12/02 07:14:47 [notice] 7#7: exit\n"
      "a line of something else\r\n"
      "2026/12/02 07:14:47 [debug] 7#7: sigsuspend\n");
  EXPECT_EQ(log.lines, 5);
  EXPECT_EQ(log.lines_in_format, 4);
  EXPECT_EQ(log.lines_below_notice, 2);
  EXPECT_EQ(log.lines_of_other_modules, 1);
  EXPECT_EQ(log.first_unformatted_line, 5);
  ASSERT_EQ(log.facts.size(), 1U);
  EXPECT_EQ(log.facts[0].line, 4);  // blank lines count in the numbering
  EXPECT_FALSE(log.binary);
  EXPECT_TRUE(read_incident_log(std::string("ELF\0\x01", 5)).binary);
}

TEST(IncidentLog, TimesAreSecondsWithDifferencesThatMeanSomething) {
  EXPECT_EQ(log_time_seconds("1970/01/01 00:00:00"), 0);
  EXPECT_EQ(log_time_seconds("2026/12/02 07:17:42") - log_time_seconds("2026/12/02 07:17:36"), 6);
  EXPECT_EQ(log_time_seconds("2027/01/01 00:00:01") - log_time_seconds("2026/12/31 23:59:59"), 2);
  EXPECT_EQ(log_time_seconds("2024/03/01 00:00:00") - log_time_seconds("2024/02/28 00:00:00"), 2 * 86400);
  EXPECT_EQ(log_time_seconds("2026/13/02 07:17:42"), -1);
  EXPECT_EQ(log_time_seconds("2026/12/02 07:17"), -1);
  EXPECT_EQ(only_fact("2026/12/02 07:17:42 [notice] 7#7: exit").time_s, log_time_seconds("2026/12/02 07:17:42"));
}

}  // namespace
}  // namespace hotdeploy::orchestrator
