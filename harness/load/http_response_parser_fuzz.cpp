// Fuzz target for HttpResponseParser: the bytes a connection delivers, parsed as the load generator
// parses them (responses one after another on one connection, reset() between them, finish() at
// the end). Property: any split of the input into reads gives the same responses as one read, and
// each response's counters agree with what was fed.
//
// Input: byte 0 picks the limits (small ones reach every limit) and whether the first request was
// a HEAD; bytes 1-8 seed the split points; the rest is what the server sent.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "harness/load/http_response_parser.h"

namespace {

using hotdeploy::harness::HttpParserLimits;
using hotdeploy::harness::HttpResponseParser;
using hotdeploy::harness::ParseError;
using hotdeploy::harness::ParseState;

constexpr std::size_t kMaxResponses = 64;

struct Response {
  ParseState state;
  ParseError error;
  std::uint16_t status;
  std::optional<std::int32_t> worker_pid;
  bool keep_alive;
  std::uint64_t body_bytes;
  std::uint64_t bytes_consumed;

  friend bool operator==(const Response&, const Response&) = default;
};

Response response_of(const HttpResponseParser& parser) {
  return {parser.state(),      parser.error(),      parser.status(),        parser.worker_pid(),
          parser.keep_alive(), parser.body_bytes(), parser.bytes_consumed()};
}

// Stops the fuzzer at a broken property, naming the line that states it.
void require(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "http_response_parser_fuzz.cpp:%d: property does not hold\n", line);
  std::abort();
}

// Feeds `wire` in reads of the sizes `read_sizes` gives (the last read takes what is left).
std::vector<Response> parse(std::string_view wire, const HttpParserLimits& limits, bool head_first,
                            const std::vector<std::size_t>& read_sizes) {
  HttpResponseParser parser(limits);
  parser.reset(head_first);
  std::vector<Response> responses;
  std::size_t next_read = 0;
  std::uint64_t fed_to_this_response = 0;
  while (!wire.empty() && responses.size() < kMaxResponses) {
    const std::size_t size =
        next_read < read_sizes.size() ? std::min(read_sizes[next_read++], wire.size()) : wire.size();
    std::string_view read = wire.substr(0, size);
    wire.remove_prefix(size);
    while (!read.empty() && responses.size() < kMaxResponses) {
      const std::size_t used = parser.feed(read);
      require(used <= read.size());
      fed_to_this_response += used;
      read.remove_prefix(used);
      if (parser.state() == ParseState::in_progress) {
        require(read.empty());
        continue;
      }
      responses.push_back(response_of(parser));
      if (parser.state() == ParseState::failed) return responses;
      require(parser.bytes_consumed() == fed_to_this_response);
      require(parser.body_bytes() <= parser.bytes_consumed());
      require(parser.feed("x") == 0);
      parser.reset();
      fed_to_this_response = 0;
    }
  }
  if (responses.size() < kMaxResponses && (parser.bytes_consumed() > 0 || responses.empty())) {
    parser.finish();
    require(parser.state() != ParseState::in_progress);
    responses.push_back(response_of(parser));
  }
  return responses;
}

// Failed responses compare by their error alone: how much a failed parse consumed is unspecified.
bool same(const std::vector<Response>& a, const std::vector<Response>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].state != b[i].state) return false;
    if (a[i].state == ParseState::failed ? a[i].error != b[i].error : !(a[i] == b[i])) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 9) return 0;
  const std::uint8_t mode = data[0];
  std::uint64_t seed = 0;
  std::memcpy(&seed, data + 1, sizeof seed);
  const std::string_view wire(reinterpret_cast<const char*>(data + 9), size - 9);

  HttpParserLimits limits;
  if (mode & 1)
    limits = {.max_line_bytes = 16,
              .max_header_bytes = 64,
              .max_header_count = 3,
              .max_body_bytes = 32,
              .max_interim_responses = 1};
  const bool head_first = (mode & 2) != 0;

  std::vector<std::size_t> read_sizes;
  std::mt19937_64 random(seed);
  for (std::size_t total = 0; total < wire.size();) {
    const std::size_t read = 1 + random() % ((mode & 4) ? 3 : 64);
    read_sizes.push_back(read);
    total += read;
  }

  const auto whole = parse(wire, limits, head_first, {});
  const auto split = parse(wire, limits, head_first, read_sizes);
  const auto bytewise = parse(wire, limits, head_first, std::vector<std::size_t>(wire.size(), 1));
  require(same(whole, split));
  require(same(whole, bytewise));
  return 0;
}
