#include "harness/upstream/http_request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace hotdeploy::harness {
namespace {

using State = HttpRequestParser::State;

// Feeds text in pieces of `step` bytes, as a socket may deliver it; returns the bytes used.
std::size_t feed_in_pieces(HttpRequestParser& parser, std::string_view text, std::size_t step) {
  std::size_t used = 0;
  while (used < text.size() && parser.state() == State::in_progress) {
    const std::string_view piece = text.substr(used, step);
    const std::size_t n = parser.feed(piece);
    used += n;
    if (n < piece.size()) break;  // the request ended inside the piece
  }
  return used;
}

TEST(HttpRequestParserTest, ReadsAGetAndItsKeepAliveDefault) {
  HttpRequestParser parser;
  const std::string text = "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Hotdeploy-Request: 42\r\n\r\n";
  EXPECT_EQ(parser.feed(text), text.size());
  ASSERT_EQ(parser.state(), State::complete);
  EXPECT_EQ(parser.request().method, "GET");
  EXPECT_EQ(parser.request().target, "/a?b=1");
  EXPECT_EQ(parser.request().minor_version, 1);
  EXPECT_TRUE(parser.request().keep_alive);
  EXPECT_EQ(parser.request().request_id, 42U);
  EXPECT_EQ(parser.request().body_bytes, 0U);
}

TEST(HttpRequestParserTest, ConnectionHeaderDecidesKeepAliveByVersion) {
  const auto keep_alive = [](std::string_view text) {
    HttpRequestParser parser;
    (void)parser.feed(text);
    EXPECT_EQ(parser.state(), State::complete) << text;
    return parser.request().keep_alive;
  };
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nconnection: Upgrade, CLOSE\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_TRUE(keep_alive("GET / HTTP/1.1\n\n"));  // bare LF line ends
}

TEST(HttpRequestParserTest, ReadsAContentLengthBodyDeliveredByteByByte) {
  const std::string body(1000, 'b');
  const std::string text = "POST /echo HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + body + "GET /next HTTP/1.1\r\n\r\n";
  HttpRequestParser parser;
  const std::size_t used = feed_in_pieces(parser, text, 1);
  ASSERT_EQ(parser.state(), State::complete) << parser.error();
  EXPECT_EQ(parser.request().body_bytes, 1000U);
  EXPECT_EQ(text.substr(used), "GET /next HTTP/1.1\r\n\r\n");  // the next request is left for it
  parser.reset();
  EXPECT_EQ(parser.feed(text.substr(used)), text.size() - used);
  EXPECT_EQ(parser.state(), State::complete);
  EXPECT_EQ(parser.request().target, "/next");
}

TEST(HttpRequestParserTest, ReadsAChunkedBodyWithExtensionsAndTrailersInAnyPieces) {
  const std::string text =
      "POST /up HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n";
  for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{7}, text.size()}) {
    HttpRequestParser parser;
    EXPECT_EQ(feed_in_pieces(parser, text, step), text.size()) << step;
    ASSERT_EQ(parser.state(), State::complete) << step << ": " << parser.error();
    EXPECT_EQ(parser.request().body_bytes, 31U);
  }
}

TEST(HttpRequestParserTest, IgnoresEmptyLinesBeforeTheRequestLine) {
  HttpRequestParser parser;
  (void)parser.feed("\r\n\r\n");
  EXPECT_FALSE(parser.started());
  (void)parser.feed("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(parser.state(), State::complete);
}

TEST(HttpRequestParserTest, AnIdThatIsNotADecimalNumberIsNone) {
  HttpRequestParser parser;
  (void)parser.feed("GET / HTTP/1.1\r\nX-Hotdeploy-Request: 12x\r\n\r\n");
  ASSERT_EQ(parser.state(), State::complete);
  EXPECT_EQ(parser.request().request_id, 0U);
}

TEST(HttpRequestParserTest, RefusesMalformedAndHostileRequests) {
  const std::string_view cases[] = {
      "GET /\r\n\r\n",                                                               // no version
      "GET  / HTTP/1.1\r\n\r\n",                                                     // empty target
      "G(T / HTTP/1.1\r\n\r\n",                                                      // method not a token
      "GET / HTTP/2.0\r\n\r\n",                                                      // not HTTP/1.x
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",                                            // an h2 preface
      "GET / HTTP/1.1\r\nHost : x\r\n\r\n",                                          // space before the colon
      "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",                                        // obsolete folding
      "GET / HTTP/1.1\r\nNoColon\r\n\r\n",                                           // no colon
      "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",                                          // control byte
      "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",                                           // bare CR
      "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",                               // bad length
      "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",           // conflicting lengths
      "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",                               // negative length
      "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",  // smuggling
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",                 // other coding
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",              // TE in HTTP/1.0
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",                 // bad chunk size
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",           // chunk overrun
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",   // 16 hex digits
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
  };
  for (std::string_view text : cases) {
    HttpRequestParser parser;
    (void)parser.feed(text);
    EXPECT_EQ(parser.state(), State::failed) << text;
    EXPECT_FALSE(parser.error().empty()) << text;
  }
}

TEST(HttpRequestParserTest, LimitsBoundTheHeadTheBodyAndTheTrailers) {
  HttpRequestLimits limits;
  limits.max_head_bytes = 64;
  limits.max_body_bytes = 10;
  limits.max_trailer_bytes = 16;
  {
    HttpRequestParser parser(limits);
    (void)parser.feed("GET / HTTP/1.1\r\nA: " + std::string(100, 'a'));  // never ends: still refused
    EXPECT_EQ(parser.state(), State::failed);
    EXPECT_EQ(parser.error(), "request head over 64 bytes");
  }
  {
    HttpRequestParser parser(limits);
    (void)parser.feed("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
    EXPECT_EQ(parser.state(), State::failed);
  }
  {
    HttpRequestParser parser(limits);
    (void)parser.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n");
    EXPECT_EQ(parser.state(), State::failed);
  }
  {
    HttpRequestParser parser(limits);
    (void)parser.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 22222222222\r\n");
    EXPECT_EQ(parser.state(), State::failed);
  }
}

TEST(HttpRequestParserTest, KeepsTheRequestLineOfARequestRefusedLater) {
  HttpRequestParser parser;
  (void)parser.feed("PUT /x HTTP/1.1\r\nContent-Length: q\r\n\r\n");
  ASSERT_EQ(parser.state(), State::failed);
  EXPECT_EQ(parser.request().method, "PUT");
  EXPECT_EQ(parser.request().target, "/x");
}

}  // namespace
}  // namespace hotdeploy::harness
