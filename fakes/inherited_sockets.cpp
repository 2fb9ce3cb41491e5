#include "inherited_sockets.h"

#include <charconv>

namespace hotdeploy::fakes {
namespace {

bool is_digits(std::string_view token) {
  if (token.empty()) return false;
  for (char ch : token) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

}  // namespace

InheritedSocketsVariable parse_nginx_variable(std::string_view value) {
  InheritedSocketsVariable result;
  size_t token_start = 0;
  size_t pos = 0;
  for (; pos < value.size(); ++pos) {
    if (value[pos] != ':' && value[pos] != ';') continue;
    std::string_view token = value.substr(token_start, pos - token_start);
    int fd = -1;
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), fd);
    if (!is_digits(token) || ec != std::errc() || end != token.data() + token.size()) {
      result.emerg_messages.push_back("invalid socket number \"" + std::string(value.substr(token_start)) +
                                      "\" in NGINX environment variable, ignoring the rest of the variable");
      break;
    }
    result.fds.push_back(fd);
    token_start = pos + 1;
  }
  if (token_start != pos) {
    result.emerg_messages.push_back("invalid socket number \"" + std::string(value.substr(token_start)) +
                                    "\" in NGINX environment variable, ignoring");
  }
  return result;
}

std::string format_nginx_variable(const std::vector<int>& fds) {
  std::string value;
  for (int fd : fds) {
    value += std::to_string(fd);
    value += ';';
  }
  return value;
}

}  // namespace hotdeploy::fakes
