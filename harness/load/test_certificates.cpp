#include "harness/load/test_certificates.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace hotdeploy::harness {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(std::FILE* p) const { std::fclose(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Certificate = std::unique_ptr<X509, Free>;

constexpr long kValidBeforeSeconds = 3600;
constexpr long kValidForSeconds = 30L * 24 * 3600;

[[noreturn]] void fail(const std::string& what) {
  char buffer[256] = "no OpenSSL error";
  if (const unsigned long code = ERR_get_error()) ERR_error_string_n(code, buffer, sizeof buffer);
  ERR_clear_error();
  throw std::runtime_error("test certificates: " + what + ": " + buffer);
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate an EC P-256 key");
  return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    fail(std::string("cannot add the extension ") + OBJ_nid2sn(nid) + " = " + value);
  }
}

// A certificate for `key` named `common_name`, issued by `issuer` (itself when null), unsigned.
Certificate new_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer) {
  Certificate certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), 2) != 1) fail("cannot create a certificate");
  std::unique_ptr<BIGNUM, Free> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())) == nullptr) {
    fail("cannot make a serial number");
  }
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kValidBeforeSeconds);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kValidForSeconds);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                 -1, -1, 0) != 1 ||
      X509_set_issuer_name(certificate.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name) != 1 ||
      X509_set_pubkey(certificate.get(), key) != 1) {
    fail("cannot name the certificate " + common_name);
  }
  return certificate;
}

void sign(X509* certificate, EVP_PKEY* issuer_key) {
  if (X509_sign(certificate, issuer_key, EVP_sha256()) == 0) fail("cannot sign a certificate");
}

std::unique_ptr<std::FILE, Free> open_for_writing(const std::filesystem::path& path, mode_t mode) {
  const mode_t previous = ::umask(0777 & ~mode);
  std::unique_ptr<std::FILE, Free> file(std::fopen(path.c_str(), "w"));
  ::umask(previous);
  if (!file) throw std::runtime_error("test certificates: cannot write " + path.string());
  return file;
}

void write_certificate(const std::filesystem::path& path, X509* certificate) {
  auto file = open_for_writing(path, 0644);
  if (PEM_write_X509(file.get(), certificate) != 1 || std::fflush(file.get()) != 0)
    fail("cannot write " + path.string());
}

void write_key(const std::filesystem::path& path, EVP_PKEY* key) {
  auto file = open_for_writing(path, 0600);
  if (PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      std::fflush(file.get()) != 0) {
    fail("cannot write " + path.string());
  }
}

}  // namespace

TestCertificateFiles write_test_certificates(const std::filesystem::path& directory, const std::string& server_name) {
  const Key ca_key = new_key();
  Certificate ca = new_certificate(ca_key.get(), "hotdeploy test CA", nullptr);
  // Two CAs of two calls must differ in name too, or a verifier could look up the wrong one.
  const std::string ca_name = "hotdeploy test CA " + std::to_string(ASN1_INTEGER_get(X509_get_serialNumber(ca.get())));
  ca = new_certificate(ca_key.get(), ca_name, nullptr);
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  sign(ca.get(), ca_key.get());

  const Key server_key = new_key();
  const Certificate server = new_certificate(server_key.get(), server_name, ca.get());
  add_extension(server.get(), ca.get(), NID_basic_constraints, "CA:FALSE");
  add_extension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  add_extension(server.get(), ca.get(), NID_authority_key_identifier, "keyid");
  const std::string names = "DNS:" + server_name + ",IP:127.0.0.1,IP:::1";
  add_extension(server.get(), ca.get(), NID_subject_alt_name, names.c_str());
  sign(server.get(), ca_key.get());

  TestCertificateFiles files{directory / "ca.pem", directory / "server.pem", directory / "server.key"};
  write_certificate(files.ca_certificate, ca.get());
  write_certificate(files.server_certificate, server.get());
  write_key(files.server_key, server_key.get());
  return files;
}

}  // namespace hotdeploy::harness
