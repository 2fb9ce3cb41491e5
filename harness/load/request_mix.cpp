#include "harness/load/request_mix.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace hotdeploy::harness {
namespace {

// RFC 9110 §5.6.2: tchar.
bool token_char(char c) {
  const auto b = static_cast<unsigned char>(c);
  if (std::isalnum(b)) return true;
  constexpr std::string_view kOthers = "!#$%&'*+-.^_`|~";
  return kOthers.find(c) != std::string_view::npos;
}

bool token(std::string_view text) { return !text.empty() && std::all_of(text.begin(), text.end(), token_char); }

bool request_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return false;
  return std::all_of(target.begin(), target.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b > 0x20 && b < 0x7f && c != '#';
  });
}

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'; }

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

RequestUrl parse_request_url(std::string_view url, std::string& error) {
  RequestUrl parsed;
  error.clear();
  if (url.starts_with("/")) {
    if (!request_target(url)) error = "the path holds a space, a control byte or a '#'";
    parsed.target = std::string(url);
    return parsed;
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "a url is http://HOST[:PORT]/PATH or a path starting with '/'";
    return parsed;
  }
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme != "http") {
    error = "scheme '" + scheme + "' is not supported: the load speaks plain HTTP/1.1 (http://)";
    return parsed;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  std::string_view path = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    error = "a url with user information is not supported";
    return parsed;
  }
  std::string_view host = authority;
  std::string_view port;
  if (host.starts_with("[")) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      error = "an IPv6 host has no closing ']'";
      return parsed;
    }
    const std::string_view inside = host.substr(1, close - 1);
    if (inside.empty() || !std::all_of(inside.begin(), inside.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      error = "the IPv6 host is not an address";
      return parsed;
    }
    port = host.substr(close + 1);
    host = host.substr(0, close + 1);
    if (!port.empty() && !port.starts_with(":")) {
      error = "something other than a port follows the IPv6 host";
      return parsed;
    }
    if (!port.empty()) port.remove_prefix(1);
  } else {
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), host_char)) {
      error = "the host '" + std::string(host) + "' is not a name of letters, digits, '-', '.' and '_'";
      return parsed;
    }
  }
  if (authority.find(':') != std::string_view::npos && !host.starts_with("[") && port.empty()) {
    error = "the port after ':' is missing";
    return parsed;
  }
  if (!port.empty()) {
    unsigned long value = 0;
    const bool digits =
        port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) value = std::stoul(std::string(port));
    if (!digits || value < 1 || value > 65535) {
      error = "the port '" + std::string(port) + "' is not within 1..65535";
      return parsed;
    }
    parsed.port = static_cast<std::uint16_t>(value);
  }
  parsed.host = std::string(host) + (port.empty() ? "" : ":" + std::string(port));
  parsed.target = path.empty() ? "/" : path.starts_with("?") ? "/" + std::string(path) : std::string(path);
  if (!request_target(parsed.target)) error = "the path holds a space, a control byte or a '#'";
  return parsed;
}

std::optional<std::string> mix_error(const std::vector<MixRequest>& mix) {
  static const std::set<std::string> kOurs = {"host", "content-length", "transfer-encoding", "connection",
                                              lower(kRequestIdHeader)};
  std::set<std::string> names;
  for (const MixRequest& r : mix) {
    const std::string which = "request '" + r.name + "'";
    if (r.name.empty()) return "a request has an empty name";
    if (r.name.size() > kMaxRequestNameBytes) {
      return which + ": a name has at most " + std::to_string(kMaxRequestNameBytes) + " bytes";
    }
    if (!std::all_of(r.name.begin(), r.name.end(), name_char)) {
      return which + ": a name holds only letters, digits, '_', '-' and '.'";
    }
    if (!names.insert(r.name).second) return which + " is named twice";
    if (!token(r.method)) return which + ": method '" + r.method + "' is not an HTTP token";
    if (!request_target(r.target)) return which + ": '" + r.target + "' is not a path (it must start with '/')";
    if (!r.host.empty() && !std::all_of(r.host.begin(), r.host.end(),
                                        [](char c) { return host_char(c) || c == ':' || c == '[' || c == ']'; })) {
      return which + ": host '" + r.host + "' holds a byte a Host header cannot";
    }
    for (const auto& [name, value] : r.headers) {
      if (!token(name)) return which + ": header name '" + name + "' is not an HTTP token";
      if (kOurs.contains(lower(name))) {
        return which + ": header " + name + " is set by hotdeploy (Host comes from the url; " +
               "Content-Length from the body)";
      }
      if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        return which + ": header " + name + "'s value holds CR, LF or NUL";
      }
    }
    if (r.weight < 1 || r.weight > kMaxWeight) {
      return which + ": weight must be within 1.." + std::to_string(kMaxWeight);
    }
    if (r.body.size() > kMaxBodyBytes)
      return which + ": a body has at most " + std::to_string(kMaxBodyBytes) + " bytes";
    for (const StatusRange& s : r.expect_status) {
      if (s.low < 100 || s.high > 599 || s.low > s.high) {
        return which + ": expected statuses " + std::to_string(s.low) + ".." + std::to_string(s.high) +
               " are not within 100..599";
      }
    }
  }
  return std::nullopt;
}

bool idempotent(std::string_view method) {
  constexpr std::array<std::string_view, 6> kIdempotent = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"};
  return std::find(kIdempotent.begin(), kIdempotent.end(), method) != kIdempotent.end();
}

bool status_expected(const MixRequest& request, std::uint16_t status) {
  if (request.expect_status.empty()) return status >= 200 && status <= 399;
  return std::any_of(request.expect_status.begin(), request.expect_status.end(),
                     [status](const StatusRange& s) { return status >= s.low && status <= s.high; });
}

Reason reason_for_status(std::uint16_t status) {
  if (status == 502) return Reason::bad_gateway;
  if (status == 504) return Reason::gateway_timeout;
  return Reason::bad_status;
}

RequestBytes request_bytes(const MixRequest& request, std::string_view host_header) {
  RequestBytes bytes;
  bytes.head = request.method + " " + request.target +
               " HTTP/1.1\r\nHost: " + (request.host.empty() ? std::string(host_header) : request.host) +
               "\r\nUser-Agent: hotdeploy\r\n";
  for (const auto& [name, value] : request.headers) bytes.head += name + ": " + value + "\r\n";
  bytes.head += std::string(kRequestIdHeader) + ": ";
  bytes.tail = "\r\n";
  if (!request.body.empty()) bytes.tail += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  bytes.tail += "\r\n" + request.body;
  return bytes;
}

std::vector<std::uint64_t> cumulative_weights(const std::vector<MixRequest>& mix) {
  std::vector<std::uint64_t> cumulative;
  std::uint64_t total = 0;
  for (const MixRequest& r : mix) cumulative.push_back(total += r.weight);
  return cumulative;
}

MixPicker::MixPicker(const std::vector<std::uint64_t>* cumulative, std::uint64_t seed, std::uint64_t stream)
    : cumulative_(cumulative), state_(seed) {
  // Mix the stream in through the generator itself, so that neighbouring streams do not start
  // on neighbouring states.
  std::uint64_t mixer = stream ^ 0x6a09e667f3bcc909ULL;
  state_ ^= splitmix64(mixer);
}

std::size_t MixPicker::next() {
  const std::uint64_t total = cumulative_->back();
  // Lemire's multiply-shift: a uniform draw in [0, total) without a division (its bias, below
  // total / 2^64, is far under what any count can show).
  const auto draw = static_cast<std::uint64_t>((static_cast<unsigned __int128>(splitmix64(state_)) * total) >> 64);
  return static_cast<std::size_t>(std::upper_bound(cumulative_->begin(), cumulative_->end(), draw) -
                                  cumulative_->begin());
}

}  // namespace hotdeploy::harness
