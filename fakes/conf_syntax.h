// Conf syntax: nginx.conf text to a tree of directives, following nginx's own grammar.
//
// A directive is words ended by `;`, or words followed by a `{ ... }` block. Words may be
// single- or double-quoted (with `\"`, `\'`, `\\`, `\t`, `\r`, `\n` escapes), `#` starts a
// comment at the start of a word, `${name}` is kept as written. Every directive carries
// the line it started on. A syntax error is reported with nginx's exact wording and the
// line nginx would name (`unexpected "}"`, `unexpected end of file, expecting "}"`, ...).
// The parser knows nothing about what directives mean.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hotdeploy::fakes {

struct Directive {
  std::string name;
  std::vector<std::string> args;
  int line = 0;
  std::string file;  // set for directives read through `include`; empty for the main file
  bool has_block = false;
  std::vector<Directive> block;
};

struct ConfError {
  std::string message;  // without location, e.g. `unexpected "}"`
  int line = 0;         // 0: no line applies
};

struct ConfParse {
  std::vector<Directive> directives;
  std::optional<ConfError> error;
};

// Parses a whole file's text.
[[nodiscard]] ConfParse parse_conf_text(std::string_view text);

// Parses a `-g` argument: directives without blocks, nginx's "in command line" form.
[[nodiscard]] ConfParse parse_conf_params(std::string_view text);

}  // namespace hotdeploy::fakes
