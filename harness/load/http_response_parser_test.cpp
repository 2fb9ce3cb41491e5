#include "harness/load/http_response_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace hotdeploy::harness {
namespace {

// Feeds the whole text at once; returns the bytes consumed.
std::size_t feed_all(HttpResponseParser& p, std::string_view text) { return p.feed(text); }

// Feeds the text one byte at a time, as a slow network would deliver it.
std::size_t feed_bytewise(HttpResponseParser& p, std::string_view text) {
  std::size_t consumed = 0;
  for (std::size_t i = 0; i < text.size() && p.state() == ParseState::in_progress; ++i) {
    consumed += p.feed(text.substr(i, 1));
  }
  return consumed;
}

struct Parsed {
  ParseState state;
  ParseError error;
  std::uint16_t status;
  std::size_t consumed;
};

Parsed parse(std::string_view text, HttpParserLimits limits = {}) {
  HttpResponseParser whole(limits);
  const std::size_t consumed = feed_all(whole, text);
  HttpResponseParser bytewise(limits);
  const std::size_t consumed_bytewise = feed_bytewise(bytewise, text);
  // However the bytes are split, the outcome is the same.
  EXPECT_EQ(whole.state(), bytewise.state()) << text;
  EXPECT_EQ(whole.error(), bytewise.error()) << text;
  // After an error the connection is abandoned, so how far the parser read is not specified.
  if (whole.state() != ParseState::failed) {
    EXPECT_EQ(consumed, consumed_bytewise) << text;
    EXPECT_EQ(whole.body_bytes(), bytewise.body_bytes()) << text;
  }
  return Parsed{whole.state(), whole.error(), whole.status(), consumed};
}

ParseError error_of(std::string_view text, HttpParserLimits limits = {}) {
  const Parsed p = parse(text, limits);
  EXPECT_EQ(p.state, ParseState::failed) << text;
  return p.error;
}

TEST(HttpResponseParserTest, ContentLengthResponse) {
  HttpResponseParser p;
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Worker-Pid: 1234\r\n\r\nhello";
  EXPECT_EQ(p.feed(text), text.size());
  EXPECT_EQ(p.state(), ParseState::complete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.worker_pid(), 1234);
  EXPECT_TRUE(p.keep_alive());
  EXPECT_EQ(p.body_bytes(), 5u);
  EXPECT_EQ(p.bytes_consumed(), text.size());
  EXPECT_EQ(p.error(), ParseError::none);
}

TEST(HttpResponseParserTest, StopsAtTheEndOfTheResponse) {
  HttpResponseParser p;
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  EXPECT_EQ(p.feed(first + "HTTP/1.1 500 X\r\n"), first.size());
  EXPECT_EQ(p.state(), ParseState::complete);
  EXPECT_EQ(p.feed("more"), 0u);
}

TEST(HttpResponseParserTest, ResetPreparesForTheNextResponse) {
  HttpResponseParser p;
  const std::string first = "HTTP/1.1 404 Nope\r\nContent-Length: 0\r\nConnection: close\r\nX-Worker-Pid: 3\r\n\r\n";
  ASSERT_EQ(p.feed(first), first.size());
  EXPECT_EQ(p.status(), 404);
  EXPECT_FALSE(p.keep_alive());
  p.reset();
  EXPECT_EQ(p.state(), ParseState::in_progress);
  EXPECT_EQ(p.bytes_consumed(), 0u);
  static_cast<void>(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_EQ(p.state(), ParseState::complete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_TRUE(p.keep_alive());
  EXPECT_FALSE(p.worker_pid());
}

TEST(HttpResponseParserTest, HeaderNamesAreCaseInsensitiveAndValuesTrimmed) {
  HttpResponseParser p;
  static_cast<void>(p.feed(
      "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:\t 3 \t\r\nx-worker-PID:  77\r\nCONNECTION: Keep-Alive, CLOSE\r\n\r\nabc"));
  EXPECT_EQ(p.state(), ParseState::complete);
  EXPECT_EQ(p.body_bytes(), 3u);
  EXPECT_EQ(p.worker_pid(), 77);
  EXPECT_FALSE(p.keep_alive());
}

TEST(HttpResponseParserTest, BareLineFeedsAreAccepted) {
  const Parsed p = parse("HTTP/1.1 200 OK\nContent-Length: 1\n\nx");
  EXPECT_EQ(p.state, ParseState::complete);
}

TEST(HttpResponseParserTest, ChunkedBodyWithExtensionsAndTrailers) {
  HttpResponseParser p;
  const std::string text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "5;name=value\r\nhello\r\nA \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";
  EXPECT_EQ(feed_bytewise(p, text), text.size());
  EXPECT_EQ(p.state(), ParseState::complete);
  EXPECT_EQ(p.body_bytes(), 15u);
  EXPECT_TRUE(p.keep_alive());
}

TEST(HttpResponseParserTest, CloseDelimitedBodyCompletesAtEndOfStream) {
  HttpResponseParser p;
  static_cast<void>(p.feed("HTTP/1.1 200 OK\r\n\r\nsome body"));
  EXPECT_EQ(p.state(), ParseState::in_progress);
  EXPECT_FALSE(p.keep_alive());
  p.finish();
  EXPECT_EQ(p.state(), ParseState::complete);
  EXPECT_EQ(p.body_bytes(), 9u);
}

TEST(HttpResponseParserTest, Http10KeepsAliveOnlyWhenAsked) {
  HttpResponseParser p;
  static_cast<void>(p.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_EQ(p.state(), ParseState::complete);
  EXPECT_FALSE(p.keep_alive());
  p.reset();
  static_cast<void>(p.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_TRUE(p.keep_alive());
}

TEST(HttpResponseParserTest, InterimResponsesAreSkipped) {
  HttpResponseParser p;
  static_cast<void>(
      p.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
             "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Worker-Pid: 5\r\n\r\n"));
  EXPECT_EQ(p.state(), ParseState::complete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.worker_pid(), 5);
}

TEST(HttpResponseParserTest, NoBodyFor204And304) {
  EXPECT_EQ(parse("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n").state, ParseState::complete);
  EXPECT_EQ(parse("HTTP/1.1 304 Not Modified\r\n\r\n").state, ParseState::complete);
}

TEST(HttpResponseParserTest, NoBodyForAResponseToHead) {
  HttpResponseParser p;
  p.reset(true);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  EXPECT_EQ(p.feed(head), head.size());
  EXPECT_EQ(p.state(), ParseState::complete);
  EXPECT_TRUE(p.keep_alive());
  p.reset();  // the next request is a GET again: its body is read
  static_cast<void>(p.feed(head));
  EXPECT_EQ(p.state(), ParseState::in_progress);
}

TEST(HttpResponseParserTest, StatusLineVariants) {
  EXPECT_EQ(parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").state, ParseState::complete);
  EXPECT_EQ(parse("HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n").status, 599);
  EXPECT_EQ(error_of("HTTP/1.1 20\r\n\r\n"), ParseError::bad_status_line);
  EXPECT_EQ(error_of("HTTP/1.1 2000 OK\r\n\r\n"), ParseError::bad_status_line);
  EXPECT_EQ(error_of("HTTP/1.1 099 Low\r\n\r\n"), ParseError::bad_status_line);
  EXPECT_EQ(error_of("HTTP/1.1 abc OK\r\n\r\n"), ParseError::bad_status_line);
  EXPECT_EQ(error_of("HTTP/1.1  200 OK\r\n\r\n"), ParseError::bad_status_line);
  EXPECT_EQ(error_of("http/1.1 200 OK\r\n\r\n"), ParseError::bad_status_line);
  EXPECT_EQ(error_of("HTTP/2.0 200 OK\r\n\r\n"), ParseError::unsupported_version);
  EXPECT_EQ(error_of("HTTP/1.2 200 OK\r\n\r\n"), ParseError::unsupported_version);
  EXPECT_EQ(error_of("HTTP/1.1 200 O\x01K\r\n\r\n"), ParseError::bad_status_line);
  EXPECT_EQ(error_of("HTTP/1.1 101 Switching Protocols\r\n\r\n"), ParseError::bad_status_line);
  EXPECT_EQ(error_of("\r\nHTTP/1.1 200 OK\r\n\r\n"), ParseError::bad_status_line);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\rX\r\n\r\n"), ParseError::bad_status_line);
}

TEST(HttpResponseParserTest, MalformedHeaders) {
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n"), ParseError::bad_header);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n"), ParseError::bad_header);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nName : space before colon\r\n\r\n"), ParseError::bad_header);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n"), ParseError::bad_header);
  EXPECT_EQ(error_of(std::string("HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n", 27)), ParseError::bad_header);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n"), ParseError::bad_header);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n"), ParseError::bad_header);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nN\xc3\xa4me: v\r\n\r\n"), ParseError::bad_header);
  // obs-text in values is allowed
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nA: \xff\xfe\r\nContent-Length: 0\r\n\r\n").state, ParseState::complete);
}

TEST(HttpResponseParserTest, ContentLengthMustBeOneDecimalNumber) {
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), ParseError::bad_content_length);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n"), ParseError::bad_content_length);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"), ParseError::bad_content_length);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n"), ParseError::bad_content_length);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"), ParseError::bad_content_length);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            ParseError::bad_content_length);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            ParseError::bad_content_length);
  const Parsed same = parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(same.state, ParseState::complete);
}

TEST(HttpResponseParserTest, TransferEncodingIsOnlyPlainChunked) {
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            ParseError::unsupported_transfer_encoding);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::unsupported_transfer_encoding);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::length_and_chunked);
}

TEST(HttpResponseParserTest, MalformedChunks) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(error_of(head + "\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(error_of(head + "g\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(error_of(head + "-1\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(error_of(head + "1 x\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(error_of(head + "10000000000000000\r\n"), ParseError::bad_chunk);  // 2^64: overflows
  EXPECT_EQ(error_of(head + "1\r\nabc\r\n"), ParseError::bad_chunk);           // data longer than the size
  EXPECT_EQ(error_of(head + "0\r\nbad trailer\r\n\r\n"), ParseError::bad_header);
  EXPECT_EQ(error_of(head + "ffffffffffffffff\r\n"), ParseError::body_too_large);
}

TEST(HttpResponseParserTest, LimitsAreEnforced) {
  HttpParserLimits small;
  small.max_line_bytes = 32;
  small.max_header_bytes = 96;
  small.max_header_count = 3;
  small.max_body_bytes = 10;
  small.max_interim_responses = 2;
  EXPECT_EQ(error_of("HTTP/1.1 200 " + std::string(40, 'x') + "\r\n\r\n", small), ParseError::line_too_long);
  // A line of exactly max_line_bytes is fine, with or without its CR.
  EXPECT_EQ(parse("HTTP/1.1 200 " + std::string(19, 'x') + "\r\nContent-Length: 0\r\n\r\n", small).state,
            ParseState::complete);
  EXPECT_EQ(parse("HTTP/1.1 200 " + std::string(19, 'x') + "\nContent-Length: 0\n\n", small).state,
            ParseState::complete);
  EXPECT_EQ(error_of("HTTP/1.1 200 " + std::string(20, 'x') + "\r\n\r\n", small), ParseError::line_too_long);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", small), ParseError::too_many_headers);
  const std::string long_value(27, '7');  // each header line is 32 bytes with its CRLF
  EXPECT_EQ(
      error_of("HTTP/1.1 200 OK\r\nA: " + long_value + "\r\nB: " + long_value + "\r\nC: " + long_value + "\r\n\r\n",
               small),
      ParseError::headers_too_large);
  // A line past both limits fails on the one its first byte passes first, in one read as byte by byte.
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n" + std::string(80, 'x'), small), ParseError::line_too_long);
  EXPECT_EQ(
      error_of("HTTP/1.1 200 OK\r\nA: " + long_value + "\r\nB: " + long_value + "\r\n" + std::string(80, 'x'), small),
      ParseError::headers_too_large);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", small), ParseError::body_too_large);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", small).state, ParseState::complete);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n123456\r\n5\r\n", small),
            ParseError::body_too_large);
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\n\r\n0123456789A", small), ParseError::body_too_large);
  EXPECT_EQ(error_of("HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 B\r\n\r\nHTTP/1.1 100 C\r\n\r\n", small),
            ParseError::too_many_interim_responses);
}

TEST(HttpResponseParserTest, AnEndedStreamBeforeTheEndIsTruncated) {
  const std::vector<std::string> partial = {
      "",
      "HTTP/1.1 200",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
  };
  for (const std::string& text : partial) {
    HttpResponseParser p;
    static_cast<void>(p.feed(text));
    EXPECT_EQ(p.state(), ParseState::in_progress) << text;
    p.finish();
    EXPECT_EQ(p.state(), ParseState::failed) << text;
    EXPECT_EQ(p.error(), ParseError::truncated) << text;
  }
}

TEST(HttpResponseParserTest, WorkerPidMustBeOneValidPositiveNumber) {
  const auto pid_of = [](std::string_view headers) {
    HttpResponseParser p;
    static_cast<void>(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" + std::string(headers) + "\r\n"));
    EXPECT_EQ(p.state(), ParseState::complete) << headers;
    return p.worker_pid();
  };
  EXPECT_EQ(pid_of("X-Worker-Pid: 42\r\n"), 42);
  EXPECT_EQ(pid_of("X-Worker-Pid: 42\r\nX-Worker-Pid: 42\r\n"), 42);
  EXPECT_FALSE(pid_of("X-Worker-Pid: 42\r\nX-Worker-Pid: 43\r\n"));
  EXPECT_FALSE(pid_of("X-Worker-Pid: 0\r\n"));
  EXPECT_FALSE(pid_of("X-Worker-Pid: -5\r\n"));
  EXPECT_FALSE(pid_of("X-Worker-Pid: 2147483648\r\n"));
  EXPECT_FALSE(pid_of("X-Worker-Pid: 12abc\r\n"));
  EXPECT_FALSE(pid_of("X-Worker-Pid:\r\n"));
  EXPECT_FALSE(pid_of(""));
}

TEST(HttpResponseParserTest, ErrorNamesAreDistinct) {
  std::vector<std::string_view> names;
  for (int e = 0; e <= static_cast<int>(ParseError::truncated); ++e) {
    const std::string_view name = to_string(static_cast<ParseError>(e));
    EXPECT_NE(name, "invalid");
    for (std::string_view other : names) EXPECT_NE(name, other);
    names.push_back(name);
  }
}

// Random and mutated inputs, split at random points: the parser must always stay within its
// contract -- never consume more than given, and end in a defined state. Run under the
// sanitizer build this also proves the absence of undefined behaviour on these inputs.
TEST(HttpResponseParserTest, HostileInputNeverBreaksTheContract) {
  const std::vector<std::string> seeds = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Worker-Pid: 1\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nT: x\r\n\r\n",
      "HTTP/1.0 100 Continue\r\n\r\nHTTP/1.1 204 No\r\n\r\n",
      "HTTP/1.1 200 OK\r\n\r\nclose delimited",
  };
  HttpParserLimits limits;
  limits.max_line_bytes = 64;
  limits.max_header_bytes = 256;
  limits.max_header_count = 8;
  limits.max_body_bytes = 128;
  std::mt19937_64 rng(20240601);
  HttpResponseParser p(limits);
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    if (round % 2 == 0) {
      input = seeds[rng() % seeds.size()];
      const int mutations = 1 + static_cast<int>(rng() % 4);
      for (int m = 0; m < mutations && !input.empty(); ++m) {
        const std::size_t at = rng() % input.size();
        switch (rng() % 3) {
          case 0: input[at] = static_cast<char>(rng() & 0xff); break;
          case 1: input.erase(at, 1 + rng() % 3); break;
          default: input.insert(at, std::string(1 + rng() % 80, static_cast<char>(rng() & 0xff))); break;
        }
      }
    } else {
      input.resize(rng() % 300);
      static constexpr char kAlphabet[] = "HTP/1.0 2\r\n:;-abcdefx\0\x7f\xff";
      constexpr std::string_view alphabet(kAlphabet, sizeof kAlphabet - 1);
      for (char& c : input) c = alphabet[rng() % alphabet.size()];
    }
    p.reset();
    std::size_t offset = 0;
    while (offset < input.size() && p.state() == ParseState::in_progress) {
      const std::size_t piece = 1 + rng() % 17;
      const std::string_view chunk = std::string_view(input).substr(offset, piece);
      const std::size_t consumed = p.feed(chunk);
      ASSERT_LE(consumed, chunk.size());
      if (p.state() == ParseState::in_progress) {
        ASSERT_EQ(consumed, chunk.size());
      }
      offset += consumed;
      if (consumed < chunk.size()) break;
    }
    ASSERT_EQ(p.bytes_consumed(), offset);
    ASSERT_LE(p.body_bytes(), limits.max_body_bytes);
    p.finish();
    ASSERT_NE(p.state(), ParseState::in_progress);
    ASSERT_EQ(p.state() == ParseState::failed, p.error() != ParseError::none);
  }
}

}  // namespace
}  // namespace hotdeploy::harness
