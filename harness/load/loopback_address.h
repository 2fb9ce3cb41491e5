// LoopbackAddress: a socket address that is guaranteed to be on the loopback interface
// (127.0.0.0/8 or ::1), parsed from a numeric host literal. The harness only ever connects to
// such addresses; anything else (names, other interfaces) is refused here.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hotdeploy::harness {

struct LoopbackAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  std::string host_header;  // "127.0.0.1:8080" or "[::1]:8080", for the Host request header

  [[nodiscard]] const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// nullopt unless host is a numeric IPv4 address in 127.0.0.0/8 or the IPv6 address ::1.
[[nodiscard]] std::optional<LoopbackAddress> loopback_address(std::string_view host, std::uint16_t port);

}  // namespace hotdeploy::harness
