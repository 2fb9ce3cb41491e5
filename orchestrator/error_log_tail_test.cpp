#include "orchestrator/error_log_tail.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace hotdeploy::orchestrator {
namespace {

TEST(ParseErrorLogLine, SplitsNginxFormatIntoLevelAndMessage) {
  const auto line = parse_error_log_line(
      "2026/11/26 00:10:53 [notice] 1234#1234: signal 12 (SIGUSR2) received from 99, changing binary");
  EXPECT_EQ(line.level, "notice");
  EXPECT_EQ(line.pid, 1234);
  EXPECT_EQ(line.message, "signal 12 (SIGUSR2) received from 99, changing binary");
}

TEST(ParseErrorLogLine, LeavesOtherTextUnparsed) {
  const auto line = parse_error_log_line("nginx: [emerg] unexpected \"}\"");
  EXPECT_EQ(line.level, "");
  EXPECT_EQ(line.raw, "nginx: [emerg] unexpected \"}\"");
  EXPECT_EQ(parse_error_log_line("").level, "");
  EXPECT_EQ(parse_error_log_line("2026/11/26 00:10:53 [notice").level, "");
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
    out << std::string(ErrorLogTail::max_line_bytes + 10, 'x');
  }
  ErrorLogTail tail(path_template);
  const auto lines = tail.read_new_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].size(), ErrorLogTail::max_line_bytes);
  ::unlink(path_template);
}

TEST(ErrorLogTail, MissingFileGivesNoLines) {
  ErrorLogTail tail("/nonexistent/error.log");
  EXPECT_TRUE(tail.read_new_lines().empty());
}

}  // namespace
}  // namespace hotdeploy::orchestrator
