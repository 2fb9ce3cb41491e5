// held_connections_bench: 10,000 (or N) held connections open at once through the load
// generator, and the resident memory of the process that runs it while they are. The server
// is a forked child process on 127.0.0.1 that accepts every connection and never answers, so
// each held GET stays outstanding; it has its own descriptor limit, and dies with the parent
// (PR_SET_PDEATHSIG) if the parent dies first, else is killed and reaped at the end. Raises
// RLIMIT_NOFILE as far as the hard limit allows. Target: VmRSS <= 64 MiB at 10,000 connections.
//
//   held_connections_bench [CONNECTIONS]
//   -> "connections 10000 sent 10000 dropped before stop 0 VmRSS 23.4 MiB (before start 5.1 MiB)"
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "harness/load/load_generator.h"

namespace {

double vm_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return -1;
}

// A child process that accepts every connection on a loopback port and holds it open, unread,
// for at most kHoldFor, or until killed (by the destructor, or by the parent's death).
class HoldingAcceptor {
 public:
  static constexpr auto kHoldFor = std::chrono::seconds(300);

  HoldingAcceptor() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, 65535) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error(std::string("acceptor: ") + std::strerror(errno));
    }
    port_ = ntohs(addr.sin_port);
    const pid_t parent = ::getpid();
    child_ = ::fork();
    if (child_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (child_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(0);
      hold(fd);
      ::_exit(0);
    }
    ::close(fd);
  }
  ~HoldingAcceptor() {
    ::kill(child_, SIGKILL);
    ::waitpid(child_, nullptr, 0);
  }
  HoldingAcceptor(const HoldingAcceptor&) = delete;
  HoldingAcceptor& operator=(const HoldingAcceptor&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  static void hold(int listen_fd) {
    const auto until = std::chrono::steady_clock::now() + kHoldFor;
    pollfd p{listen_fd, POLLIN, 0};
    while (std::chrono::steady_clock::now() < until) {
      if (::poll(&p, 1, 100) <= 0) continue;
      const int c = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0 && errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) ::_exit(1);
    }
  }

  std::uint16_t port_ = 0;
  pid_t child_ = -1;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace hotdeploy::harness;
  using namespace std::chrono_literals;
  const int connections = argc > 1 ? std::atoi(argv[1]) : 10'000;
  if (connections <= 0 || connections > 100'000) {
    std::fprintf(stderr, "usage: held_connections_bench [CONNECTIONS (1..100000)]\n");
    return 2;
  }
  // Every connection, plus a margin. Raising the hard limit needs CAP_SYS_RESOURCE; without it,
  // go as far as the hard limit.
  const auto wanted = static_cast<rlim_t>(connections + 1024);
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_max < wanted) {
    const rlimit raised{wanted, wanted};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) files = raised;
  }
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < static_cast<rlim_t>(connections + 64)) {
    std::fprintf(stderr, "held_connections_bench: RLIMIT_NOFILE %llu is too low for %d connections\n",
                 static_cast<unsigned long long>(files.rlim_cur), connections);
    return 1;
  }
  try {
    HoldingAcceptor server;
    LoadConfig config;
    config.port = server.port();
    config.held = {connections, 600, 1024};
    config.connect_timeout = 30s;
    config.first_byte_timeout = 600s;
    config.reserve_events = 2 * static_cast<std::size_t>(connections) + 1024;
    RunClock clock;
    const double before = vm_rss_mib();
    LoadGenerator generator(config, clock);
    generator.start();
    // Wait (at most 60 s) until every held request is sent.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (generator.progress().sent < static_cast<std::uint64_t>(connections)) {
      if (std::chrono::steady_clock::now() >= deadline) {
        std::fprintf(stderr, "held_connections_bench: after 60 s only %llu sent\n",
                     static_cast<unsigned long long>(generator.progress().sent));
        return 1;
      }
      std::this_thread::sleep_for(10ms);
    }
    const double rss = vm_rss_mib();
    const LoadProgress p = generator.progress();
    generator.stop(0ms);
    std::printf("connections %d sent %llu dropped before stop %llu VmRSS %.1f MiB (before start %.1f MiB)\n",
                connections, static_cast<unsigned long long>(p.sent), static_cast<unsigned long long>(p.dropped), rss,
                before);
    return rss <= 64.0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "held_connections_bench: %s\n", e.what());
    return 1;
  }
}
