#include "orchestrator/signal_received.h"

#include <gtest/gtest.h>

namespace hotdeploy::orchestrator {
namespace {

TEST(SignalReceivedTest, ReadsNginxsLineWithItsSender) {
  const auto hup = parse_signal_received("signal 1 (SIGHUP) received from 4321, reconfiguring");
  ASSERT_TRUE(hup);
  EXPECT_EQ(hup->number, 1);
  EXPECT_EQ(hup->name, "HUP");
  EXPECT_EQ(hup->sender, 4321);
  const auto usr2 = parse_signal_received("signal 12 (SIGUSR2) received from 77, changing binary");
  ASSERT_TRUE(usr2);
  EXPECT_EQ(usr2->name, "USR2");
  EXPECT_EQ(usr2->sender, 77);
}

TEST(SignalReceivedTest, ALineWithoutASenderHasNone) {
  const auto quit = parse_signal_received("signal 3 (SIGQUIT) received, shutting down");
  ASSERT_TRUE(quit);
  EXPECT_EQ(quit->name, "QUIT");
  EXPECT_EQ(quit->sender, 0);
}

TEST(SignalReceivedTest, OtherMessagesAreNotSignals) {
  EXPECT_FALSE(parse_signal_received("start worker process 123"));
  EXPECT_FALSE(parse_signal_received("signal 17 (SIGCHLD) received from x"));
  EXPECT_FALSE(parse_signal_received("signal x (SIGHUP) received from 1"));
  EXPECT_FALSE(parse_signal_received("signal 1 (HUP) received from 1"));
  EXPECT_FALSE(parse_signal_received("signal 1 (SIG) received from 1"));
  EXPECT_FALSE(parse_signal_received(""));
}

}  // namespace
}  // namespace hotdeploy::orchestrator
