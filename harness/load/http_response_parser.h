// HttpResponseParser: an incremental parser for one HTTP/1.0 or HTTP/1.1 response to a GET,
// fed bytes as they arrive. It keeps only what the load generator needs -- status, the worker
// pid from X-Worker-Pid, whether the connection may be reused, and byte counts -- and skips
// the body without storing it. Memory is allocated once, at construction; feed() and reset()
// never allocate. Every input is defined behaviour: any byte sequence ends in complete,
// in_progress (more bytes wanted) or failed with a named error, and the hard limits bound the
// line length, header size, header count, body size and interim (1xx) responses.
//
// Accepted: status line "HTTP/1.x SP 3DIGIT [SP reason]"; lines ending CRLF or bare LF;
// header names are tokens, matched case-insensitively; Content-Length (digits only; repeated
// identical values allowed), Transfer-Encoding: chunked (with chunk extensions and trailers),
// or a body delimited by connection close; 1xx interim responses are skipped; 204 and 304
// have no body, nor has any response to a HEAD (reset(true)). Rejected: obsolete line folding, CR/NUL/control bytes in
// headers, both Content-Length and Transfer-Encoding, any transfer coding other than plain "chunked".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace hotdeploy::harness {

struct HttpParserLimits {
  std::size_t max_line_bytes = 8 * 1024;     // status line, one header line, one chunk-size line
  std::size_t max_header_bytes = 64 * 1024;  // all header and trailer lines of one response
  std::size_t max_header_count = 100;
  std::uint64_t max_body_bytes = 64ULL * 1024 * 1024;
  std::size_t max_interim_responses = 8;

  friend bool operator==(const HttpParserLimits&, const HttpParserLimits&) = default;
};

enum class ParseState : std::uint8_t { in_progress, complete, failed };

enum class ParseError : std::uint8_t {
  none,
  bad_status_line,
  unsupported_version,
  bad_header,
  line_too_long,
  headers_too_large,
  too_many_headers,
  too_many_interim_responses,
  bad_content_length,
  length_and_chunked,
  unsupported_transfer_encoding,
  bad_chunk,
  body_too_large,
  truncated,
};

[[nodiscard]] std::string_view to_string(ParseError error);

class HttpResponseParser {
 public:
  explicit HttpResponseParser(HttpParserLimits limits = {});
  // Uses line_storage (at least limits.max_line_bytes + 1 bytes, outliving the parser) instead of
  // allocating its own, so a caller with many parsers can give them one lazily touched block.
  HttpResponseParser(HttpParserLimits limits, char* line_storage);
  HttpResponseParser(const HttpResponseParser&) = delete;
  HttpResponseParser& operator=(const HttpResponseParser&) = delete;
  HttpResponseParser(HttpResponseParser&&) noexcept = default;
  HttpResponseParser& operator=(HttpResponseParser&&) noexcept = default;
  ~HttpResponseParser() = default;

  // Forget the previous response; ready for the next one on the same connection. A response to
  // a HEAD request has no body, whatever its headers say (RFC 9110 §9.3.2).
  void reset(bool head_request = false);

  // Consumes a prefix of data and returns its length (never more than data.size()). Stops
  // right after the end of a complete response (the rest belongs to whatever follows) or at
  // the first error, where how much was consumed is not specified. Once the state is complete
  // or failed, further calls consume nothing.
  [[nodiscard]] std::size_t feed(std::string_view data);

  // The connection ended. Completes a close-delimited body; any other unfinished response
  // fails with ParseError::truncated (including one of which no byte arrived).
  void finish();

  [[nodiscard]] ParseState state() const;
  [[nodiscard]] ParseError error() const;
  [[nodiscard]] std::uint16_t status() const;                    // of the final (non-1xx) response
  [[nodiscard]] std::optional<std::int32_t> worker_pid() const;  // X-Worker-Pid, if a valid positive number
  // False if the connection must not carry another request: Connection: close, HTTP/1.0
  // without Connection: keep-alive, or a body delimited by close.
  [[nodiscard]] bool keep_alive() const;
  [[nodiscard]] std::uint64_t body_bytes() const;      // decoded body bytes so far
  [[nodiscard]] std::uint64_t bytes_consumed() const;  // bytes fed and consumed since reset()

 private:
  enum class Phase : std::uint8_t {
    status_line,
    headers,
    body_length,
    body_until_close,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailers,
    done
  };

  std::size_t consume_line(std::string_view data, bool& line_ready);
  void on_line(std::string_view line);
  void on_status_line(std::string_view line);
  void on_header_line(std::string_view line);
  void on_header(std::string_view name, std::string_view value);
  void on_headers_end();
  void on_chunk_size_line(std::string_view line);
  void on_trailer_line(std::string_view line);
  void fail(ParseError error);
  void complete();
  void start_message();

  HttpParserLimits limits_;
  std::unique_ptr<char[]> owned_line_;  // unless the caller gave line storage
  char* line_;                          // max_line_bytes + 1: a line's content and the CR of its CRLF
  std::size_t line_len_ = 0;
  Phase phase_ = Phase::status_line;
  ParseState state_ = ParseState::in_progress;
  ParseError error_ = ParseError::none;
  std::uint16_t status_ = 0;
  std::int32_t worker_pid_ = 0;
  bool worker_pid_ambiguous_ = false;  // an invalid or a second, different X-Worker-Pid
  bool head_request_ = false;
  bool http10_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  bool chunked_ = false;
  bool has_content_length_ = false;
  bool close_delimited_ = false;
  std::uint64_t content_length_ = 0;
  std::uint64_t remaining_ = 0;  // of the current Content-Length body or chunk
  std::uint64_t body_bytes_ = 0;
  std::uint64_t bytes_consumed_ = 0;
  std::size_t header_bytes_ = 0;
  std::size_t header_count_ = 0;
  std::size_t interim_count_ = 0;
};

}  // namespace hotdeploy::harness
