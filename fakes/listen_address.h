// ListenAddress: one `listen` address as nginx understands it, and its text form.
//
// Accepts `ADDR:PORT`, `PORT`, `*:PORT`, `[IPV6]:PORT`, host names (first address the
// resolver gives) and `unix:PATH` (the path as written, not prefix-resolved, as nginx does).
// The text form is what nginx prints in its messages (`127.0.0.1:8080`, `0.0.0.0:8080`,
// `[::1]:8080`, `unix:/run/a.sock`). Two addresses are equal when family, address and port
// are, or for unix-domain sockets the path.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

namespace hotdeploy::fakes {

struct ListenAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  [[nodiscard]] const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(&storage); }
  [[nodiscard]] int family() const { return storage.ss_family; }
  [[nodiscard]] std::string text() const;
  // The socket file of a unix-domain address; empty for other families.
  [[nodiscard]] std::string unix_path() const;
  [[nodiscard]] bool operator==(const ListenAddress& other) const;

  [[nodiscard]] static ListenAddress from_sockaddr(const sockaddr* address, socklen_t length);
};

struct ListenAddressParse {
  std::optional<ListenAddress> address;
  std::string error;  // nginx's reason, e.g. `invalid port`, `host not found`
};

[[nodiscard]] ListenAddressParse parse_listen_address(std::string_view text);

}  // namespace hotdeploy::fakes
