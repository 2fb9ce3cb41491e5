// HttpRequestParser: an incremental parser for HTTP/1.0 and HTTP/1.1 requests, as an application
// server behind a reverse proxy receives them, fed bytes as they arrive. It keeps the request line,
// whether the connection may stay open, the X-Hotdeploy-Request id and the body's size; it reads
// the body (Content-Length or chunked, with chunk extensions and trailers) without storing it.
// Every input is defined behaviour: any byte sequence ends in complete, in_progress (more bytes
// wanted) or failed with a reason a 400 response can carry, and the limits bound the head, each
// chunk-size line, the trailers and the body.
//
// Accepted: "METHOD SP request-target SP HTTP/1.x" with lines ending CRLF (or a bare LF, as nginx
// also accepts); header names are tokens, matched case-insensitively. Refused (RFC 9112): a
// whitespace before a header's colon (§5.1), obsolete line folding (§5.2), control bytes in a
// field value, a Content-Length that is not digits or disagrees with another, both Content-Length
// and Transfer-Encoding (§6.3: a server may refuse it, and a proxy in front would be smuggling), a
// transfer coding other than plain "chunked", Transfer-Encoding in HTTP/1.0, a malformed chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hotdeploy::harness {

struct HttpRequestLimits {
  std::size_t max_head_bytes = 16 * 1024;  // request line and header section, with their line ends
  std::size_t max_chunk_line_bytes = 1024;
  std::size_t max_trailer_bytes = 16 * 1024;
  std::uint64_t max_body_bytes = 64ULL * 1024 * 1024;

  friend bool operator==(const HttpRequestLimits&, const HttpRequestLimits&) = default;
};

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: path and query
  int minor_version = 1;
  bool keep_alive = true;        // HTTP/1.1 without "Connection: close", or HTTP/1.0 with keep-alive
  std::uint64_t request_id = 0;  // X-Hotdeploy-Request when it is a decimal number, else 0
  std::uint64_t body_bytes = 0;  // body bytes read (after chunked decoding)
};

class HttpRequestParser {
 public:
  enum class State : std::uint8_t { in_progress, complete, failed };

  explicit HttpRequestParser(HttpRequestLimits limits = {});

  // Reads from data until the request is complete or failed; returns how many bytes it used
  // (bytes after a complete request belong to the next one, which reset() lets it read).
  std::size_t feed(std::string_view data);
  // Ready for the next request on the same connection.
  void reset();

  [[nodiscard]] State state() const { return state_; }
  // What was parsed so far: the method and target once the request line was read.
  [[nodiscard]] const HttpRequest& request() const { return request_; }
  // Why it failed; empty unless failed.
  [[nodiscard]] const std::string& error() const { return error_; }
  // Whether any byte of this request has arrived.
  [[nodiscard]] bool started() const { return started_; }

 private:
  enum class Phase : std::uint8_t { head, body, chunk_size, chunk_data, chunk_data_end, trailers, done };

  void fail(std::string why);
  void parse_head();
  bool parse_request_line(std::string_view line);
  bool parse_header(std::string_view line);
  void start_body();
  bool parse_chunk_size(std::string_view line);

  HttpRequestLimits limits_;
  State state_ = State::in_progress;
  Phase phase_ = Phase::head;
  HttpRequest request_;
  std::string error_;
  std::string line_;  // the head while it is read; then a chunk-size or trailer line
  std::size_t trailer_bytes_ = 0;
  std::uint64_t remaining_ = 0;  // body or chunk bytes still to read
  bool started_ = false;
  bool has_length_ = false;
  bool chunked_ = false;
  bool has_transfer_encoding_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
};

}  // namespace hotdeploy::harness
