#include "listeners.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <utility>

namespace hotdeploy::fakes {
namespace {

// 127.0.0.1 with port 0: the kernel picks a free port when the socket is bound.
ListenAddress loopback_any_port() {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ListenAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof(in));
}

// The backlog the kernel holds for a listening socket: TCP_INFO's tcpi_sacked carries a
// listener's sk_max_ack_backlog (net/ipv4/tcp.c, tcp_get_info).
unsigned kernel_backlog(int fd) {
  tcp_info info{};
  socklen_t length = sizeof(info);
  EXPECT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length), 0);
  return info.tcpi_sacked;
}

Config config_with_backlog(const ListenAddress& address, int backlog) {
  Config config;
  ListenDirective listen;
  listen.address = address;
  listen.backlog = backlog;
  config.listens.push_back(std::move(listen));
  return config;
}

TEST(Listeners, ListenWithTheDirectivesBacklog) {
  ErrorLog log;
  Listeners listeners;
  ASSERT_TRUE(listeners.open(config_with_backlog(loopback_any_port(), 16), {}, nullptr, log));
  ASSERT_EQ(listeners.sockets().size(), 1u);
  EXPECT_EQ(listeners.sockets()[0].backlog, 16);
  EXPECT_EQ(kernel_backlog(listeners.sockets()[0].fd), 16u);
}

TEST(Listeners, AReloadThatChangesTheBacklogListensAgainOnTheSameSocket) {
  // A reload matches the sockets it keeps by their configured address (here port 0 in both).
  ErrorLog log;
  Listeners before;
  ASSERT_TRUE(before.open(config_with_backlog(loopback_any_port(), 16), {}, nullptr, log));
  const int fd = before.sockets()[0].fd;

  Listeners after;
  ASSERT_TRUE(after.open(config_with_backlog(loopback_any_port(), 64), {}, &before, log));
  ASSERT_EQ(after.sockets().size(), 1u);
  EXPECT_EQ(after.sockets()[0].fd, fd) << "the socket is kept, not bound again";
  EXPECT_EQ(kernel_backlog(fd), 64u);
}

TEST(Listeners, AnInheritedSocketIsTakenToHaveNginxsDefaultBacklog) {
  // nginx sets an inherited socket's backlog to NGX_LISTEN_BACKLOG without asking the kernel,
  // so a new binary whose listen sets backlog=16 listens again, and one that sets none does not.
  ErrorLog log;
  Listeners first;
  ASSERT_TRUE(first.open(config_with_backlog(loopback_any_port(), 32), {}, nullptr, log));
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ASSERT_EQ(::getsockname(first.sockets()[0].fd, reinterpret_cast<sockaddr*>(&bound), &length), 0);
  const ListenAddress address = ListenAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&bound), length);

  const int kept_default = ::dup(first.sockets()[0].fd);
  Listeners unchanged;
  ASSERT_TRUE(unchanged.open(config_with_backlog(address, kDefaultListenBacklog), {kept_default}, nullptr, log));
  EXPECT_EQ(kernel_backlog(kept_default), 32u) << "taken to be 511 already: not listened again";

  const int changed = ::dup(first.sockets()[0].fd);
  Listeners smaller;
  ASSERT_TRUE(smaller.open(config_with_backlog(address, 16), {changed}, nullptr, log));
  EXPECT_EQ(smaller.sockets()[0].fd, changed);
  EXPECT_EQ(kernel_backlog(changed), 16u);
}

}  // namespace
}  // namespace hotdeploy::fakes
