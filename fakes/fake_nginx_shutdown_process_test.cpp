// Process tests for what nginx's own binary_upgrade.t, worker_shutdown_timeout.t and
// http_keepalive_shutdown.t check: unix-domain listeners across an upgrade, keep-alive
// connections when a worker shuts down, limit_req delaying a request past the quit.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "process_test_support.h"

namespace hotdeploy::fakes::testing {
namespace {

using namespace std::chrono_literals;

class FakeNginxShutdown : public ::testing::Test {
 protected:
  ProcessCleanup cleanup_;
};

int connect_to(const sockaddr* address, socklen_t length) {
  int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, address, length) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

int connect_unix(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  return connect_to(reinterpret_cast<const sockaddr*>(&address), sizeof(address));
}

int connect_tcp(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return connect_to(reinterpret_cast<const sockaddr*>(&address), sizeof(address));
}

bool send_all(int fd, const std::string& text) {
  return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

// Reads until the peer closes (or `timeout` without a byte passes); returns what came.
std::string read_until_closed(int fd, std::chrono::milliseconds timeout, bool& closed) {
  std::string text;
  closed = false;
  char buffer[4096];
  for (;;) {
    pollfd descriptor{fd, POLLIN, 0};
    if (::poll(&descriptor, 1, static_cast<int>(timeout.count())) <= 0) return text;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      closed = true;
      return text;
    }
    text.append(buffer, static_cast<size_t>(n));
  }
}

// One `GET /` with Connection: close over the unix socket at `path`; the X-Worker-Pid it names.
std::string worker_answering_on(const std::string& path) {
  int fd = connect_unix(path);
  if (fd < 0) return "connect failed: " + std::string(std::strerror(errno));
  send_all(fd, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  std::string reply = read_until_closed(fd, 10s, closed);
  ::close(fd);
  size_t header = reply.find("X-Worker-Pid: ");
  if (!reply.starts_with("HTTP/1.1 200") || header == std::string::npos) return "bad reply: " + reply;
  return reply.substr(header + 14, reply.find("\r\n", header) - header - 14);
}

std::string unix_conf(const std::string& socket_path) {
  return "worker_processes 1;\nerror_log logs/error.log info;\nevents {}\n"
         "http { server { listen unix:" +
         socket_path + "; } }\n";
}

// binary_upgrade.t's steps, with what nginx does to the socket file at each.
TEST_F(FakeNginxShutdown, UnixSocketFileSurvivesTheUpgradeAndGoesWithTheLastMaster) {
  TestPrefix prefix;
  const std::string socket_path = prefix.dir() + "/unix.sock";
  prefix.write_conf(unix_conf(socket_path));
  pid_t first = start_daemon(prefix);
  ASSERT_GT(first, 0);
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(first, 1, workers));
  EXPECT_EQ(worker_answering_on(socket_path), std::to_string(workers[0]));

  ASSERT_EQ(::kill(first, SIGUSR2), 0);
  pid_t second = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), first, second));
  ASSERT_TRUE(wait_for_log(prefix, std::to_string(second) + ": using inherited sockets from"));
  ASSERT_EQ(::kill(first, SIGQUIT), 0);
  ASSERT_TRUE(wait_for_exit(first));
  EXPECT_TRUE(file_exists(socket_path)) << "the old master leaves the file to its new binary";
  ASSERT_TRUE(wait_for_workers(second, 1, workers));
  EXPECT_EQ(worker_answering_on(socket_path), std::to_string(workers[0]));

  // The second master's parent is gone now, so USR2 is taken.
  ProcessCleanup::reap_exited();
  ASSERT_EQ(::kill(second, SIGUSR2), 0);
  pid_t third = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), second, third));
  ASSERT_TRUE(wait_for_log(prefix, std::to_string(third) + ": using inherited sockets from"));
  ASSERT_EQ(::kill(third, SIGTERM), 0);
  ASSERT_TRUE(wait_for_exit(third));
  EXPECT_TRUE(wait_until("nginx.pid back to the second master", 5s, [&](std::string& seen) {
    auto pid = read_pid(prefix.pid_file());
    seen = pid ? std::to_string(*pid) : "no pid file";
    return pid == second && !file_exists(prefix.old_pid_file());
  }));
  EXPECT_TRUE(file_exists(socket_path)) << "a new binary whose old master runs leaves the file";
  ASSERT_TRUE(wait_for_workers(second, 1, workers));
  EXPECT_EQ(worker_answering_on(socket_path), std::to_string(workers[0]));

  ASSERT_EQ(::kill(second, SIGQUIT), 0);
  ASSERT_TRUE(wait_for_exit(second));
  EXPECT_FALSE(file_exists(socket_path)) << "the last master deletes the inherited socket's file";
}

// ngx_init_cycle: a reload that no longer listens on a unix socket deletes its file.
TEST_F(FakeNginxShutdown, ReloadThatDropsAUnixSocketDeletesItsFile) {
  TestPrefix prefix;
  const std::string first_path = prefix.dir() + "/a.sock";
  const std::string second_path = prefix.dir() + "/b.sock";
  prefix.write_conf(unix_conf(first_path));
  pid_t master = start_daemon(prefix);
  ASSERT_GT(master, 0);
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 1, workers));
  EXPECT_EQ(worker_answering_on(first_path), std::to_string(workers[0]));

  prefix.write_conf(unix_conf(second_path));
  ASSERT_EQ(::kill(master, SIGHUP), 0);
  ASSERT_TRUE(wait_for_log(
      prefix, "[warn] " + std::to_string(master) + "#" + std::to_string(master) + ": deleting socket " + first_path));
  EXPECT_FALSE(file_exists(first_path));
  ASSERT_TRUE(wait_until("a worker answering on the new socket", 10s, [&](std::string& seen) {
    seen = worker_answering_on(second_path);
    return seen.find_first_not_of("0123456789") == std::string::npos && seen != std::to_string(workers[0]);
  }));
}

TEST_F(FakeNginxShutdown, StaleSocketFileFailsTheBindAsInNginx) {
  TestPrefix prefix;
  const std::string socket_path = prefix.dir() + "/unix.sock";
  prefix.write_conf(unix_conf(socket_path));
  int holder = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(holder);
  CommandResult started = run_command({prefix.binary(), "-p", prefix.dir()}, 30s);
  EXPECT_EQ(started.exit_code, 1);
  EXPECT_EQ(started.stderr_text.find("nginx: [emerg] bind() to unix:" + socket_path +
                                     " failed (98: Address already in use)\n"),
            0u)
      << started.stderr_text;
  EXPECT_TRUE(file_exists(socket_path)) << "nginx does not remove a file it did not create";
}

// http_keepalive_shutdown.t: two pipelined requests with LF line ends under limit_req; the
// second waits for the limit past the quit and is answered with Connection: close.
TEST_F(FakeNginxShutdown, RequestServedWhileExitingSaysConnectionClose) {
  TestPrefix prefix;
  // 12r/m: the second request of a burst waits 5 s, ample time for the quit to arrive first.
  prefix.write_conf(
      "worker_processes 1;\nerror_log logs/error.log info;\nevents {}\nhttp {\n"
      "  limit_req_zone $binary_remote_addr zone=one:1m rate=12r/m;\n"
      "  server { listen 127.0.0.1:" +
      std::to_string(prefix.port()) + "; location / { limit_req zone=one burst=5; } }\n}\n");
  pid_t master = start_daemon(prefix);
  ASSERT_GT(master, 0);
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 1, workers));

  int fd = connect_tcp(prefix.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\nHost: localhost\n\nGET / HTTP/1.1\nHost: localhost\n\n"));
  std::string replies;
  ASSERT_TRUE(wait_until("the first response", 10s, [&](std::string& seen) {
    char buffer[4096];
    pollfd descriptor{fd, POLLIN, 0};
    if (::poll(&descriptor, 1, 10) > 0) {
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n > 0) replies.append(buffer, static_cast<size_t>(n));
    }
    seen = replies;
    return replies.find("\r\n\r\n") != std::string::npos;
  }));
  EXPECT_NE(replies.find("Keep-Alive: timeout=65"), std::string::npos) << replies;
  ASSERT_EQ(::kill(master, SIGQUIT), 0);
  bool closed = false;
  replies += read_until_closed(fd, 30s, closed);
  ::close(fd);
  EXPECT_TRUE(closed);
  const size_t second = replies.find("HTTP/1.1", 1);
  ASSERT_NE(second, std::string::npos) << replies;
  EXPECT_NE(replies.find("Connection: close\r\n", second), std::string::npos) << replies;
  EXPECT_TRUE(wait_for_exit(master));
}

// ngx_close_idle_connections: a keep-alive connection between requests is closed at the quit.
TEST_F(FakeNginxShutdown, IdleKeepAliveConnectionIsClosedOnQuit) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  pid_t master = start_daemon(prefix);
  ASSERT_GT(master, 0);
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 1, workers));
  int fd = connect_tcp(prefix.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string reply;
  ASSERT_TRUE(wait_until("the response", 10s, [&](std::string& seen) {
    char buffer[4096];
    pollfd descriptor{fd, POLLIN, 0};
    if (::poll(&descriptor, 1, 10) > 0) {
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n > 0) reply.append(buffer, static_cast<size_t>(n));
    }
    seen = reply;
    const size_t header_end = reply.find("\r\n\r\n");
    return header_end != std::string::npos && reply.ends_with("version 1.0\n");
  }));
  ASSERT_EQ(::kill(master, SIGQUIT), 0);
  bool closed = false;
  EXPECT_EQ(read_until_closed(fd, 30s, closed), "");
  EXPECT_TRUE(closed) << "the idle connection is closed without a byte";
  ::close(fd);
  EXPECT_TRUE(wait_for_exit(master));
}

}  // namespace
}  // namespace hotdeploy::fakes::testing
