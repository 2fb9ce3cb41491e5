// Channel: how a master tells one worker to quit, terminate or reopen its logs, as nginx
// does (a socketpair per worker; the worker does not log a received signal for these).
// Both ends are non-blocking and close-on-exec. A failed send means "fall back to kill()".
#pragma once

#include <optional>

namespace hotdeploy::fakes {

enum class ChannelCommand : char { quit = 'Q', terminate = 'T', reopen = 'R' };

struct ChannelPair {
  int master_end = -1;
  int worker_end = -1;
};

[[nodiscard]] std::optional<ChannelPair> open_channel();
[[nodiscard]] bool send_command(int fd, ChannelCommand command);

enum class ChannelRead { command, nothing, closed };
// Reads one command if one is waiting.
[[nodiscard]] ChannelRead read_command(int fd, ChannelCommand& command);

}  // namespace hotdeploy::fakes
