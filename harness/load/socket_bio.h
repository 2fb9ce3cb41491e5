// An OpenSSL BIO over a connected socket that writes with send(MSG_NOSIGNAL). OpenSSL's own
// socket BIO writes with write(), which raises SIGPIPE on a connection the peer has closed and
// kills a process that has not ignored it; through this one a closed connection is an error the
// caller handles, whatever the process does with SIGPIPE. Used by both ends of hotdeploy's TLS:
// the load generator's client and the tests' scripted server.
#pragma once

#include <openssl/types.h>

namespace hotdeploy::harness {

// A new BIO on fd that leaves fd open when freed, or nullptr when OpenSSL cannot make one (its
// error queue says why). Give it to SSL_set_bio in place of SSL_set_fd.
[[nodiscard]] BIO* new_socket_bio_without_sigpipe(int fd);

}  // namespace hotdeploy::harness
