#include "harness/load/http_response_parser.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <system_error>

namespace hotdeploy::harness {
namespace {

bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return c != 0 && kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
}

// A field-value byte (RFC 9110 §5.5): visible ASCII, space, tab or obs-text.
bool is_field_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower_b[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits "name: value" into a token name and a trimmed value; false if the line is not a
// valid field line (no colon, empty or non-token name, obs-fold, forbidden bytes in the value).
bool split_field_line(std::string_view line, std::string_view& name, std::string_view& value) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); })) {
    return false;
  }
  value = trim(line.substr(colon + 1));
  return std::all_of(value.begin(), value.end(), [](char c) { return is_field_byte(static_cast<unsigned char>(c)); });
}

}  // namespace

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::none: return "none";
    case ParseError::bad_status_line: return "bad_status_line";
    case ParseError::unsupported_version: return "unsupported_version";
    case ParseError::bad_header: return "bad_header";
    case ParseError::line_too_long: return "line_too_long";
    case ParseError::headers_too_large: return "headers_too_large";
    case ParseError::too_many_headers: return "too_many_headers";
    case ParseError::too_many_interim_responses: return "too_many_interim_responses";
    case ParseError::bad_content_length: return "bad_content_length";
    case ParseError::length_and_chunked: return "length_and_chunked";
    case ParseError::unsupported_transfer_encoding: return "unsupported_transfer_encoding";
    case ParseError::bad_chunk: return "bad_chunk";
    case ParseError::body_too_large: return "body_too_large";
    case ParseError::truncated: return "truncated";
  }
  return "invalid";
}

HttpResponseParser::HttpResponseParser(HttpParserLimits limits)
    : limits_(limits),
      owned_line_(std::make_unique_for_overwrite<char[]>(limits.max_line_bytes + 1)),
      line_(owned_line_.get()) {}

HttpResponseParser::HttpResponseParser(HttpParserLimits limits, char* line_storage)
    : limits_(limits), line_(line_storage) {}

void HttpResponseParser::reset(bool head_request) {
  head_request_ = head_request;
  line_len_ = 0;
  state_ = ParseState::in_progress;
  error_ = ParseError::none;
  body_bytes_ = 0;
  bytes_consumed_ = 0;
  header_bytes_ = 0;
  header_count_ = 0;
  interim_count_ = 0;
  start_message();
}

void HttpResponseParser::start_message() {
  phase_ = Phase::status_line;
  status_ = 0;
  worker_pid_ = 0;
  worker_pid_ambiguous_ = false;
  http10_ = false;
  connection_close_ = false;
  connection_keep_alive_ = false;
  chunked_ = false;
  has_content_length_ = false;
  close_delimited_ = false;
  content_length_ = 0;
  remaining_ = 0;
}

ParseState HttpResponseParser::state() const { return state_; }
ParseError HttpResponseParser::error() const { return error_; }
std::uint16_t HttpResponseParser::status() const { return status_; }

std::optional<std::int32_t> HttpResponseParser::worker_pid() const {
  if (worker_pid_ <= 0 || worker_pid_ambiguous_) return std::nullopt;
  return worker_pid_;
}

bool HttpResponseParser::keep_alive() const {
  if (connection_close_ || close_delimited_) return false;
  return !http10_ || connection_keep_alive_;
}

std::uint64_t HttpResponseParser::body_bytes() const { return body_bytes_; }
std::uint64_t HttpResponseParser::bytes_consumed() const { return bytes_consumed_; }

void HttpResponseParser::fail(ParseError error) {
  state_ = ParseState::failed;
  error_ = error;
}

void HttpResponseParser::complete() {
  phase_ = Phase::done;
  state_ = ParseState::complete;
}

std::size_t HttpResponseParser::feed(std::string_view data) {
  std::size_t pos = 0;
  while (pos < data.size() && state_ == ParseState::in_progress) {
    const std::string_view rest = data.substr(pos);
    switch (phase_) {
      case Phase::status_line:
      case Phase::headers:
      case Phase::chunk_size:
      case Phase::chunk_data_end:
      case Phase::trailers: {
        bool line_ready = false;
        pos += consume_line(rest, line_ready);
        if (line_ready) {
          const std::string_view line(line_, line_len_);
          line_len_ = 0;
          on_line(line);
        }
        break;
      }
      case Phase::body_length:
      case Phase::chunk_data: {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
        pos += n;
        remaining_ -= n;
        body_bytes_ += n;
        if (remaining_ == 0) {
          if (phase_ == Phase::body_length) {
            complete();
          } else {
            phase_ = Phase::chunk_data_end;
          }
        }
        break;
      }
      case Phase::body_until_close: {
        const std::uint64_t room = limits_.max_body_bytes - body_bytes_;
        if (rest.size() > room) {
          pos += static_cast<std::size_t>(room) + 1;
          body_bytes_ = limits_.max_body_bytes;
          fail(ParseError::body_too_large);
        } else {
          pos += rest.size();
          body_bytes_ += rest.size();
        }
        break;
      }
      case Phase::done:
        // state_ is complete whenever phase_ is done, so the loop has already ended.
        break;
    }
  }
  bytes_consumed_ += pos;
  return pos;
}

std::size_t HttpResponseParser::consume_line(std::string_view data, bool& line_ready) {
  const std::size_t newline = data.find('\n');
  const std::size_t take = newline == std::string_view::npos ? data.size() : newline;
  const std::size_t consumed = take + (newline == std::string_view::npos ? 0 : 1);
  const bool header_line = phase_ == Phase::status_line || phase_ == Phase::headers || phase_ == Phase::trailers;
  const std::size_t header_room =
      header_line ? limits_.max_header_bytes - header_bytes_ : std::numeric_limits<std::size_t>::max();
  // The buffer holds max_line_bytes of content plus the CR of a CRLF ending.
  const std::size_t line_room = limits_.max_line_bytes + 1 - line_len_;
  // The first byte past either limit names the error, as if the bytes had come one at a time (the
  // header budget first when one byte passes both), so the error does not depend on the reads.
  if (consumed > header_room && (take <= line_room || header_room <= line_room)) {
    fail(ParseError::headers_too_large);
    return consumed;
  }
  if (take > line_room) {
    fail(ParseError::line_too_long);
    return consumed;
  }
  if (header_line) header_bytes_ += consumed;
  std::copy_n(data.data(), take, line_ + line_len_);
  line_len_ += take;
  if (newline == std::string_view::npos) return consumed;
  if (line_len_ > 0 && line_[line_len_ - 1] == '\r') --line_len_;
  if (line_len_ > limits_.max_line_bytes) {
    fail(ParseError::line_too_long);
    return consumed;
  }
  line_ready = true;
  return consumed;
}

void HttpResponseParser::on_line(std::string_view line) {
  if (line.find('\r') != std::string_view::npos) {
    fail(phase_ == Phase::status_line                                       ? ParseError::bad_status_line
         : (phase_ == Phase::chunk_size || phase_ == Phase::chunk_data_end) ? ParseError::bad_chunk
                                                                            : ParseError::bad_header);
    return;
  }
  switch (phase_) {
    case Phase::status_line: on_status_line(line); break;
    case Phase::headers:
      if (line.empty()) {
        on_headers_end();
      } else {
        on_header_line(line);
      }
      break;
    case Phase::chunk_size: on_chunk_size_line(line); break;
    case Phase::chunk_data_end:
      if (line.empty()) {
        phase_ = Phase::chunk_size;
      } else {
        fail(ParseError::bad_chunk);
      }
      break;
    case Phase::trailers:
      if (line.empty()) {
        complete();
      } else {
        on_trailer_line(line);
      }
      break;
    case Phase::body_length:
    case Phase::body_until_close:
    case Phase::chunk_data:
    case Phase::done:
      // Lines are only assembled in the line phases above.
      break;
  }
}

void HttpResponseParser::on_status_line(std::string_view line) {
  // HTTP-version SP 3DIGIT [SP reason-phrase]
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[6] != '.' || line[8] != ' ') {
    fail(ParseError::bad_status_line);
    return;
  }
  const char major = line[5];
  const char minor = line[7];
  if (major < '0' || major > '9' || minor < '0' || minor > '9') {
    fail(ParseError::bad_status_line);
    return;
  }
  if (major != '1' || (minor != '0' && minor != '1')) {
    fail(ParseError::unsupported_version);
    return;
  }
  const std::string_view code = line.substr(9, 3);
  if (!all_digits(code) || code[0] == '0') {
    fail(ParseError::bad_status_line);
    return;
  }
  const std::string_view after = line.substr(12);
  if (!after.empty()) {
    if (after[0] != ' ' ||
        !std::all_of(after.begin(), after.end(), [](char c) { return is_field_byte(static_cast<unsigned char>(c)); })) {
      fail(ParseError::bad_status_line);
      return;
    }
  }
  status_ = static_cast<std::uint16_t>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
  if (status_ == 101) {
    // A protocol switch that a plain GET never asked for: nothing after it is HTTP/1.x.
    fail(ParseError::bad_status_line);
    return;
  }
  http10_ = minor == '0';
  phase_ = Phase::headers;
}

void HttpResponseParser::on_header_line(std::string_view line) {
  if (++header_count_ > limits_.max_header_count) {
    fail(ParseError::too_many_headers);
    return;
  }
  std::string_view name;
  std::string_view value;
  if (!split_field_line(line, name, value)) {
    fail(ParseError::bad_header);
    return;
  }
  on_header(name, value);
}

void HttpResponseParser::on_header(std::string_view name, std::string_view value) {
  if (iequals(name, "content-length")) {
    std::uint64_t length = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (!all_digits(value) || ec != std::errc{} || end != value.data() + value.size() ||
        (has_content_length_ && length != content_length_)) {
      fail(ParseError::bad_content_length);
      return;
    }
    has_content_length_ = true;
    content_length_ = length;
  } else if (iequals(name, "transfer-encoding")) {
    if (chunked_ || !iequals(value, "chunked")) {
      fail(ParseError::unsupported_transfer_encoding);
      return;
    }
    chunked_ = true;
  } else if (iequals(name, "connection")) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view token = trim(rest.substr(0, comma));
      if (iequals(token, "close")) connection_close_ = true;
      if (iequals(token, "keep-alive")) connection_keep_alive_ = true;
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  } else if (iequals(name, "x-worker-pid")) {
    std::int32_t pid = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), pid);
    const bool valid = all_digits(value) && ec == std::errc{} && end == value.data() + value.size() && pid > 0;
    if (!valid || (worker_pid_ != 0 && worker_pid_ != pid)) {
      worker_pid_ambiguous_ = true;
    } else {
      worker_pid_ = pid;
    }
  }
}

void HttpResponseParser::on_headers_end() {
  if (status_ < 200) {
    if (++interim_count_ > limits_.max_interim_responses) {
      fail(ParseError::too_many_interim_responses);
      return;
    }
    start_message();
    return;
  }
  if (chunked_ && has_content_length_) {
    fail(ParseError::length_and_chunked);
    return;
  }
  if (status_ == 204 || status_ == 304 || head_request_) {
    complete();
    return;
  }
  if (chunked_) {
    phase_ = Phase::chunk_size;
    return;
  }
  if (has_content_length_) {
    if (content_length_ > limits_.max_body_bytes) {
      fail(ParseError::body_too_large);
      return;
    }
    if (content_length_ == 0) {
      complete();
      return;
    }
    remaining_ = content_length_;
    phase_ = Phase::body_length;
    return;
  }
  close_delimited_ = true;
  phase_ = Phase::body_until_close;
}

void HttpResponseParser::on_chunk_size_line(std::string_view line) {
  std::size_t digits = 0;
  std::uint64_t size = 0;
  while (digits < line.size()) {
    const char c = lower(line[digits]);
    unsigned v = 0;
    if (c >= '0' && c <= '9') {
      v = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v = static_cast<unsigned>(c - 'a' + 10);
    } else {
      break;
    }
    if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
      fail(ParseError::bad_chunk);
      return;
    }
    size = (size << 4) | v;
    ++digits;
  }
  if (digits == 0) {
    fail(ParseError::bad_chunk);
    return;
  }
  // chunk-ext: BWS ";" ... -- its content is not interpreted, only checked for stray bytes.
  const std::string_view ext = trim(line.substr(digits));
  if (!ext.empty() && (ext[0] != ';' || !std::all_of(ext.begin(), ext.end(), [](char c) {
                         return is_field_byte(static_cast<unsigned char>(c));
                       }))) {
    fail(ParseError::bad_chunk);
    return;
  }
  if (size == 0) {
    phase_ = Phase::trailers;
    return;
  }
  if (size > limits_.max_body_bytes - body_bytes_) {
    fail(ParseError::body_too_large);
    return;
  }
  remaining_ = size;
  phase_ = Phase::chunk_data;
}

void HttpResponseParser::on_trailer_line(std::string_view line) {
  if (++header_count_ > limits_.max_header_count) {
    fail(ParseError::too_many_headers);
    return;
  }
  std::string_view name;
  std::string_view value;
  if (!split_field_line(line, name, value)) fail(ParseError::bad_header);
}

void HttpResponseParser::finish() {
  if (state_ != ParseState::in_progress) return;
  if (phase_ == Phase::body_until_close) {
    complete();
  } else {
    fail(ParseError::truncated);
  }
}

}  // namespace hotdeploy::harness
