#include "harness/load/loopback_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace hotdeploy::harness {

std::optional<LoopbackAddress> loopback_address(std::string_view host, std::uint16_t port) {
  const std::string text(host);
  LoopbackAddress a;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    if ((ntohl(v4.s_addr) >> 24) != 127) return std::nullopt;
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr = v4;
    std::memcpy(&a.storage, &sin, sizeof sin);
    a.length = sizeof sin;
    a.family = AF_INET;
    a.host_header = text + ":" + std::to_string(port);
    return a;
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (std::memcmp(&v6, &in6addr_loopback, sizeof v6) != 0) return std::nullopt;
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    sin6.sin6_addr = v6;
    std::memcpy(&a.storage, &sin6, sizeof sin6);
    a.length = sizeof sin6;
    a.family = AF_INET6;
    a.host_header = "[" + text + "]:" + std::to_string(port);
    return a;
  }
  return std::nullopt;
}

}  // namespace hotdeploy::harness
