#include "channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace hotdeploy::fakes {

std::optional<ChannelPair> open_channel() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == -1) return std::nullopt;
  return ChannelPair{fds[0], fds[1]};
}

bool send_command(int fd, ChannelCommand command) {
  if (fd < 0) return false;
  char byte = static_cast<char>(command);
  for (;;) {
    ssize_t n = ::send(fd, &byte, 1, MSG_NOSIGNAL);
    if (n == 1) return true;
    if (n == -1 && errno == EINTR) continue;
    return false;
  }
}

ChannelRead read_command(int fd, ChannelCommand& command) {
  char byte = 0;
  for (;;) {
    ssize_t n = ::recv(fd, &byte, 1, 0);
    if (n == 1) {
      command = static_cast<ChannelCommand>(byte);
      return ChannelRead::command;
    }
    if (n == 0) return ChannelRead::closed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return ChannelRead::nothing;
    return ChannelRead::closed;
  }
}

}  // namespace hotdeploy::fakes
