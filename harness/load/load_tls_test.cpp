// The load generator over TLS, against the scripted TLS server with certificates made per test.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "harness/load/load_generator.h"
#include "harness/load/load_generator_testing.h"
#include "harness/load/scripted_tls_server.h"
#include "harness/load/test_certificates.h"

namespace hotdeploy::harness {
namespace {

using namespace std::chrono_literals;
using testing::ended;
using testing::expect_well_formed;
using testing::ScriptedTlsServer;
using testing::wait_for_progress;

constexpr auto kWait = testing::kLoadWait;

// A directory of this test's own, removed at the end.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hotdeploy-tls-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

LoadConfig tls_config(std::uint16_t port, const TestCertificateFiles& trusted, TlsResume resume) {
  LoadConfig config;
  config.port = port;
  config.tls.enabled = true;
  config.tls.ca_file = trusted.ca_certificate.string();
  config.tls.resume = resume;
  config.failure_backoff = 2ms;
  return config;
}

// The handshake field of every request_sent that opened a connection, in order.
std::vector<TlsHandshake> handshakes(const EventLog& log) {
  std::vector<TlsHandshake> seen;
  for (const Event& e : log.events()) {
    if (e.type == EventType::request_sent && e.connect_ns > 0) seen.push_back(e.handshake);
  }
  return seen;
}

TEST(LoadTlsTest, KeepAliveRequestsGoOverOneVerifiedTlsConnection) {
  TempDirectory dir;
  const auto files = write_test_certificates(dir.path(), "localhost");
  ScriptedTlsServer server(files, ScriptedTlsServer::Connections::keep_alive);
  RunClock clock;
  LoadConfig config = tls_config(server.port(), files, TlsResume::off);
  config.keepalive.connections = 1;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.ok >= 20; }, kWait, "20 ok"));
  g.stop(1000ms);
  EXPECT_FALSE(g.error());
  const EventLog log = g.take_events();
  expect_well_formed(log);
  for (const Event& e : ended(log)) {
    EXPECT_EQ(e.outcome, Outcome::ok) << to_string(e.reason) << " " << e.text;
    EXPECT_EQ(e.connection_id, 1u);
  }
  EXPECT_EQ(handshakes(log), std::vector<TlsHandshake>{TlsHandshake::full});
  EXPECT_EQ(server.handshakes().full, 1u);
}

// Each request on a new connection offers the session of the one before: the server resumes it.
TEST(LoadTlsTest, NewConnectionsResumeTheLastSessionWithTickets) {
  TempDirectory dir;
  const auto files = write_test_certificates(dir.path(), "localhost");
  ScriptedTlsServer server(files, ScriptedTlsServer::Connections::close_each);
  RunClock clock;
  LoadConfig config = tls_config(server.port(), files, TlsResume::tickets);
  config.rate.per_second = 200;
  config.rate.max_in_flight = 1;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(server.wait_for_handshakes(10, kWait));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  for (const Event& e : ended(log)) EXPECT_EQ(e.outcome, Outcome::ok) << to_string(e.reason) << " " << e.text;
  const auto seen = handshakes(log);
  ASSERT_GE(seen.size(), 10u);
  EXPECT_EQ(seen.front(), TlsHandshake::full);
  for (std::size_t k = 1; k < seen.size(); ++k) EXPECT_EQ(seen[k], TlsHandshake::resumed) << "connection " << k + 1;
  const auto counts = server.handshakes();
  EXPECT_EQ(counts.full, 1u);
  EXPECT_EQ(counts.failed, 0u);
}

TEST(LoadTlsTest, SessionIdsResumeOverTls12) {
  TempDirectory dir;
  const auto files = write_test_certificates(dir.path(), "localhost");
  ScriptedTlsServer server(files, ScriptedTlsServer::Connections::close_each);
  RunClock clock;
  LoadConfig config = tls_config(server.port(), files, TlsResume::ids);
  config.rate.per_second = 200;
  config.rate.max_in_flight = 1;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(server.wait_for_handshakes(5, kWait));
  g.stop(1000ms);
  const auto seen = handshakes(g.take_events());
  ASSERT_GE(seen.size(), 5u);
  EXPECT_EQ(seen.front(), TlsHandshake::full);
  EXPECT_EQ(seen.back(), TlsHandshake::resumed);
}

TEST(LoadTlsTest, WithoutResumptionEveryHandshakeIsFull) {
  TempDirectory dir;
  const auto files = write_test_certificates(dir.path(), "localhost");
  ScriptedTlsServer server(files, ScriptedTlsServer::Connections::close_each);
  RunClock clock;
  LoadConfig config = tls_config(server.port(), files, TlsResume::off);
  config.rate.per_second = 200;
  config.rate.max_in_flight = 1;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(server.wait_for_handshakes(5, kWait));
  g.stop(1000ms);
  for (const TlsHandshake h : handshakes(g.take_events())) EXPECT_EQ(h, TlsHandshake::full);
  EXPECT_EQ(server.handshakes().resumed, 0u);
}

// A server whose certificate another CA signed: every request is dropped as tls_handshake, fail,
// with nothing sent, and the text says why.
TEST(LoadTlsTest, AnUntrustedCertificateDropsRequestsAsTlsHandshake) {
  TempDirectory server_dir;
  TempDirectory client_dir;
  const auto server_files = write_test_certificates(server_dir.path(), "localhost");
  const auto other_ca = write_test_certificates(client_dir.path(), "localhost");
  ScriptedTlsServer server(server_files, ScriptedTlsServer::Connections::keep_alive);
  RunClock clock;
  LoadConfig config = tls_config(server.port(), other_ca, TlsResume::off);
  config.keepalive.connections = 1;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 3; }, kWait, "3 dropped"));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  ASSERT_FALSE(ended(log).empty());
  for (const Event& e : log.events()) {
    ASSERT_EQ(e.type, EventType::request_ended) << "a request was sent over an untrusted connection";
    EXPECT_EQ(e.outcome, Outcome::fail);
    EXPECT_EQ(e.reason, Reason::tls_handshake);
    EXPECT_NE(e.text.find("certificate"), std::string::npos) << e.text;
  }
  EXPECT_EQ(g.progress().ok, 0u);
}

// The certificate names localhost; a client that asks for another name rejects it.
TEST(LoadTlsTest, ACertificateForAnotherNameIsRejected) {
  TempDirectory dir;
  const auto files = write_test_certificates(dir.path(), "localhost");
  ScriptedTlsServer server(files, ScriptedTlsServer::Connections::keep_alive);
  RunClock clock;
  LoadConfig config = tls_config(server.port(), files, TlsResume::off);
  config.tls.server_name = "example.test";
  config.keepalive.connections = 1;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 1; }, kWait, "1 dropped"));
  g.stop(1000ms);
  for (const Event& e : ended(g.take_events())) EXPECT_EQ(e.reason, Reason::tls_handshake);
}

TEST(LoadTlsTest, ACaFileThatCannotBeReadIsNamed) {
  RunClock clock;
  LoadConfig config;
  config.port = 1;
  config.keepalive.connections = 1;
  config.tls.enabled = true;
  config.tls.ca_file = "/nonexistent/ca.pem";
  LoadGenerator g(config, clock);
  try {
    g.start();
    FAIL() << "start() accepted a missing CA file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ca.pem"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hotdeploy::harness
