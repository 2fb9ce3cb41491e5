#include "listeners.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace hotdeploy::fakes {
namespace {

constexpr int kBindTries = 5;
constexpr auto kBindRetryDelay = std::chrono::milliseconds(500);

}  // namespace

Listeners::~Listeners() { close_all(); }

Listeners::Listeners(Listeners&& other) noexcept : sockets_(std::move(other.sockets_)) { other.sockets_.clear(); }

Listeners& Listeners::operator=(Listeners&& other) noexcept {
  if (this != &other) {
    close_all();
    sockets_ = std::move(other.sockets_);
    other.sockets_.clear();
  }
  return *this;
}

namespace {

// A descriptor that can be reused for a configured address: inherited from an old
// master, or kept from before a reload.
struct Candidate {
  ListeningSocket socket;
  bool taken = false;
};

const Candidate* take_matching(std::vector<Candidate>& pool, const ListenAddress& address) {
  for (Candidate& candidate : pool) {
    if (!candidate.taken && candidate.socket.address == address) {
      candidate.taken = true;
      return &candidate;
    }
  }
  return nullptr;
}

void delete_socket_file(const ListenAddress& address, ErrorLog& log) {
  const std::string path = address.unix_path();
  if (::unlink(path.c_str()) == -1) log.log_errno(LogLevel::emerg, errno, "unlink() " + path + " failed");
}

}  // namespace

bool Listeners::open(const Config& config, std::vector<int> inherited, Listeners* previous, ErrorLog& log) {
  std::vector<Candidate> pool;
  for (int fd : inherited) {
    sockaddr_storage storage{};
    socklen_t length = sizeof(storage);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) == -1) {
      log.log_errno(LogLevel::crit, errno, "getsockname() of the inherited socket #" + std::to_string(fd) + " failed");
      continue;
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    pool.push_back({{ListenAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), length), fd, false, -1, true,
                     kDefaultListenBacklog}});
  }
  if (previous != nullptr) {
    for (const ListeningSocket& socket : previous->sockets_) pool.push_back({socket});
  }

  std::vector<ListeningSocket> wanted;
  std::vector<bool> bound_here;
  std::vector<int> backlog_changed;  // indexes into wanted
  for (const ListenDirective& listen : config.listens) {
    const int clones = listen.reuseport ? std::max(1, config.worker_processes) : 1;
    for (int slot = 0; slot < clones; ++slot) {
      const Candidate* match = take_matching(pool, listen.address);
      const int fd = match != nullptr ? match->socket.fd : -1;
      const bool inherited = match != nullptr && match->socket.inherited;
      if (match != nullptr && match->socket.backlog != listen.backlog) {
        backlog_changed.push_back(static_cast<int>(wanted.size()));
      }
      wanted.push_back({listen.address, fd, listen.reuseport, listen.reuseport ? slot : -1, inherited, listen.backlog});
      bound_here.push_back(fd < 0);
    }
  }

  auto close_bound_here = [&] {
    for (size_t i = 0; i < wanted.size(); ++i) {
      if (bound_here[i] && wanted[i].fd >= 0) ::close(wanted[i].fd);
    }
  };

  bool failed = false;
  for (int tries = kBindTries; tries > 0; --tries) {
    failed = false;
    for (ListeningSocket& socket : wanted) {
      if (socket.fd >= 0) continue;
      bool address_in_use = false;
      socket.fd = bind_one(socket, log, address_in_use);
      if (socket.fd >= 0) continue;
      if (!address_in_use) {
        close_bound_here();
        return false;
      }
      failed = true;
    }
    if (!failed) break;
    log.log(LogLevel::notice, "try again to bind() after 500ms");
    std::this_thread::sleep_for(kBindRetryDelay);
  }
  if (failed) {
    log.log(LogLevel::emerg, "still could not bind()");
    close_bound_here();
    return false;
  }

  for (int i : backlog_changed) {
    const ListeningSocket& socket = wanted[static_cast<size_t>(i)];
    if (::listen(socket.fd, socket.backlog) == -1) {
      log.log_errno(
          LogLevel::alert, errno,
          "listen() to " + socket.address.text() + ", backlog " + std::to_string(socket.backlog) + " failed, ignored");
    }
  }
  // nginx's ngx_init_cycle: sockets the new configuration does not want are closed, and a
  // unix-domain socket's file deleted.
  for (const Candidate& candidate : pool) {
    if (candidate.taken) continue;
    ::close(candidate.socket.fd);
    if (candidate.socket.address.family() == AF_UNIX) {
      log.log(LogLevel::warn, "deleting socket " + candidate.socket.address.unix_path());
      delete_socket_file(candidate.socket.address, log);
    }
  }
  if (previous != nullptr) previous->sockets_.clear();
  close_all();
  sockets_ = std::move(wanted);
  return true;
}

int Listeners::bind_one(const ListeningSocket& socket, ErrorLog& log, bool& address_in_use) {
  const ListenAddress& address = socket.address;
  const bool reuseport = socket.reuseport;
  const std::string text = address.text();
  int fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1) {
    log.log_errno(LogLevel::emerg, errno, "socket() " + text + " failed");
    return -1;
  }
  int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1) {
    log.log_errno(LogLevel::emerg, errno, "setsockopt(SO_REUSEADDR) " + text + " failed");
    ::close(fd);
    return -1;
  }
  if (reuseport && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1) {
    log.log_errno(LogLevel::emerg, errno, "setsockopt(SO_REUSEPORT) " + text + " failed");
    ::close(fd);
    return -1;
  }
  if (address.family() == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  int flags = ::fcntl(fd, F_GETFL);
  if (flags == -1 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
    log.log_errno(LogLevel::emerg, errno, "ioctl(FIONBIO) " + text + " failed");
    ::close(fd);
    return -1;
  }
  if (::bind(fd, address.address(), address.length) == -1) {
    int error_number = errno;
    log.log_errno(LogLevel::emerg, error_number, "bind() to " + text + " failed");
    ::close(fd);
    address_in_use = error_number == EADDRINUSE;
    return -1;
  }
  if (address.family() == AF_UNIX) {
    const std::string path = address.unix_path();
    if (::chmod(path.c_str(), S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH) == -1) {
      log.log_errno(LogLevel::emerg, errno, "chmod() \"" + path + "\" failed");
    }
  }
  if (::listen(fd, socket.backlog) == -1) {
    int error_number = errno;
    log.log_errno(LogLevel::emerg, error_number,
                  "listen() to " + text + ", backlog " + std::to_string(socket.backlog) + " failed");
    ::close(fd);
    address_in_use = error_number == EADDRINUSE;
    return -1;
  }
  return fd;
}

std::vector<int> Listeners::fds_for_worker(int slot) const {
  std::vector<int> fds;
  for (const ListeningSocket& socket : sockets_) {
    if (socket.worker == -1 || socket.worker == slot) fds.push_back(socket.fd);
  }
  return fds;
}

std::vector<int> Listeners::all_fds() const {
  std::vector<int> fds;
  for (const ListeningSocket& socket : sockets_) fds.push_back(socket.fd);
  return fds;
}

void Listeners::close_all() {
  for (ListeningSocket& socket : sockets_) {
    if (socket.fd >= 0) ::close(socket.fd);
  }
  sockets_.clear();
}

void Listeners::close_as_master(bool new_binary_running, bool parent_changed, ErrorLog& log) {
  for (const ListeningSocket& socket : sockets_) {
    if (socket.fd >= 0) ::close(socket.fd);
    if (socket.address.family() == AF_UNIX && !new_binary_running && (!socket.inherited || parent_changed)) {
      delete_socket_file(socket.address, log);
    }
  }
  sockets_.clear();
}

void Listeners::release() { sockets_.clear(); }

}  // namespace hotdeploy::fakes
