// Real nginx (Debian's /usr/sbin/nginx) in front of two upstream servers, started by the test with
// a small config of its own in a temporary directory on free loopback ports: nginx's upstream
// keep-alive pool reuses the server's connections, bodies arrive whole, every request is recorded
// with its X-Hotdeploy-Request id, and a request held upstream while nginx reloads (HUP) is still
// answered by the old worker.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/upstream/http_test_client.h"
#include "harness/upstream/upstream_server.h"

namespace hotdeploy::harness {
namespace {

using namespace std::chrono_literals;
using testing::Client;
using testing::kWait;
using testing::Response;
using testing::wait_for;
namespace fs = std::filesystem;

constexpr const char* kNginx = "/usr/sbin/nginx";

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0;
  ::close(fd);
  return ok ? ntohs(a.sin_port) : 0;
}

// nginx -g "daemon off;" as the test's child, in a process group of its own so that its workers
// end with it; ended by pid (TERM, then KILL to the group) when the test ends, however it ends.
class NginxProcess {
 public:
  NginxProcess(const fs::path& prefix) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::execl(kNginx, kNginx, "-p", (prefix.string() + "/").c_str(), "-c", "conf/nginx.conf", "-g", "daemon off;",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid_ > 0) ::setpgid(pid_, pid_);
  }
  ~NginxProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + kWait;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(5ms);
    }
    ::kill(-pid_, SIGKILL);  // whatever of its group is left (its workers share the group)
    (void)::waitpid(pid_, &status, WNOHANG);
  }
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hotdeploy-upstream-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Waits until nginx answers GET /health (served by nginx itself) on port.
::testing::AssertionResult wait_serving(std::uint16_t port) {
  const auto until = std::chrono::steady_clock::now() + kWait;
  std::string last = "no connection";
  while (std::chrono::steady_clock::now() < until) {
    Client client(port);
    if (client.connected()) {
      client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      Response r;
      if (client.read_response(r) && r.status == 200) return ::testing::AssertionSuccess();
      last = "status " + std::to_string(r.status);
    }
    std::this_thread::sleep_for(20ms);
  }
  return ::testing::AssertionFailure() << "nginx did not serve within " << kWait.count() << " s; last: " << last;
}

TEST(UpstreamNginxProcessTest, NginxPoolsConnectionsAndAReloadKeepsARequestInFlightUpstream) {
  if (::access(kNginx, X_OK) != 0) GTEST_SKIP() << kNginx << " is not installed (ci/bootstrap installs nginx-light)";
  if (::geteuid() != 0) GTEST_SKIP() << "Debian's nginx needs root for its default paths";
  RunClock clock;
  UpstreamConfig app_config;
  app_config.name = "app";
  UpstreamServer app(app_config, clock);
  UpstreamConfig slow_config;
  slow_config.name = "slow";
  slow_config.delay_ns = 500'000'000;
  UpstreamServer slow(slow_config, clock);
  app.start();
  slow.start();
  const std::uint16_t port = free_loopback_port();
  ASSERT_NE(port, 0);
  TempDir prefix;
  ASSERT_FALSE(prefix.path().empty());
  fs::create_directories(prefix.path() / "conf");
  fs::create_directories(prefix.path() / "logs");
  {
    std::ofstream conf(prefix.path() / "conf" / "nginx.conf");
    conf << "worker_processes 1;\nerror_log logs/error.log notice;\npid logs/nginx.pid;\n"
         << "events { worker_connections 256; }\nhttp {\n  access_log off;\n"
         << "  upstream app { server 127.0.0.1:" << app.port() << "; keepalive 8; }\n"
         << "  upstream slow { server 127.0.0.1:" << slow.port() << "; keepalive 8; }\n"
         << "  server {\n    listen 127.0.0.1:" << port << ";\n"
         << "    proxy_http_version 1.1;\n    proxy_set_header Connection \"\";\n"
         << "    location = /health { return 200 \"up\\n\"; }\n"
         << "    location /slow { proxy_pass http://slow; }\n"
         << "    location / { proxy_pass http://app; }\n  }\n}\n";
  }
  NginxProcess nginx(prefix.path());
  ASSERT_GT(nginx.pid(), 0);
  ASSERT_TRUE(wait_serving(port));

  Client client(port);
  for (int i = 1; i <= 20; ++i) {
    client.send("GET /item/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\nX-Hotdeploy-Request: " + std::to_string(i) +
                "\r\n\r\n");
    Response r;
    ASSERT_TRUE(client.read_response(r)) << i;
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.headers["x-upstream"], "app");
  }
  for (int i = 21; i <= 25; ++i) {  // chunked from the client; nginx buffers and sends a length
    client.send("POST /orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Hotdeploy-Request: " +
                std::to_string(i) + "\r\n\r\n400\r\n" + std::string(1024, 'b') + "\r\n0\r\n\r\n");
    Response r;
    ASSERT_TRUE(client.read_response(r)) << i;
    ASSERT_EQ(r.status, 200) << i;
  }
  // One request held upstream for 500 ms while nginx reloads: the old worker still answers it.
  Client held(port);
  held.send("GET /slow HTTP/1.1\r\nHost: x\r\nX-Hotdeploy-Request: 100\r\n\r\n");
  ASSERT_TRUE(wait_for([&] { return slow.requests_read(); }, 1, "requests read by the slow upstream"));
  ASSERT_EQ(::kill(nginx.pid(), SIGHUP), 0);
  Response r;
  ASSERT_TRUE(held.read_response(r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["x-upstream"], "slow");

  app.stop();
  slow.stop();
  EXPECT_LT(app.connections_accepted(), 25U);  // nginx's keep-alive pool reused the upstream's connections
  const auto app_events = app.take_events().release();
  ASSERT_EQ(app_events.size(), 25U);
  for (std::size_t i = 0; i < app_events.size(); ++i) {
    const Event& e = app_events[i];
    EXPECT_EQ(e.request_id, i + 1);
    EXPECT_TRUE(e.response_written);
    EXPECT_EQ(e.method, i < 20 ? "GET" : "POST");
    EXPECT_EQ(e.bytes, i < 20 ? 0U : 1024U);
  }
  const auto slow_events = slow.take_events().release();
  ASSERT_EQ(slow_events.size(), 1U);
  EXPECT_EQ(slow_events[0].request_id, 100U);
  EXPECT_TRUE(slow_events[0].response_written);
  EXPECT_GE(slow_events[0].responded_ns - slow_events[0].t_ns, slow_config.delay_ns);
}

}  // namespace
}  // namespace hotdeploy::harness
