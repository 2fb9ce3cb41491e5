#include "tls_server.h"

#include <poll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>

namespace hotdeploy::fakes {
namespace {

// nginx's "(SSL: error:...)" suffix: OpenSSL's first queued error, the queue emptied.
std::string openssl_suffix() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    if (!text.empty()) continue;
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text = std::string(" (SSL: ") + buffer + ")";
  }
  return text;
}

// nginx's wording: a file it cannot open fails in BIO_new_file(), one it cannot parse in PEM_read_*.
std::string failed_call(const std::string& path, const char* parse_call) {
  return ::access(path.c_str(), R_OK) == 0 ? std::string(parse_call) + " failed" : "BIO_new_file() failed";
}

}  // namespace

std::shared_ptr<const TlsServerContext> TlsServerContext::load(const std::string& certificate,
                                                               const std::string& certificate_key, std::string& error) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    error = "SSL_CTX_new() failed" + openssl_suffix();
    return nullptr;
  }
  std::shared_ptr<const TlsServerContext> context(new TlsServerContext(ctx));
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1) {
    error = "cannot load certificate \"" + certificate + "\": " + failed_call(certificate, "PEM_read_bio_X509_AUX()") +
            openssl_suffix();
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, certificate_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = "cannot load certificate key \"" + certificate_key +
            "\": " + failed_call(certificate_key, "PEM_read_bio_PrivateKey()") + openssl_suffix();
    return nullptr;
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return context;
}

TlsServerContext::~TlsServerContext() { SSL_CTX_free(ctx_); }

TlsConnection::TlsConnection(const TlsServerContext& context, int fd) : ssl_(SSL_new(context.native())), fd_(fd) {
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd) != 1) failed_ = true;
}

bool TlsConnection::wait(int result, std::chrono::steady_clock::time_point deadline) {
  const int error = SSL_get_error(ssl_, result);
  short events = 0;
  if (error == SSL_ERROR_WANT_READ) {
    events = POLLIN;
  } else if (error == SSL_ERROR_WANT_WRITE) {
    events = POLLOUT;
  } else if (error == SSL_ERROR_SYSCALL && errno == EINTR) {
    return true;
  } else {
    failed_ = error != SSL_ERROR_ZERO_RETURN;
    ERR_clear_error();
    return false;
  }
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd descriptor{fd_, events, 0};
    const int ready = ::poll(&descriptor, 1, static_cast<int>(left));
    if (ready == -1 && errno == EINTR) continue;
    return ready > 0;
  }
}

bool TlsConnection::accept(std::chrono::milliseconds timeout) {
  if (failed_) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    const int result = SSL_accept(ssl_);
    if (result == 1) return true;
    if (!wait(result, deadline)) {
      failed_ = true;
      return false;
    }
  }
}

ssize_t TlsConnection::read(char* into, size_t size, std::chrono::milliseconds timeout) {
  if (failed_) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    size_t n = 0;
    const int result = SSL_read_ex(ssl_, into, size, &n);
    if (result == 1) return static_cast<ssize_t>(n);
    if (SSL_get_error(ssl_, result) == SSL_ERROR_ZERO_RETURN) return 0;
    if (!wait(result, deadline)) return -1;
  }
}

ssize_t TlsConnection::write(const char* data, size_t size, std::chrono::milliseconds timeout) {
  if (failed_) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    size_t n = 0;
    const int result = SSL_write_ex(ssl_, data, size, &n);
    if (result == 1) return static_cast<ssize_t>(n);
    if (!wait(result, deadline)) {
      failed_ = true;
      return -1;
    }
  }
}

bool TlsConnection::has_pending() const { return ssl_ != nullptr && SSL_pending(ssl_) > 0; }

void TlsConnection::close() {
  if (ssl_ == nullptr) return;
  if (!failed_ && SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
  ERR_clear_error();
  SSL_free(ssl_);
  ssl_ = nullptr;
}

}  // namespace hotdeploy::fakes
