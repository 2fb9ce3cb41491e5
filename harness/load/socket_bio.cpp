#include "harness/load/socket_bio.h"

#include <openssl/bio.h>

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>

namespace hotdeploy::harness {
namespace {

int write_without_sigpipe(BIO* bio, const char* data, int length) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(BIO_get_fd(bio, nullptr), data, static_cast<std::size_t>(length), MSG_NOSIGNAL);
  if (n < 0 && BIO_sock_should_retry(static_cast<int>(n))) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

// OpenSSL's socket BIO with its write replaced; made once, shared by every connection.
const BIO_METHOD* socket_method_without_sigpipe() {
  static BIO_METHOD* const method = [] {
    const BIO_METHOD* socket = BIO_s_socket();
    BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOCKET, "socket without SIGPIPE");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, &write_without_sigpipe);
    BIO_meth_set_read(m, BIO_meth_get_read(socket));
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(socket));
    BIO_meth_set_create(m, BIO_meth_get_create(socket));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(socket));
    return m;
  }();
  return method;
}

}  // namespace

BIO* new_socket_bio_without_sigpipe(int fd) {
  const BIO_METHOD* method = socket_method_without_sigpipe();
  BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
  if (bio != nullptr) BIO_set_fd(bio, fd, BIO_NOCLOSE);
  return bio;
}

}  // namespace hotdeploy::harness
