#include "harness/upstream/http_request_parser.h"

#include <algorithm>
#include <utility>

namespace hotdeploy::harness {
namespace {

// RFC 9110 §5.6.2's tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

// A field value's bytes: visible characters, space, tab and obs-text; never CR, LF, NUL or DEL.
bool is_field_value(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// Decimal digits only, at most 18 of them (no overflow).
bool parse_decimal(std::string_view s, std::uint64_t& value) {
  if (s.empty() || s.size() > 18) return false;
  value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

// The line without its ending: "\r\n" or a bare "\n" (the '\n' is not part of `line`).
std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

HttpRequestParser::HttpRequestParser(HttpRequestLimits limits) : limits_(limits) {}

void HttpRequestParser::reset() {
  state_ = State::in_progress;
  phase_ = Phase::head;
  request_ = {};
  error_.clear();
  line_.clear();
  trailer_bytes_ = 0;
  remaining_ = 0;
  started_ = false;
  has_length_ = false;
  chunked_ = false;
  has_transfer_encoding_ = false;
  connection_close_ = false;
  connection_keep_alive_ = false;
}

void HttpRequestParser::fail(std::string why) {
  state_ = State::failed;
  error_ = std::move(why);
}

std::size_t HttpRequestParser::feed(std::string_view data) {
  std::size_t used = 0;
  // Takes bytes up to and including the next '\n' into line_; true when line_ holds a whole line.
  const auto take_line = [&](std::size_t max_bytes, std::string_view what) {
    const std::size_t newline = data.find('\n', used);
    const std::size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
    line_.append(data.substr(used, end - used));
    used = end;
    if (line_.size() > max_bytes) {
      fail(std::string(what) + " over " + std::to_string(max_bytes) + " bytes");
      return false;
    }
    return newline != std::string_view::npos;
  };
  while (used < data.size() && state_ == State::in_progress) {
    switch (phase_) {
      case Phase::head: {
        // Empty lines before the request line are ignored (RFC 9112 §2.2).
        if (line_.empty()) {
          while (used < data.size() && (data[used] == '\r' || data[used] == '\n')) ++used;
          if (used == data.size()) break;
        }
        started_ = true;
        const std::size_t before = line_.size();
        const std::size_t take = std::min(data.size() - used, limits_.max_head_bytes + 1 - before);
        line_.append(data.substr(used, take));
        // The head ends at the first empty line: "\n\r\n" or "\n\n".
        std::size_t end = std::string::npos;
        for (std::size_t i = line_.find('\n', before >= 2 ? before - 2 : 0); i != std::string::npos;
             i = line_.find('\n', i + 1)) {
          if (i + 1 < line_.size() && line_[i + 1] == '\n') {
            end = i + 2;
            break;
          }
          if (i + 2 < line_.size() && line_[i + 1] == '\r' && line_[i + 2] == '\n') {
            end = i + 3;
            break;
          }
        }
        if (end == std::string::npos) {
          used += take;
          if (line_.size() > limits_.max_head_bytes) {
            fail("request head over " + std::to_string(limits_.max_head_bytes) + " bytes");
          }
          break;
        }
        used += take - (line_.size() - end);
        line_.resize(end);
        parse_head();
        break;
      }
      case Phase::body:
      case Phase::chunk_data: {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - used));
        used += take;
        remaining_ -= take;
        request_.body_bytes += take;
        if (remaining_ == 0) {
          if (phase_ == Phase::body) {
            phase_ = Phase::done;
            state_ = State::complete;
          } else {
            phase_ = Phase::chunk_data_end;
          }
        }
        break;
      }
      case Phase::chunk_size:
        if (take_line(limits_.max_chunk_line_bytes, "chunk-size line")) {
          const std::string line = std::move(line_);
          line_.clear();
          if (!parse_chunk_size(without_cr(std::string_view(line).substr(0, line.size() - 1)))) break;
        }
        break;
      case Phase::chunk_data_end:
        if (take_line(2, "line end after chunk data")) {
          if (line_ != "\n" && line_ != "\r\n") {
            fail("chunk data not followed by CRLF");
            break;
          }
          line_.clear();
          phase_ = Phase::chunk_size;
        }
        break;
      case Phase::trailers:
        if (take_line(limits_.max_trailer_bytes - std::min(trailer_bytes_, limits_.max_trailer_bytes),
                      "trailer section")) {
          trailer_bytes_ += line_.size();
          const std::string_view field = without_cr(std::string_view(line_).substr(0, line_.size() - 1));
          if (field.empty()) {
            line_.clear();
            phase_ = Phase::done;
            state_ = State::complete;
            break;
          }
          const std::size_t colon = field.find(':');
          if (colon == std::string_view::npos || !is_token(field.substr(0, colon)) ||
              !is_field_value(field.substr(colon + 1))) {
            fail("malformed trailer field");
            break;
          }
          line_.clear();
        }
        break;
      case Phase::done: return used;
    }
  }
  return used;
}

void HttpRequestParser::parse_head() {
  const std::string head = std::move(line_);
  line_.clear();
  std::size_t at = 0;
  bool first = true;
  while (state_ == State::in_progress) {
    const std::size_t newline = head.find('\n', at);
    const std::string_view line = without_cr(std::string_view(head).substr(at, newline - at));
    at = newline + 1;
    if (line.find('\r') != std::string_view::npos) return fail("a bare CR inside a line");
    if (first) {
      first = false;
      if (!parse_request_line(line)) return;
      continue;
    }
    if (line.empty()) break;
    if (!parse_header(line)) return;
  }
  start_body();
}

bool HttpRequestParser::parse_request_line(std::string_view line) {
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    fail("malformed request line");
    return false;
  }
  const std::string_view method = line.substr(0, first_space);
  const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
  const std::string_view version = line.substr(last_space + 1);
  if (!is_token(method)) {
    fail("malformed method");
    return false;
  }
  const bool target_ok = !target.empty() && std::all_of(target.begin(), target.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
  if (!target_ok) {
    fail("malformed request target");
    return false;
  }
  if (version.size() != 8 || !version.starts_with("HTTP/1.") || version[7] < '0' || version[7] > '9') {
    fail("unsupported protocol version (HTTP/1.x only)");
    return false;
  }
  request_.method = method;
  request_.target = target;
  request_.minor_version = version[7] - '0';
  return true;
}

bool HttpRequestParser::parse_header(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    fail("obsolete line folding");
    return false;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    fail("header line without a colon");
    return false;
  }
  const std::string_view name = line.substr(0, colon);
  if (name.back() == ' ' || name.back() == '\t') {
    fail("whitespace between a header's name and its colon");
    return false;
  }
  if (!is_token(name)) {
    fail("malformed header name");
    return false;
  }
  const std::string_view value = trim(line.substr(colon + 1));
  if (!is_field_value(value)) {
    fail("control bytes in the value of " + std::string(name));
    return false;
  }
  if (equals_ignoring_case(name, "Content-Length")) {
    std::uint64_t length = 0;
    if (!parse_decimal(value, length) || (has_length_ && length != remaining_)) {
      fail("malformed or conflicting Content-Length");
      return false;
    }
    has_length_ = true;
    remaining_ = length;
  } else if (equals_ignoring_case(name, "Transfer-Encoding")) {
    if (has_transfer_encoding_ || !equals_ignoring_case(value, "chunked")) {
      fail("unsupported transfer coding (plain chunked only)");
      return false;
    }
    has_transfer_encoding_ = true;
    chunked_ = true;
  } else if (equals_ignoring_case(name, "Connection")) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view option = trim(rest.substr(0, comma));
      if (equals_ignoring_case(option, "close")) connection_close_ = true;
      if (equals_ignoring_case(option, "keep-alive")) connection_keep_alive_ = true;
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  } else if (equals_ignoring_case(name, "X-Hotdeploy-Request")) {
    std::uint64_t id = 0;
    request_.request_id = parse_decimal(value, id) ? id : 0;
  }
  return true;
}

void HttpRequestParser::start_body() {
  if (has_transfer_encoding_ && request_.minor_version == 0) return fail("Transfer-Encoding in an HTTP/1.0 request");
  if (has_transfer_encoding_ && has_length_) return fail("both Content-Length and Transfer-Encoding");
  request_.keep_alive = request_.minor_version >= 1 ? !connection_close_ : connection_keep_alive_ && !connection_close_;
  if (chunked_) {
    phase_ = Phase::chunk_size;
  } else if (remaining_ > limits_.max_body_bytes) {
    fail("body over " + std::to_string(limits_.max_body_bytes) + " bytes");
  } else if (remaining_ > 0) {
    phase_ = Phase::body;
  } else {
    phase_ = Phase::done;
    state_ = State::complete;
  }
}

bool HttpRequestParser::parse_chunk_size(std::string_view line) {
  std::size_t digits = 0;
  std::uint64_t size = 0;
  while (digits < line.size()) {
    const char c = line[digits];
    int value = -1;
    if (c >= '0' && c <= '9') value = c - '0';
    if (c >= 'a' && c <= 'f') value = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') value = c - 'A' + 10;
    if (value < 0) break;
    if (++digits > 15) {
      fail("chunk size over 15 hex digits");
      return false;
    }
    size = size * 16 + static_cast<std::uint64_t>(value);
  }
  const std::string_view rest = trim(line.substr(digits));
  if (digits == 0 || (!rest.empty() && rest.front() != ';') || !is_field_value(rest)) {
    fail("malformed chunk-size line");
    return false;
  }
  if (size == 0) {
    phase_ = Phase::trailers;
    return true;
  }
  if (request_.body_bytes + size > limits_.max_body_bytes) {
    fail("body over " + std::to_string(limits_.max_body_bytes) + " bytes");
    return false;
  }
  remaining_ = size;
  phase_ = Phase::chunk_data;
  return true;
}

}  // namespace hotdeploy::harness
