#include "listen_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstring>

namespace hotdeploy::fakes {
namespace {

std::optional<int> parse_port(std::string_view text) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) return std::nullopt;
  return port;
}

ListenAddress ipv4_any(int port) {
  ListenAddress address;
  auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(static_cast<uint16_t>(port));
  in->sin_addr.s_addr = htonl(INADDR_ANY);
  address.length = sizeof(sockaddr_in);
  return address;
}

// nginx's ngx_parse_unix_domain_url: the path is taken as written.
ListenAddressParse parse_unix_address(std::string_view path) {
  if (path.empty()) return {std::nullopt, "no path in the unix domain socket"};
  ListenAddress address;
  auto* un = reinterpret_cast<sockaddr_un*>(&address.storage);
  if (path.size() + 1 > sizeof(un->sun_path)) return {std::nullopt, "too long path in the unix domain socket"};
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  address.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return {address, {}};
}

}  // namespace

std::string ListenAddress::text() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &in->sin_addr, buffer, sizeof(buffer));
    return std::string(buffer) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &in6->sin6_addr, buffer, sizeof(buffer));
    return "[" + std::string(buffer) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  if (family() == AF_UNIX) return "unix:" + unix_path();
  return "unknown address family " + std::to_string(family());
}

std::string ListenAddress::unix_path() const {
  if (family() != AF_UNIX) return {};
  const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
  const size_t header = offsetof(sockaddr_un, sun_path);
  const size_t room = length > header ? std::min<size_t>(length - header, sizeof(un->sun_path)) : 0;
  return std::string(un->sun_path, strnlen(un->sun_path, room));
}

bool ListenAddress::operator==(const ListenAddress& other) const {
  if (family() != other.family()) return false;
  if (family() == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
    const auto* b = reinterpret_cast<const sockaddr_in*>(&other.storage);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(&other.storage);
    return a->sin6_port == b->sin6_port && std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(in6_addr)) == 0;
  }
  if (family() == AF_UNIX) return unix_path() == other.unix_path();
  return false;
}

ListenAddress ListenAddress::from_sockaddr(const sockaddr* address, socklen_t length) {
  ListenAddress result;
  std::memcpy(&result.storage, address, std::min<size_t>(length, sizeof(result.storage)));
  result.length = length;
  return result;
}

ListenAddressParse parse_listen_address(std::string_view text) {
  if (text.starts_with("unix:")) return parse_unix_address(text.substr(5));

  if (text.starts_with("[")) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return {std::nullopt, "invalid host"};
    std::string host(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    int port = 80;
    if (!rest.empty()) {
      if (rest.front() != ':') return {std::nullopt, "invalid host"};
      auto parsed = parse_port(rest.substr(1));
      if (!parsed) return {std::nullopt, "invalid port"};
      port = *parsed;
    }
    ListenAddress address;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) != 1) return {std::nullopt, "invalid IPv6 address"};
    address.length = sizeof(sockaddr_in6);
    return {address, {}};
  }

  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    if (auto port = parse_port(text)) return {ipv4_any(*port), {}};
    // A bare host name listens on port 80.
    colon = text.size();
  }
  std::string host(text.substr(0, colon));
  int port = 80;
  if (colon < text.size()) {
    auto parsed = parse_port(text.substr(colon + 1));
    if (!parsed) return {std::nullopt, "invalid port"};
    port = *parsed;
  }
  if (host == "*" || host.empty()) return {ipv4_any(port), {}};

  ListenAddress address = ipv4_any(port);
  auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
  if (inet_pton(AF_INET, host.c_str(), &in->sin_addr) == 1) return {address, {}};

  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return {std::nullopt, "host not found"};
  }
  in->sin_addr = reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr;
  freeaddrinfo(found);
  return {address, {}};
}

}  // namespace hotdeploy::fakes
