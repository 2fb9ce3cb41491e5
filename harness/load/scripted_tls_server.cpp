#include "harness/load/scripted_tls_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "harness/load/scripted_http_server.h"
#include "harness/load/socket_bio.h"

namespace hotdeploy::harness::testing {
namespace {

constexpr int kPollMs = 20;
constexpr timeval kSocketTimeout{0, 100'000};  // lets a blocked read see stop_
constexpr std::int32_t kPid = 4242;

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

ScriptedTlsServer::ScriptedTlsServer(const TestCertificateFiles& files, Connections connections)
    : connections_(connections) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr || SSL_CTX_use_certificate_chain_file(ctx_, files.server_certificate.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx_, files.server_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    SSL_CTX_free(ctx_);
    throw std::runtime_error("scripted TLS server: cannot load " + files.server_certificate.string());
  }
  static constexpr unsigned char kContext[] = "hotdeploy";
  SSL_CTX_set_session_id_context(ctx_, kContext, sizeof kContext - 1);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw_errno("socket");
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sin;
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0 || ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
    const int err = errno;
    ::close(listen_fd_);
    SSL_CTX_free(ctx_);
    throw std::system_error(err, std::generic_category(), "scripted TLS server: listen");
  }
  port_ = ntohs(sin.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ScriptedTlsServer::~ScriptedTlsServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
  SSL_CTX_free(ctx_);
}

TlsHandshakeCounts ScriptedTlsServer::handshakes() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

::testing::AssertionResult ScriptedTlsServer::wait_for_handshakes(std::size_t n,
                                                                  std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  const auto total = [&] { return counts_.full + counts_.resumed + counts_.failed; };
  if (changed_.wait_for(lock, timeout, [&] { return total() >= n; })) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "timed out after " << timeout.count() << "ms waiting for " << n
                                       << " handshakes; saw full " << counts_.full << ", resumed " << counts_.resumed
                                       << ", failed " << counts_.failed;
}

void ScriptedTlsServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kSocketTimeout, sizeof kSocketTimeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kSocketTimeout, sizeof kSocketTimeout);
    serve_connection(fd);
    ::close(fd);
  }
}

void ScriptedTlsServer::serve_connection(int fd) {
  SSL* ssl = SSL_new(ctx_);
  BIO* bio = new_socket_bio_without_sigpipe(fd);  // the client may close before our last write
  SSL_set_bio(ssl, bio, bio);
  int accepted = SSL_accept(ssl);
  while (accepted != 1 && SSL_get_error(ssl, accepted) == SSL_ERROR_WANT_READ && !stop_) accepted = SSL_accept(ssl);
  {
    std::lock_guard lock(mutex_);
    if (accepted != 1) {
      ++counts_.failed;
    } else if (SSL_session_reused(ssl) == 1) {
      ++counts_.resumed;
    } else {
      ++counts_.full;
    }
  }
  changed_.notify_all();
  std::string pending;
  char buffer[4096];
  bool open = accepted == 1;
  while (open && !stop_) {
    const int n = SSL_read(ssl, buffer, sizeof buffer);
    if (n <= 0) {
      open = SSL_get_error(ssl, n) == SSL_ERROR_WANT_READ;
      continue;
    }
    pending.append(buffer, static_cast<std::size_t>(n));
    for (auto end = pending.find("\r\n\r\n"); open && end != std::string::npos; end = pending.find("\r\n\r\n")) {
      pending.erase(0, end + 4);
      std::string response = ok_response(kPid);
      if (connections_ == Connections::close_each) response.insert(response.find("\r\n") + 2, "Connection: close\r\n");
      open = SSL_write(ssl, response.data(), static_cast<int>(response.size())) > 0 &&
             connections_ == Connections::keep_alive;
    }
  }
  if (accepted == 1) SSL_shutdown(ssl);
  SSL_free(ssl);
  ERR_clear_error();
}

}  // namespace hotdeploy::harness::testing
