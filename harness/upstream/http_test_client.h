// Test-only: a blocking loopback HTTP/1.1 client that reads Content-Length framed responses, and
// a bounded wait on a counter, for the upstream server's tests. Every read waits at most kWait
// and fails the test past it, saying what it got.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <thread>

namespace hotdeploy::harness::testing {

using namespace std::chrono_literals;

inline constexpr auto kWait = 10s;  // generous: a busy machine may be slow, never this slow

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// A blocking loopback client: every read waits at most kWait and fails the test past it.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send(std::string_view text) const {
    while (!text.empty()) {
      const ssize_t n = ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
      ASSERT_GT(n, 0) << "send failed";
      text.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // One response (Content-Length framed, as the server sends them).
  ::testing::AssertionResult read_response(Response& response) {
    std::size_t head_end = 0;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return ::testing::AssertionFailure() << "no whole response head; got \"" << buffer_ << "\"";
    }
    const std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    response = {};
    response.status = std::stoi(head.substr(9, 3));
    std::size_t at = head.find("\r\n");
    while (at != std::string::npos) {
      const std::size_t next = head.find("\r\n", at + 2);
      const std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
      const std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[name] = line.substr(colon + 2);
      at = next;
    }
    const std::size_t length = std::stoul(response.headers["content-length"]);
    while (buffer_.size() < length) {
      if (!fill()) return ::testing::AssertionFailure() << "body cut short at " << buffer_.size() << " bytes";
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return ::testing::AssertionSuccess();
  }
  // Waits for the server to close the connection (EOF), at most kWait.
  ::testing::AssertionResult wait_closed_by_server() {
    while (true) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kWait).count())) <= 0) {
        return ::testing::AssertionFailure() << "the server did not close within " << kWait.count() << " s";
      }
      char c[256];
      const ssize_t n = ::recv(fd_, c, sizeof c, 0);
      if (n <= 0) return ::testing::AssertionSuccess();
      buffer_.append(c, static_cast<std::size_t>(n));
    }
  }
  [[nodiscard]] const std::string& unread() const { return buffer_; }

 private:
  bool fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kWait).count())) <= 0) return false;
    char c[4096];
    const ssize_t n = ::recv(fd_, c, sizeof c, 0);
    if (n <= 0) return false;
    buffer_.append(c, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

// Waits until what() reaches at least `want`; says what it last saw.
template <typename F>
::testing::AssertionResult wait_for(F what, std::uint64_t want, std::string_view name) {
  const auto until = std::chrono::steady_clock::now() + kWait;
  std::uint64_t last = what();
  while (last < want) {
    if (std::chrono::steady_clock::now() > until) {
      return ::testing::AssertionFailure() << "timed out after " << kWait.count() << " s waiting for " << name
                                           << " >= " << want << "; last saw " << last;
    }
    std::this_thread::sleep_for(1ms);
    last = what();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace hotdeploy::harness::testing
