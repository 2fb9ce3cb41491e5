// The NGINX environment variable: the listening descriptors an old master hands over.
//
// `NGINX=6;7;` names descriptors 6 and 7; `;` or `:` ends each number. Parsing follows
// nginx: a token that is not a number stops the parse with an emerg message naming the
// rest of the variable, and text after the last terminator is reported too (nginx can
// log both lines for one bad variable). The variable counts as present even when no
// number in it is valid: that is what makes the new binary skip daemonizing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hotdeploy::fakes {

inline constexpr std::string_view kNginxVariableName = "NGINX";

struct InheritedSocketsVariable {
  std::vector<int> fds;
  std::vector<std::string> emerg_messages;
};

[[nodiscard]] InheritedSocketsVariable parse_nginx_variable(std::string_view value);

// `fd;fd;` as the old master writes it.
[[nodiscard]] std::string format_nginx_variable(const std::vector<int>& fds);

}  // namespace hotdeploy::fakes
