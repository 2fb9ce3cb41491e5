// Test certificates: a throwaway certificate authority and a server certificate it signed, made
// with OpenSSL's C API at run (or test) time and never committed. The load generator trusts only
// the CA file (LoadConfig::tls.ca_file); the target serves the certificate and key.
//
// Keys are EC P-256. The CA is `hotdeploy test CA <random serial>`; the server certificate names
// the server name as a DNS subjectAltName plus 127.0.0.1 and ::1, and is valid from an hour
// before it was made for 30 days. Each call makes a new CA, so a client given another call's CA
// rejects this server (an untrusted certificate). The key file is mode 0600.
#pragma once

#include <filesystem>
#include <string>

namespace hotdeploy::harness {

struct TestCertificateFiles {
  std::filesystem::path ca_certificate;      // ca.pem
  std::filesystem::path server_certificate;  // server.pem
  std::filesystem::path server_key;          // server.key
};

// Writes ca.pem, server.pem and server.key into `directory` (which must exist). Throws
// std::runtime_error naming the file or the OpenSSL step that failed.
[[nodiscard]] TestCertificateFiles write_test_certificates(const std::filesystem::path& directory,
                                                           const std::string& server_name);

}  // namespace hotdeploy::harness
