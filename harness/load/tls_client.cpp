#include "harness/load/tls_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "harness/load/socket_bio.h"

namespace hotdeploy::harness {
namespace {

// The first error on this thread's OpenSSL queue (emptied), or "" when there is none.
std::string take_openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    if (!text.empty()) continue;
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text = buffer;
  }
  return text;
}

}  // namespace

TlsConnection::TlsConnection(TlsConnection&& other) noexcept
    : ssl_(std::exchange(other.ssl_, nullptr)),
      failed_(std::exchange(other.failed_, false)),
      error_(std::move(other.error_)) {}

TlsConnection& TlsConnection::operator=(TlsConnection&& other) noexcept {
  if (this != &other) {
    close();
    ssl_ = std::exchange(other.ssl_, nullptr);
    failed_ = std::exchange(other.failed_, false);
    error_ = std::move(other.error_);
  }
  return *this;
}

TlsStatus TlsConnection::status_of(int result) {
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ: return TlsStatus::want_read;
    case SSL_ERROR_WANT_WRITE: return TlsStatus::want_write;
    case SSL_ERROR_ZERO_RETURN: return TlsStatus::closed;
    case SSL_ERROR_SYSCALL:
      failed_ = true;
      error_ = take_openssl_errors();
      if (error_.empty()) error_ = saved_errno != 0 ? std::strerror(saved_errno) : "connection closed";
      return TlsStatus::failed;
    default: {
      failed_ = true;
      error_ = take_openssl_errors();
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) error_ += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) + ")";
      return TlsStatus::failed;
    }
  }
}

TlsStatus TlsConnection::handshake() {
  ERR_clear_error();
  const int result = SSL_connect(ssl_);
  return result == 1 ? TlsStatus::done : status_of(result);
}

bool TlsConnection::resumed() const { return ssl_ != nullptr && SSL_session_reused(ssl_) == 1; }

TlsStatus TlsConnection::read(char* into, std::size_t size, std::size_t& n) {
  ERR_clear_error();
  n = 0;
  const int result = SSL_read_ex(ssl_, into, size, &n);
  return result == 1 ? TlsStatus::done : status_of(result);
}

TlsStatus TlsConnection::write(const char* data, std::size_t size, std::size_t& n) {
  ERR_clear_error();
  n = 0;
  const int result = SSL_write_ex(ssl_, data, size, &n);
  return result == 1 ? TlsStatus::done : status_of(result);
}

void TlsConnection::close() {
  if (ssl_ == nullptr) return;
  // One non-blocking attempt: close_notify goes out if the socket takes it; the peer's is not
  // awaited (the socket is closed next).
  if (!failed_ && SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
  ERR_clear_error();
  SSL_free(ssl_);
  ssl_ = nullptr;
}

TlsClientContext::TlsClientContext(const TlsLoad& config) : config_(config) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) throw std::runtime_error("TLS: cannot create a client context: " + take_openssl_errors());
  if (SSL_CTX_load_verify_locations(ctx_, config_.ca_file.c_str(), nullptr) != 1) {
    const std::string why = take_openssl_errors();
    SSL_CTX_free(ctx_);
    throw std::runtime_error("TLS: cannot read the CA file " + config_.ca_file + ": " + why);
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (config_.resume == TlsResume::ids) {
    SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
  }
  if (config_.resume != TlsResume::off) {
    // The sessions are kept here, not in OpenSSL's internal client cache (which has none).
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx_, &TlsClientContext::on_new_session);
  }
  SSL_CTX_set_app_data(ctx_, this);
}

TlsClientContext::~TlsClientContext() {
  if (last_session_ != nullptr) SSL_SESSION_free(last_session_);
  SSL_CTX_free(ctx_);
}

int TlsClientContext::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsClientContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (self->last_session_ != nullptr) SSL_SESSION_free(self->last_session_);
  self->last_session_ = session;
  return 1;  // the reference is ours now
}

TlsConnection TlsClientContext::connect(int fd) {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) throw std::runtime_error("TLS: SSL_new: " + take_openssl_errors());
  TlsConnection connection(ssl);
  BIO* bio = new_socket_bio_without_sigpipe(fd);
  if (bio == nullptr) throw std::runtime_error("TLS: cannot create a socket BIO: " + take_openssl_errors());
  SSL_set_bio(ssl, bio, bio);
  if (SSL_set_tlsext_host_name(ssl, config_.server_name.c_str()) != 1 ||
      SSL_set1_host(ssl, config_.server_name.c_str()) != 1) {
    throw std::runtime_error("TLS: cannot set up a connection to " + config_.server_name + ": " +
                             take_openssl_errors());
  }
  if (last_session_ != nullptr) SSL_set_session(ssl, last_session_);
  return connection;
}

}  // namespace hotdeploy::harness
