#include "error_log.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

namespace hotdeploy::fakes {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ErrorLogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fakes_error_log_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/error.log";
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  std::string dir_;
  std::string path_;
};

TEST(ErrorLogFormat, LineBodyIsNginxShape) {
  EXPECT_EQ(format_line_body(LogLevel::notice, 1234, 1234, "start worker processes"),
            "[notice] 1234#1234: start worker processes");
  EXPECT_EQ(format_line_body(LogLevel::emerg, 7, 9, "x"), "[emerg] 7#9: x");
  EXPECT_EQ(errno_suffix(EADDRINUSE), " (98: Address already in use)");
}

TEST(ErrorLogFormat, LevelNamesRoundTrip) {
  for (std::string_view name : {"debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"}) {
    auto level = parse_level(name);
    ASSERT_TRUE(level) << name;
    EXPECT_EQ(level_name(*level), name);
  }
  EXPECT_FALSE(parse_level("err"));
  EXPECT_LT(LogLevel::emerg, LogLevel::warn);
}

TEST_F(ErrorLogFile, WritesWholeNginxLinesAndFiltersByLevel) {
  {
    ErrorLog log;
    ASSERT_EQ(log.open(path_), 0);
    log.set_threshold(LogLevel::notice);
    log.log(LogLevel::notice, "start worker processes");
    log.log(LogLevel::info, "filtered out");
    log.log_errno(LogLevel::emerg, EADDRINUSE, "bind() to 127.0.0.1:8080 failed");
  }
  const std::string text = read_file(path_);
  const std::string pid = std::to_string(::getpid());
  const std::regex expected("\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} \\[notice\\] " + pid + "#" + pid +
                            ": start worker processes\n"
                            "\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} \\[emerg\\] " +
                            pid + "#" + pid +
                            ": bind\\(\\) to 127.0.0.1:8080 failed \\(98: Address already in use\\)\n");
  EXPECT_TRUE(std::regex_match(text, expected)) << text;
}

TEST_F(ErrorLogFile, AppendsToExistingFile) {
  {
    std::ofstream existing(path_);
    existing << "earlier line\n";
  }
  ErrorLog log;
  ASSERT_EQ(log.open(path_), 0);
  log.log(LogLevel::error, "later");
  const std::string text = read_file(path_);
  EXPECT_EQ(text.rfind("earlier line\n", 0), 0u) << text;
  EXPECT_NE(text.find("[error]"), std::string::npos) << text;
}

TEST_F(ErrorLogFile, OpenFailureKeepsDestinationAndReportsErrno) {
  ErrorLog log;
  EXPECT_EQ(log.open(dir_ + "/missing/dir/error.log"), ENOENT);
  EXPECT_EQ(log.fd(), 2);
}

}  // namespace
}  // namespace hotdeploy::fakes
