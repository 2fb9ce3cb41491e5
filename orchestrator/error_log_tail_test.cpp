#include "orchestrator/error_log_tail.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace hotdeploy::orchestrator {
namespace {

TEST(ParseErrorLogLine, SplitsNginxFormatIntoLevelAndMessage) {
  const std::string text =
      "2026/11/26 00:10:53 [notice] 1234#1234: signal 12 (SIGUSR2) received from 99, changing binary";
  const auto line = parse_error_log_line(text);
  EXPECT_EQ(line.level, harness::LogLevel::notice);
  EXPECT_EQ(line.pid, 1234);
  EXPECT_EQ(line.message, "signal 12 (SIGUSR2) received from 99, changing binary");
  EXPECT_EQ(text.substr(line.message_at), line.message);
  EXPECT_EQ(line.raw, text);
}

TEST(ParseErrorLogLine, ReadsEveryLevelAndDropsTheConnectionNumber) {
  const auto line = parse_error_log_line(
      "2026/11/26 00:10:53 [error] 77#78: *123 open() \"/x\" failed (2: No such file or directory), client: 127.0.0.1");
  EXPECT_EQ(line.level, harness::LogLevel::error);
  EXPECT_EQ(line.pid, 77);
  EXPECT_EQ(line.message, "open() \"/x\" failed (2: No such file or directory), client: 127.0.0.1");
  EXPECT_EQ(line.raw.substr(line.message_at), line.message);
  for (const auto& [name, level] :
       std::vector<std::pair<std::string, harness::LogLevel>>{{"debug", harness::LogLevel::debug},
                                                              {"info", harness::LogLevel::info},
                                                              {"warn", harness::LogLevel::warn},
                                                              {"crit", harness::LogLevel::crit},
                                                              {"alert", harness::LogLevel::alert},
                                                              {"emerg", harness::LogLevel::emerg}}) {
    EXPECT_EQ(parse_error_log_line("2026/01/02 03:04:05 [" + name + "] 1#1: m").level, level) << name;
  }
  // "*" not followed by a number and a space is part of the message.
  EXPECT_EQ(parse_error_log_line("2026/01/02 03:04:05 [warn] 1#1: *not a connection").message, "*not a connection");
  EXPECT_EQ(parse_error_log_line("2026/01/02 03:04:05 [warn] 1#1: ").message, "");
}

TEST(ParseErrorLogLine, MalformedLinesHaveNoLevelAndAreTheirOwnMessage) {
  for (const std::string text : {
           "nginx: [emerg] unexpected \"}\"",                // nginx's stderr format
           "",                                               //
           "2026/11/26 00:10:53 [notice",                    // cut in the level
           "2026/11/26 00:10:53 [loud] 1#1: unknown level",  //
           "2026/11/26 00:10:53 [] 1#1: empty level",        //
           "2026/11/26 00:10:53 [notice] 1234: no thread",   //
           "2026/11/26 00:10:53 [notice] x#1: no pid",       //
           "2026/11/26 00:10:53 [notice] 1#1 no colon",      //
           "2026/11/26 00:10:53 [notice]1#1: no space",      //
           "26/11/26 00:10:53 [notice] 1#1: short date",     //
           "2026-11-26 00:10:53 [notice] 1#1: dashes",       //
           "2026/11/26T00:10:53 [notice] 1#1: a T",          //
       }) {
    const auto line = parse_error_log_line(text);
    EXPECT_EQ(line.level, harness::LogLevel::none) << text;
    EXPECT_EQ(line.pid, 0) << text;
    EXPECT_EQ(line.message, text);
    EXPECT_EQ(line.message_at, 0u) << text;
    EXPECT_EQ(line.raw, text);
  }
}

TEST(ParseProcessMention, ReadsStartsAndExits) {
  auto worker = parse_process_mention("start worker process 1240");
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->kind, ProcessMention::Kind::started_worker);
  EXPECT_EQ(worker->pid, 1240);
  auto binary = parse_process_mention("start new binary process 1241");
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->kind, ProcessMention::Kind::started_new_binary);
  auto exited = parse_process_mention("worker process 1240 exited with code 0");
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->kind, ProcessMention::Kind::exited);
  EXPECT_EQ(exited->exit_code, 0);
  auto killed = parse_process_mention("new binary process 1241 exited on signal 9");
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->pid, 1241);
  EXPECT_EQ(killed->exit_code, 137);
}

TEST(ParseProcessMention, IgnoresOtherMessagesAndBrokenNumbers) {
  EXPECT_FALSE(parse_process_mention("start worker processes"));
  EXPECT_FALSE(parse_process_mention("worker process x exited with code 0"));
  EXPECT_FALSE(parse_process_mention("worker process 12 exited with code"));
  EXPECT_FALSE(parse_process_mention("gracefully shutting down"));
}

TEST(ErrorLogTail, ReturnsOnlyCompleteNewLines) {
  char path_template[] = "/tmp/hotdeploy-tail-XXXXXX";
  const int fd = ::mkstemp(path_template);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ErrorLogTail tail(path_template);
  EXPECT_TRUE(tail.read_new_lines().empty());
  {
    std::ofstream out(path_template, std::ios::app);
    out << "first\nsecond\nthi";
  }
  EXPECT_EQ(tail.read_new_lines(), (std::vector<std::string>{"first", "second"}));
  {
    std::ofstream out(path_template, std::ios::app);
    out << "rd\n";
  }
  EXPECT_EQ(tail.read_new_lines(), (std::vector<std::string>{"third"}));
  EXPECT_TRUE(tail.read_new_lines().empty());
  ::unlink(path_template);
}

TEST(ErrorLogTail, BoundsALineThatNeverEnds) {
  char path_template[] = "/tmp/hotdeploy-tail-XXXXXX";
  const int fd = ::mkstemp(path_template);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    std::ofstream out(path_template);
    out << std::string(ErrorLogTail::kMaxLineBytes + 10, 'x');
  }
  ErrorLogTail tail(path_template);
  const auto lines = tail.read_new_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].size(), ErrorLogTail::kMaxLineBytes);
  ::unlink(path_template);
}

TEST(ErrorLogTail, MissingFileGivesNoLines) {
  ErrorLogTail tail("/nonexistent/error.log");
  EXPECT_TRUE(tail.read_new_lines().empty());
}

}  // namespace
}  // namespace hotdeploy::orchestrator
