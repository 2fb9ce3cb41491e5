#include "harness/load/load_config.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "harness/load/loopback_address.h"

namespace hotdeploy::harness {
namespace {

[[noreturn]] void reject(const std::string& what) { throw std::invalid_argument("load generator: " + what); }

bool valid_request_target(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  return std::all_of(path.begin(), path.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b > 0x20 && b < 0x7f;
  });
}

void check_connections(int connections, const char* kind) {
  if (connections < 0 || connections > kMaxConnections) {
    reject(std::string(kind) + " connections must be within 0.." + std::to_string(kMaxConnections) + ", not " +
           std::to_string(connections));
  }
}

void check_rate(double per_second, int max_in_flight, const char* kind) {
  if (!std::isfinite(per_second) || per_second < 0 || per_second > kMaxPerSecond) {
    reject(std::string(kind) + " per_second must be within 0..1000000");
  }
  if (per_second > 0 && (max_in_flight <= 0 || max_in_flight > kMaxConnections)) {
    reject(std::string(kind) + " max_in_flight must be within 1.." + std::to_string(kMaxConnections));
  }
}

void check_duration(std::chrono::milliseconds d, const char* name) {
  if (d.count() < 0) reject(std::string(name) + " is negative");
}

}  // namespace

void validate(const LoadConfig& config) {
  if (!loopback_address(config.host, config.port)) {
    reject("host \"" + config.host + "\" is not a loopback address literal (127.0.0.0/8 or ::1)");
  }
  if (config.port == 0) reject("port 0");
  check_connections(config.keepalive.connections, "keepalive");
  check_connections(config.idle.connections, "idle");
  check_connections(config.held.connections, "held");
  check_connections(config.post.connections, "post");
  check_rate(config.rate.per_second, config.rate.max_in_flight, "rate");
  check_rate(config.post.per_second, config.post.max_in_flight, "post");
  if (!std::isfinite(config.held.seconds) || config.held.seconds < 0 || config.held.seconds > 86400) {
    reject("held seconds must be within 0..86400");
  }
  check_duration(config.idle.every, "idle every");
  check_duration(config.post.every, "post every");
  check_duration(config.connect_timeout, "connect_timeout");
  check_duration(config.first_byte_timeout, "first_byte_timeout");
  check_duration(config.response_timeout, "response_timeout");
  check_duration(config.failure_backoff, "failure_backoff");
  if (!valid_request_target(config.path)) reject("path \"" + config.path + "\" is not an absolute request target");
  if (const auto error = mix_error(config.requests)) reject(*error);
  if (!config.requests.empty() && (config.post.per_second > 0 || config.post.connections > 0)) {
    reject("post traffic (POST /echo) does not run beside requests: put the POSTs in the mix");
  }
  if (config.tls.enabled && config.tls.ca_file.empty()) reject("tls needs a CA file to verify the server against");
  if (config.tls.enabled && config.tls.server_name.empty()) reject("tls needs a server name (SNI)");
}

std::string held_target(const HeldLoad& held) {
  std::array<char, 64> seconds{};
  const int n = std::snprintf(seconds.data(), seconds.size(), "%.9g", held.seconds);
  return "/held?seconds=" + std::string(seconds.data(), static_cast<std::size_t>(std::clamp(n, 0, 63))) +
         "&bytes=" + std::to_string(held.bytes);
}

}  // namespace hotdeploy::harness
