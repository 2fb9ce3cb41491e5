// A command's options as one table that both the parser and --help read, so the help can never
// list an option the parser does not take or miss one it does. Options are written `--name VALUE`
// or `--name=VALUE` (flags take no value); anything else that starts with '-' is an unknown
// option, and the rest are the command's operands, in order.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

// Bad command-line usage: the CLI prints its message on one line and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Option {
  std::string name;                                     // "--out", "-v"
  std::string value_name;                               // "DIR"; empty for a flag
  std::string help;                                     // one line
  std::function<void(const std::string& value)> apply;  // a flag's value is ""
};

// Applies the options in args[first...] in order; returns the operands. Throws UsageError (or
// whatever an Option's apply throws) naming the option.
[[nodiscard]] std::vector<std::string> parse_options(const std::vector<std::string>& args, std::size_t first,
                                                     const std::vector<Option>& table);

// The table as help text: a line per option, "  --name VALUE" padded to one column, then its help.
[[nodiscard]] std::string options_help(const std::vector<Option>& table);

}  // namespace hotdeploy::orchestrator
