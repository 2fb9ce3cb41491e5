// Process tests of the response-side faults (hostile_response.h): what a client reading the
// raw bytes of a faulty worker's answer gets, and that a fault that never ends stops with the
// connection.
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "process_test_support.h"

namespace hotdeploy::fakes::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kReadDeadline = 10s;

// A client connection that sends one GET and reads the raw answer.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    const std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    sent_ =
        connected_ && ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size());
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  [[nodiscard]] bool ready() const { return sent_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Reads until `limit` bytes arrived or the server closed; fails after kReadDeadline.
  ::testing::AssertionResult read(size_t limit) {
    const auto deadline = std::chrono::steady_clock::now() + kReadDeadline;
    char buffer[16384];
    while (bytes_.size() < limit && !ended_) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd descriptor{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) {
        return ::testing::AssertionFailure() << "timed out after " << kReadDeadline.count() << " s waiting for "
                                             << limit << " bytes or the end; last saw " << bytes_.size() << " bytes";
      }
      const ssize_t n = ::recv(fd_, buffer, std::min(sizeof(buffer), limit - bytes_.size()), 0);
      if (n <= 0) {
        ended_ = true;
        break;
      }
      bytes_.append(buffer, static_cast<size_t>(n));
    }
    return ::testing::AssertionSuccess();
  }

  [[nodiscard]] const std::string& bytes() const { return bytes_; }
  [[nodiscard]] bool ended() const { return ended_; }

 private:
  int fd_;
  bool connected_ = false;
  bool sent_ = false;
  std::string bytes_;
  bool ended_ = false;
};

size_t thread_count(pid_t pid) {
  size_t count = 0;
  if (DIR* tasks = ::opendir(("/proc/" + std::to_string(pid) + "/task").c_str())) {
    while (const dirent* entry = ::readdir(tasks)) count += entry->d_name[0] != '.';
    ::closedir(tasks);
  }
  return count;
}

// The worker's threads back to `threads`: the connection thread of a fault that never ends has gone.
::testing::AssertionResult connection_thread_ends(pid_t worker, size_t threads) {
  return wait_until("worker " + std::to_string(worker) + " back to " + std::to_string(threads) + " threads", 10s,
                    [&](std::string& seen) {
                      const size_t now = thread_count(worker);
                      seen = std::to_string(now) + " threads";
                      return now == threads;
                    });
}

class FakeNginxHostileResponse : public ::testing::Test {
 protected:
  // Starts one worker carrying `fault` and returns its pid.
  pid_t start_worker(const Fault& fault) {
    prefix_.install_binary({"1.0", Faults({fault})});
    const pid_t master = start_daemon(prefix_);
    std::vector<pid_t> workers;
    EXPECT_TRUE(wait_for_workers(master, 1, workers));
    return workers.empty() ? 0 : workers[0];
  }

  ProcessCleanup cleanup_;
  TestPrefix prefix_{{.workers = 1, .daemon = true, .extra_main_directives = {}}};
};

TEST_F(FakeNginxHostileResponse, GarbageResponseIsTheSeededBytesThenAClose) {
  ASSERT_NE(start_worker(GarbageResponse{}), 0);
  RawClient client(prefix_.port());
  ASSERT_TRUE(client.ready());
  ASSERT_TRUE(client.read(1 << 20));
  EXPECT_TRUE(client.ended());
  // The worker's first connection: seed 1.
  std::mt19937_64 random(1);
  std::string expected(64 * 1024, '\0');
  for (char& byte : expected) byte = static_cast<char>(random() & 0xff);
  EXPECT_EQ(client.bytes().size(), expected.size());
  EXPECT_TRUE(client.bytes() == expected) << "the bytes of seed 1";
}

TEST_F(FakeNginxHostileResponse, EndlessHeadersGoOnUntilTheClientCloses) {
  const pid_t worker = start_worker(EndlessHeaders{});
  ASSERT_NE(worker, 0);
  const size_t idle_threads = thread_count(worker);
  RawClient client(prefix_.port());
  ASSERT_TRUE(client.ready());
  ASSERT_TRUE(client.read(1 << 20));
  EXPECT_FALSE(client.ended());
  EXPECT_TRUE(client.bytes().starts_with("HTTP/1.1 200 OK\r\nX-Worker-Pid: " + std::to_string(worker) + "\r\n"));
  EXPECT_EQ(client.bytes().find("\r\n\r\n"), std::string::npos) << "the header never ends";
  client.close();
  EXPECT_TRUE(connection_thread_ends(worker, idle_threads));
}

TEST_F(FakeNginxHostileResponse, SlowDripSendsABytePerSecondUntilTheClientCloses) {
  const pid_t worker = start_worker(SlowDrip{});
  ASSERT_NE(worker, 0);
  const size_t idle_threads = thread_count(worker);
  const auto start = std::chrono::steady_clock::now();
  RawClient client(prefix_.port());
  ASSERT_TRUE(client.ready());
  ASSERT_TRUE(client.read(3));
  // A lower bound only: the bytes can come later on a busy machine, never sooner.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1990ms) << "a second between two bytes";
  EXPECT_EQ(client.bytes(), "HTT");
  client.close();
  EXPECT_TRUE(connection_thread_ends(worker, idle_threads));
}

TEST_F(FakeNginxHostileResponse, HugeChunkPromisesAChunkOfTwoToTheSixtyFourMinusOneBytes) {
  ASSERT_NE(start_worker(HugeChunk{}), 0);
  RawClient client(prefix_.port());
  ASSERT_TRUE(client.ready());
  ASSERT_TRUE(client.read(1 << 20));
  EXPECT_TRUE(client.ended());
  const std::string size_line = "Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n";
  const size_t at = client.bytes().find(size_line);
  ASSERT_NE(at, std::string::npos) << client.bytes().substr(0, 200);
  EXPECT_EQ(client.bytes().size() - at - size_line.size(), 4096u);
}

TEST_F(FakeNginxHostileResponse, EarlyCloseSendsHalfTheBodyItPromised) {
  ASSERT_NE(start_worker(EarlyClose{}), 0);
  RawClient client(prefix_.port());
  ASSERT_TRUE(client.ready());
  ASSERT_TRUE(client.read(1 << 20));
  EXPECT_TRUE(client.ended());
  const size_t head_end = client.bytes().find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_NE(client.bytes().substr(0, head_end).find("Content-Length: 1024"), std::string::npos);
  EXPECT_EQ(client.bytes().size() - head_end - 4, 512u);
}

}  // namespace
}  // namespace hotdeploy::fakes::testing
