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

}  // namespace
}  // namespace hotdeploy::fakes
