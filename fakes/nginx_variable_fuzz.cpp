// Fuzz target for the NGINX environment variable (inherited_sockets.h). Properties: every number it
// gives is a descriptor (not negative); the numbers, written as an old master writes them, parse
// back to the same numbers without a message; a value that parsed without a message is, up to
// leading zeros and `:` for `;`, what format_nginx_variable writes; and a value with no number
// terminated by `;` or `:` gives no number.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "inherited_sockets.h"

namespace {

// Stops the fuzzer at a broken property, naming the line that states it.
void require(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "nginx_variable_fuzz.cpp:%d: property does not hold\n", line);
  std::abort();
}

// The value with `:` written as `;` and each number's leading zeros dropped.
std::string canonical(std::string_view value) {
  std::string out;
  bool in_number = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char ch = value[i] == ':' ? ';' : value[i];
    const bool last_digit = i + 1 == value.size() || value[i + 1] < '0' || value[i + 1] > '9';
    if (ch == '0' && !in_number && !last_digit) continue;
    in_number = ch >= '0' && ch <= '9';
    out += ch;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto parsed = hotdeploy::fakes::parse_nginx_variable(value);
  for (int fd : parsed.fds) require(fd >= 0);
  for (const auto& message : parsed.emerg_messages) require(message.starts_with("invalid socket number \""));
  const std::string written = hotdeploy::fakes::format_nginx_variable(parsed.fds);
  const auto again = hotdeploy::fakes::parse_nginx_variable(written);
  require(again.fds == parsed.fds && again.emerg_messages.empty());
  if (parsed.emerg_messages.empty()) require(canonical(value) == written);
  if (value.find_first_of(";:") == std::string_view::npos) require(parsed.fds.empty());
  return 0;
}
