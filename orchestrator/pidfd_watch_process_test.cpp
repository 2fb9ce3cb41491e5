// PidfdWatch on real processes: a forked child that waits to be killed. Label `process`.
#include "orchestrator/pidfd_watch.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hotdeploy::orchestrator {
namespace {

using namespace std::chrono_literals;

class PidfdWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    child_ = ::fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
  }
  pid_t child_ = -1;
};

TEST_F(PidfdWatchTest, ReportsAnExitWhenItHappensBeforeAnyoneReaps) {
  PidfdWatch watch;
  ASSERT_TRUE(watch.available()) << "this kernel has no pidfd_open";
  ASSERT_EQ(watch.add(child_), PidfdWatch::Added::watching);
  EXPECT_EQ(watch.add(child_), PidfdWatch::Added::watching);
  EXPECT_TRUE(watch.wait(0ms).exited.empty());
  ::kill(child_, SIGKILL);
  const auto ready = watch.wait(5000ms);
  EXPECT_EQ(ready.exited, std::vector<pid_t>{child_});
  EXPECT_FALSE(ready.other);
  // Reported once; the process is a zombie until reaped, then gone.
  EXPECT_TRUE(watch.wait(0ms).exited.empty());
  ASSERT_EQ(::waitpid(child_, nullptr, 0), child_);
  EXPECT_EQ(watch.add(child_), PidfdWatch::Added::gone);
  child_ = -1;
}

TEST_F(PidfdWatchTest, ReportsTheOtherDescriptorBesideExits) {
  PidfdWatch watch;
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  watch.add_other(pipe_fds[0]);
  ASSERT_EQ(watch.add(child_), PidfdWatch::Added::watching);
  EXPECT_FALSE(watch.wait(0ms).other);
  ASSERT_EQ(::write(pipe_fds[1], "x", 1), 1);
  const auto ready = watch.wait(5000ms);
  EXPECT_TRUE(ready.other);
  EXPECT_TRUE(ready.exited.empty());
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
