// CommandLine: nginx's options, parsed with nginx's rules and messages.
//
// `-?`/`-h` help, `-v` version, `-V` version and configure options, `-t` test config,
// `-T` test and dump, `-q` quiet test, `-s stop|quit|reopen|reload`, `-p prefix`,
// `-e file|stderr`, `-c file`, `-g directives`. Flags combine (`-tq`); option values may
// be attached (`-p/srv`) or follow. An error is nginx's text without the `nginx: ` prefix,
// e.g. `invalid option: "x"`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "binary_identity.h"

namespace hotdeploy::fakes {

struct CommandLine {
  bool show_version = false;
  bool show_help = false;
  bool show_configure = false;
  bool test_config = false;
  bool dump_config = false;
  bool quiet = false;
  std::optional<std::string> signal;  // stop, quit, reopen, reload
  std::optional<std::string> prefix;
  std::optional<std::string> error_log;  // "" means stderr
  std::optional<std::string> conf_file;
  std::optional<std::string> global_directives;

  friend bool operator==(const CommandLine&, const CommandLine&) = default;
};

struct CommandLineParse {
  CommandLine options;
  std::optional<std::string> error;
};

[[nodiscard]] CommandLineParse parse_command_line(const std::vector<std::string>& argv);

// The text nginx prints for -v, -V and -h (to stderr). The version names the fake and the
// executable's label; -V's configure line lists its faults.
[[nodiscard]] std::string version_text(const CommandLine& options, const BinaryIdentity& identity);

}  // namespace hotdeploy::fakes
