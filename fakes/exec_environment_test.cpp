#include "exec_environment.h"

#include <gtest/gtest.h>

namespace hotdeploy::fakes {
namespace {

TEST(ExecEnvironment, PassesOnlyNamedVariablesTzNginxAndSpare) {
  const std::vector<std::string> startup = {"PATH=/bin", "TZ=UTC", "KEEP=1", "HOME=/root", "NGINX=3;"};
  std::vector<std::string> env = new_binary_environment({{"KEEP", std::nullopt}, {"SET", "v"}}, startup, "6;7;");
  ASSERT_EQ(env.size(), 5u);
  EXPECT_EQ(env[0], "KEEP=1");
  EXPECT_EQ(env[1], "SET=v");
  EXPECT_EQ(env[2], "TZ=UTC");
  EXPECT_EQ(env[3], "NGINX=6;7;");
  EXPECT_EQ(env[4], "SPARE=" + std::string(300, 'X'));
}

TEST(ExecEnvironment, MissingVariablesAreLeftOut) {
  std::vector<std::string> env = new_binary_environment({{"ABSENT", std::nullopt}}, {"PATH=/bin"}, "5;");
  ASSERT_EQ(env.size(), 2u);
  EXPECT_EQ(env[0], "NGINX=5;");
}

TEST(ExecEnvironment, ExplicitTzReplacesTheImplicitOne) {
  std::vector<std::string> env = new_binary_environment({{"TZ", "Europe/Paris"}}, {"TZ=UTC"}, "");
  EXPECT_EQ(env.at(0), "TZ=Europe/Paris");
  EXPECT_EQ(env.at(1), "NGINX=");
}

}  // namespace
}  // namespace hotdeploy::fakes
