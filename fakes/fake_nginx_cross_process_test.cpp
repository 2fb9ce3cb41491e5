// Cross-upgrade: Debian's nginx upgraded to fake-nginx through USR2, and back. Skipped
// when /usr/sbin/nginx is not installed.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "process_test_support.h"

namespace hotdeploy::fakes::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* debian_nginx = "/usr/sbin/nginx";

class FakeNginxCrossUpgrade : public ::testing::Test {
 protected:
  ProcessCleanup cleanup_;
};

// Replaces sbin/nginx by a copy of `source`, renamed over it as package managers do.
void install_copy(const TestPrefix& prefix, const std::string& source) {
  const std::string staged = prefix.binary() + ".new";
  std::filesystem::copy_file(source, staged, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(staged, prefix.binary());
}

// One config both binaries accept.
std::string shared_conf(const TestPrefix& prefix) {
  return conf_for_both(prefix.port(), 2, "info", "return 200 \"real nginx\\n\";");
}

::testing::AssertionResult served_by_fake(int port, pid_t master) {
  return wait_until("a response from fake-nginx under master " + std::to_string(master), 5s, [&](std::string& seen) {
    HttpReply reply = http_get(port, "/");
    seen = reply.body + reply.error;
    return reply.body.find(" master " + std::to_string(master) + " ") != std::string::npos;
  });
}

::testing::AssertionResult served_by_real(int port) {
  return wait_until("a response from real nginx", 5s, [&](std::string& seen) {
    HttpReply reply = http_get(port, "/");
    seen = reply.body + reply.error;
    return reply.body == "real nginx\n";
  });
}

TEST_F(FakeNginxCrossUpgrade, DebianNginxToFakeAndBackWithoutRefusedConnections) {
  if (!file_exists(debian_nginx)) GTEST_SKIP() << debian_nginx << " is not installed";
  if (::geteuid() != 0) GTEST_SKIP() << "Debian's nginx master needs root to start its workers as nobody";
  TestPrefix prefix;
  prefix.write_conf(shared_conf(prefix));
  install_copy(prefix, debian_nginx);
  const std::vector<std::string> start = {prefix.binary(), "-p", prefix.dir(), "-c", "conf/nginx.conf"};
  CommandResult started = run_command(start);
  ASSERT_EQ(started.exit_code, 0) << started.stderr_text;
  pid_t real_master = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), std::nullopt, real_master));
  ASSERT_TRUE(served_by_real(prefix.port()));

  NewConnectionLoad load(prefix.port());
  install_copy(prefix, FAKE_NGINX_PATH);
  ASSERT_EQ(::kill(real_master, SIGUSR2), 0);
  pid_t fake_master = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), real_master, fake_master));
  EXPECT_TRUE(served_by_fake(prefix.port(), fake_master));
  EXPECT_TRUE(wait_for_log(
      prefix, std::to_string(fake_master) + "#" + std::to_string(fake_master) + ": using inherited sockets from \""));
  ASSERT_EQ(::kill(real_master, SIGQUIT), 0);
  ASSERT_TRUE(wait_for_exit(real_master));

  install_copy(prefix, debian_nginx);
  ASSERT_EQ(::kill(fake_master, SIGUSR2), 0);
  pid_t real_again = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), fake_master, real_again));
  EXPECT_EQ(read_pid(prefix.old_pid_file()), fake_master);
  EXPECT_TRUE(served_by_real(prefix.port()));
  ASSERT_EQ(::kill(fake_master, SIGWINCH), 0);
  ASSERT_EQ(::kill(fake_master, SIGQUIT), 0);
  EXPECT_TRUE(wait_for_exit(fake_master));
  EXPECT_TRUE(served_by_real(prefix.port()));

  load.stop();
  EXPECT_EQ(load.refused(), 0) << "connections refused across both upgrades";
  EXPECT_GT(load.ok(), 0);
  ASSERT_EQ(::kill(real_again, SIGTERM), 0);
  EXPECT_TRUE(wait_for_exit(real_again));
}

}  // namespace
}  // namespace hotdeploy::fakes::testing
