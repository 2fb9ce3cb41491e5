#include "listen_address.h"

#include <gtest/gtest.h>

namespace hotdeploy::fakes {
namespace {

std::string text_of(std::string_view listen) {
  ListenAddressParse parsed = parse_listen_address(listen);
  return parsed.address ? parsed.address->text() : "error: " + parsed.error;
}

TEST(ListenAddress, FormsNginxAccepts) {
  EXPECT_EQ(text_of("127.0.0.1:8080"), "127.0.0.1:8080");
  EXPECT_EQ(text_of("8080"), "0.0.0.0:8080");
  EXPECT_EQ(text_of("*:8080"), "0.0.0.0:8080");
  EXPECT_EQ(text_of("[::1]:8081"), "[::1]:8081");
  EXPECT_EQ(text_of("localhost:9000"), "127.0.0.1:9000");
  EXPECT_EQ(text_of("127.0.0.2"), "127.0.0.2:80");
}

TEST(ListenAddress, Errors) {
  EXPECT_EQ(text_of("127.0.0.1:0"), "error: invalid port");
  EXPECT_EQ(text_of("127.0.0.1:http"), "error: invalid port");
  EXPECT_EQ(text_of("[::1"), "error: invalid host");
}

TEST(ListenAddress, EqualityIsFamilyAddressAndPort) {
  EXPECT_EQ(*parse_listen_address("127.0.0.1:80").address, *parse_listen_address("127.0.0.1").address);
  EXPECT_FALSE(*parse_listen_address("127.0.0.1:80").address == *parse_listen_address("127.0.0.1:81").address);
  EXPECT_FALSE(*parse_listen_address("127.0.0.1:80").address == *parse_listen_address("[::1]:80").address);
}

TEST(ListenAddress, UnixDomainPathIsTakenAsWritten) {
  EXPECT_EQ(text_of("unix:/tmp/a b/nginx.sock"), "unix:/tmp/a b/nginx.sock");
  EXPECT_EQ(text_of("unix:relative.sock"), "unix:relative.sock");
  EXPECT_EQ(parse_listen_address("unix:/tmp/x.sock").address->unix_path(), "/tmp/x.sock");
  EXPECT_EQ(parse_listen_address("127.0.0.1:80").address->unix_path(), "");
}

TEST(ListenAddress, UnixDomainErrorsUseNginxWording) {
  EXPECT_EQ(text_of("unix:"), "error: no path in the unix domain socket");
  EXPECT_EQ(text_of("unix:/" + std::string(200, 'a')), "error: too long path in the unix domain socket");
}

TEST(ListenAddress, UnixDomainEqualityIsThePath) {
  const ListenAddress a = *parse_listen_address("unix:/tmp/a.sock").address;
  EXPECT_EQ(a, *parse_listen_address("unix:/tmp/a.sock").address);
  EXPECT_FALSE(a == *parse_listen_address("unix:/tmp/b.sock").address);
  EXPECT_FALSE(a == *parse_listen_address("127.0.0.1:80").address);
  // As getsockname() reports a bound socket: a shorter length than the whole sockaddr_un.
  const ListenAddress reported = ListenAddress::from_sockaddr(a.address(), a.length);
  EXPECT_EQ(reported, a);
  EXPECT_EQ(reported.text(), "unix:/tmp/a.sock");
}

}  // namespace
}  // namespace hotdeploy::fakes
