// The user's requests (`load: requests`): a weighted mix of named HTTP/1.1 requests that the
// load generator sends instead of its own GET /. Each request names its method, its request
// target, the Host it is sent with, headers, a body and the statuses it expects; the connection
// always goes to the run's own target address, at the request's port if its url gave one. The
// next request is chosen by weight from a seeded generator (MixPicker): the same seed and the
// same place in the load (which connection, how many requests before) give the same request,
// so a run's mix is reproducible whatever the scheduler does.
//
// Every request the load generator sends, of the mix or its own, carries
// `X-Hotdeploy-Request: <request id>` (kRequestIdHeader): the request_id of history.jsonl, the
// same on an RFC 9112 retry, so a server's own record can be joined to the client's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/history/event.h"

namespace hotdeploy::harness {

inline constexpr std::string_view kRequestIdHeader = "X-Hotdeploy-Request";

// Statuses from low to high, inclusive: {200, 299} is 2xx.
struct StatusRange {
  std::uint16_t low = 200;
  std::uint16_t high = 399;

  friend bool operator==(const StatusRange&, const StatusRange&) = default;
};

struct MixRequest {
  std::string name;  // unique in the mix; names the request in the history and the report
  std::string method = "GET";
  std::string host;          // the Host header (with ":port" when the url gave one); empty: the target's address
  std::uint16_t port = 0;    // 0: the target's port
  std::string target = "/";  // the request target: path and query
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given, in order
  std::string body;                                          // sent with Content-Length when not empty
  std::vector<StatusRange> expect_status;                    // empty: 200..399
  std::uint32_t weight = 1;

  friend bool operator==(const MixRequest&, const MixRequest&) = default;
};

inline constexpr std::size_t kMaxRequestNameBytes = 64;
inline constexpr std::uint32_t kMaxWeight = 1'000'000;
inline constexpr std::size_t kMaxBodyBytes = 16 * 1024 * 1024;

// What a request's `url` says: `http://HOST[:PORT]/PATH?QUERY`, or only `/PATH?QUERY`.
struct RequestUrl {
  std::string host;  // as the Host header gets it: "shop.example" or "shop.example:8081"; empty for a path
  std::uint16_t port = 0;
  std::string target = "/";
};

// Parses a url, or says what is wrong with it (a scheme other than http, a bad host or port, a
// path with spaces or control bytes, a fragment).
[[nodiscard]] RequestUrl parse_request_url(std::string_view url, std::string& error);

// Why the mix cannot be sent, or nullopt: a name empty, too long, not of letters, digits, '_',
// '-', '.', or given twice; a method that is not an HTTP token; a bad target; a header whose
// name is not a token, whose value holds CR, LF or NUL, or that hotdeploy sets itself (Host,
// Content-Length, Transfer-Encoding, Connection, X-Hotdeploy-Request); a weight outside
// 1..kMaxWeight; a body over kMaxBodyBytes; a status range outside 100..599 or upside down.
[[nodiscard]] std::optional<std::string> mix_error(const std::vector<MixRequest>& mix);

// RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT and DELETE are idempotent. An idempotent
// request is retried once on a fresh connection when a reused one closes before any response
// byte (RFC 9112 §9.3.1); any other is recorded as kind post and never retried.
[[nodiscard]] bool idempotent(std::string_view method);

// Whether `status` is one the request expects (200..399 when it names none).
[[nodiscard]] bool status_expected(const MixRequest& request, std::uint16_t status);

// How a response with an unexpected status is dropped: 502 bad_gateway, 504 gateway_timeout,
// any other bad_status.
[[nodiscard]] Reason reason_for_status(std::uint16_t status);

// The bytes of one request, around its request id: head + decimal id + tail. head ends with
// "X-Hotdeploy-Request: ", tail begins with the CRLF that ends that line and holds the body.
struct RequestBytes {
  std::string head;
  std::string tail;
};
// `host_header` is used when the request names no host (the target's address, as "127.0.0.1:8080").
[[nodiscard]] RequestBytes request_bytes(const MixRequest& request, std::string_view host_header);

// Chooses the next request of a mix by weight, from splitmix64 seeded with (seed, stream): two
// pickers of one seed and stream choose the same sequence. Does not allocate after construction.
class MixPicker {
 public:
  // `cumulative`: each request's weight plus those before it (cumulative_weights()); it must
  // outlive the picker and hold at least one positive total.
  MixPicker(const std::vector<std::uint64_t>* cumulative, std::uint64_t seed, std::uint64_t stream);
  [[nodiscard]] std::size_t next();

 private:
  const std::vector<std::uint64_t>* cumulative_;
  std::uint64_t state_;
};

[[nodiscard]] std::vector<std::uint64_t> cumulative_weights(const std::vector<MixRequest>& mix);

}  // namespace hotdeploy::harness
