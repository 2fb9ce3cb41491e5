// LoadConfig: what the load generator sends, and to where. Five kinds of traffic, any mix of
// them at once, all over non-blocking loopback TCP connections driven by one event loop:
//
//   keepalive  closed loop: each connection sends the next GET <path> when the last one ended
//   idle       keep-alive connections that sit idle for `every` between GET <path> requests (a
//              server's keep-alive close races with the next request here)
//   held       closed loop of long GET /held?seconds=S&bytes=N responses, each checked to carry
//              exactly N body bytes (Event kind held); the connections start spread over S, or
//              all together
//   rate       open loop: per_second GET <path>, each on a new connection, latency measured from
//              the intended send time (no coordinated omission, as wrk2)
//   post       POST /echo with a small body (Event kind post), non-idempotent and never retried:
//              open loop, per_second POSTs each on a new connection; and/or, like idle,
//              `connections` keep-alive connections that pause for `every` between POSTs (the
//              keep-alive close race that a GET survives by its retry loses a POST here)
//
// With `requests` (request_mix.h), keepalive, idle, rate and held connections send the user's
// requests, each chosen by weight, instead of GET <path> and GET /held: held connections then
// start spread over `seconds` (or together) as before, and each response may take `seconds`
// longer than response_timeout (a long download, a slow upstream); `bytes` asks nothing, as the
// user's server decides the body. post, hotdeploy's own POST /echo, does not run beside a mix: a
// mix says its POSTs itself.
//
// With `tls` enabled (scheme https), every connection of every kind is TLS (tls_client.h): the
// handshake follows the TCP connect, and connect_timeout covers both.
//
// Every request has a connect, a first-byte and a total timeout. validate() is the one place
// that says which configurations are acceptable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/load/http_response_parser.h"
#include "harness/load/request_mix.h"

namespace hotdeploy::harness {

struct KeepaliveLoad {
  int connections = 0;

  friend bool operator==(const KeepaliveLoad&, const KeepaliveLoad&) = default;
};

struct IdleLoad {
  int connections = 0;
  std::chrono::milliseconds every{1000};  // pause after each response before the next request

  friend bool operator==(const IdleLoad&, const IdleLoad&) = default;
};

struct HeldLoad {
  int connections = 0;
  double seconds = 1.0;        // asked of the server: spread the body over this long
  std::uint64_t bytes = 1024;  // asked of the server, and checked: the body must be exactly this long
  // false: the connections' first requests start spread evenly over `seconds` (connection k of n
  // at k * seconds / n), as clients arrive in production; true: all at once, a burst
  bool start_together = false;

  friend bool operator==(const HeldLoad&, const HeldLoad&) = default;
};

// Open-loop traffic. When max_in_flight requests are outstanding, due requests wait for one to
// end; their latency, measured from the intended send time, includes that wait.
struct RateLoad {
  double per_second = 0;  // 0: none
  int max_in_flight = 1024;

  friend bool operator==(const RateLoad&, const RateLoad&) = default;
};

struct PostLoad {
  double per_second = 0;  // 0: none
  int max_in_flight = 1024;
  int connections = 0;                    // keep-alive connections, as IdleLoad's
  std::chrono::milliseconds every{1000};  // their pause after each response before the next POST

  friend bool operator==(const PostLoad&, const PostLoad&) = default;
};

// How a TLS connection offers to resume: off (every handshake full), tickets (the session ticket
// the server issued last, on any TLS version), ids (TLS 1.2 without tickets: the session id the
// server cached last, which only the server process that cached it can resume).
enum class TlsResume : std::uint8_t { off, tickets, ids };

struct TlsLoad {
  bool enabled = false;
  std::string ca_file;                    // PEM: the one CA trusted to have signed the server's certificate
  std::string server_name = "localhost";  // sent as SNI; the certificate must name it
  TlsResume resume = TlsResume::off;

  friend bool operator==(const TlsLoad&, const TlsLoad&) = default;
};

struct LoadConfig {
  std::string host = "127.0.0.1";  // a loopback IPv4 or IPv6 literal (127.0.0.0/8, ::1)
  std::uint16_t port = 0;
  KeepaliveLoad keepalive;
  IdleLoad idle;
  HeldLoad held;
  RateLoad rate;
  PostLoad post;
  TlsLoad tls;
  std::string path = "/";            // request target of keepalive, idle and rate GETs
  std::vector<MixRequest> requests;  // the user's requests; empty: hotdeploy's own GETs
  std::uint64_t seed = 1;            // of the mix's choices
  // connect() start -> connected. The default outlasts two SYN retransmissions: a SYN the
  // kernel dropped (a full listen queue) is sent again after RFC 6298's initial RTO of 1 s, then
  // after 2 s more, so the second retransmission leaves at 3 s; 4 s gives it a second to be
  // answered. A dropped SYN then costs latency (the one-second cliff), not the request.
  std::chrono::milliseconds connect_timeout{4000};
  std::chrono::milliseconds first_byte_timeout{3000};  // first request byte written -> first response byte
  std::chrono::milliseconds response_timeout{5000};    // first request byte written -> response complete
                                                       // (held: plus HeldLoad::seconds)
  std::chrono::milliseconds failure_backoff{10};  // pause of a closed-loop connection after a request ended fail/info
  std::size_t reserve_events = std::size_t{1} << 18;  // EventLog capacity reserved at start()
  HttpParserLimits limits;

  friend bool operator==(const LoadConfig&, const LoadConfig&) = default;
};

inline constexpr double kMaxPerSecond = 1'000'000;
inline constexpr int kMaxConnections = 1'000'000;
inline constexpr std::string_view kPostBody = "hotdeploy post body\n";

// Throws std::invalid_argument naming the first problem: a host that is not a loopback literal,
// port 0, a negative or absurd connection count or rate, a non-positive max_in_flight with a
// rate, a negative duration, a path that is not an absolute request-target, a mix that
// mix_error() refuses, post traffic beside a mix, or TLS without a CA file or server name.
void validate(const LoadConfig& config);

// The request target of held traffic: "/held?seconds=2.5&bytes=1048576".
[[nodiscard]] std::string held_target(const HeldLoad& held);

}  // namespace hotdeploy::harness
