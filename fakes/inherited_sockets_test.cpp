#include "inherited_sockets.h"

#include <gtest/gtest.h>

namespace hotdeploy::fakes {
namespace {

TEST(NginxVariable, SemicolonsAndColonsTerminateNumbers) {
  InheritedSocketsVariable parsed = parse_nginx_variable("6;7:8;");
  EXPECT_EQ(parsed.fds, (std::vector<int>{6, 7, 8}));
  EXPECT_TRUE(parsed.emerg_messages.empty());
}

TEST(NginxVariable, EmptyVariableHasNoSockets) {
  InheritedSocketsVariable parsed = parse_nginx_variable("");
  EXPECT_TRUE(parsed.fds.empty());
  EXPECT_TRUE(parsed.emerg_messages.empty());
}

TEST(NginxVariable, BadTokenStopsAndNamesTheRestAsNginxDoes) {
  InheritedSocketsVariable parsed = parse_nginx_variable("6;x;7;");
  EXPECT_EQ(parsed.fds, std::vector<int>{6});
  ASSERT_EQ(parsed.emerg_messages.size(), 2u);
  EXPECT_EQ(parsed.emerg_messages[0],
            "invalid socket number \"x;7;\" in NGINX environment variable, ignoring the rest of the variable");
  EXPECT_EQ(parsed.emerg_messages[1], "invalid socket number \"x;7;\" in NGINX environment variable, ignoring");
}

TEST(NginxVariable, UnterminatedLastNumberIsIgnored) {
  InheritedSocketsVariable parsed = parse_nginx_variable("6;7");
  EXPECT_EQ(parsed.fds, std::vector<int>{6});
  ASSERT_EQ(parsed.emerg_messages.size(), 1u);
  EXPECT_EQ(parsed.emerg_messages[0], "invalid socket number \"7\" in NGINX environment variable, ignoring");
}

TEST(NginxVariable, EmptyTokenIsInvalid) {
  InheritedSocketsVariable parsed = parse_nginx_variable(";6;");
  EXPECT_TRUE(parsed.fds.empty());
  ASSERT_EQ(parsed.emerg_messages.size(), 1u);
  EXPECT_EQ(parsed.emerg_messages[0],
            "invalid socket number \";6;\" in NGINX environment variable, ignoring the rest of the variable");
}

TEST(NginxVariable, FormatsAsTheOldMasterWritesIt) {
  EXPECT_EQ(format_nginx_variable({6, 7}), "6;7;");
  EXPECT_EQ(parse_nginx_variable(format_nginx_variable({3, 10})).fds, (std::vector<int>{3, 10}));
}

}  // namespace
}  // namespace hotdeploy::fakes
