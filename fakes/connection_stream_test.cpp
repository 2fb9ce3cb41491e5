#include "connection_stream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

namespace hotdeploy::fakes {
namespace {

// Sends `input` into one end of a socketpair and reads everything back through a
// ConnectionStream on the other, `chunk` bytes a read (httplib reads header lines one byte
// at a time).
std::string read_through_stream(const std::string& input, size_t chunk) {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  EXPECT_EQ(::write(fds[0], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ::close(fds[0]);
  ConnectionStream stream(fds[1], std::chrono::seconds(30), std::chrono::seconds(30));
  stream.begin_request();
  std::string output;
  char buffer[64];
  for (;;) {
    ssize_t n = stream.read(buffer, std::min(chunk, sizeof(buffer)));
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[1]);
  return output;
}

TEST(ConnectionStream, BareLineFeedsInTheHeaderReadAsCrLf) {
  const std::string input = "HEAD /test.html HTTP/1.1\nHost: localhost\n\n";
  const std::string expected = "HEAD /test.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
  EXPECT_EQ(read_through_stream(input, 1), expected);
  EXPECT_EQ(read_through_stream(input, 64), expected);
}

TEST(ConnectionStream, CrLfAndTheBodyPassUntouched) {
  const std::string input = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\na\nb\n";
  EXPECT_EQ(read_through_stream(input, 1), input);
  EXPECT_EQ(read_through_stream(input, 64), input);
}

TEST(ConnectionStream, BodyAfterAnLfHeaderKeepsItsBareLineFeeds) {
  const std::string input = "POST /echo HTTP/1.1\nContent-Length: 4\n\na\nb\n";
  EXPECT_EQ(read_through_stream(input, 1), "POST /echo HTTP/1.1\r\nContent-Length: 4\r\n\r\na\nb\n");
}

TEST(ConnectionStream, EmptyLinesBeforeTheRequestLineDoNotEndTheHeader) {
  EXPECT_EQ(read_through_stream("\nGET / HTTP/1.1\nHost: x\n\n", 1), "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
}

}  // namespace
}  // namespace hotdeploy::fakes
