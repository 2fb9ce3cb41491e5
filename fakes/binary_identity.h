// BinaryIdentity: the version label and faults a fake-nginx executable carries in itself.
//
// They live in a trailer appended to the executable file, so they travel with the file
// a scenario installs and survive any exec of it, by fake-nginx or by real nginx (which
// passes almost no environment). fake-nginx reads its own trailer from /proc/self/exe at
// start; an executable without one is version "1.0" with no faults.
//
// Trailer layout (all text, after the ELF image, which the loader ignores):
//   fake-nginx identity\n
//   version=<label>\n
//   fault=<fault>\n          (zero or more, text form of faults.h)
//   <payload length, 16 decimal digits>\n
//   FAKE-NGINX-TRAILER\n    (the magic, always the last 19 bytes)
// The payload length counts the lines before it. Stamping a stamped file replaces its
// trailer.
#pragma once

#include <optional>
#include <string>

#include "faults.h"

namespace hotdeploy::fakes {

struct BinaryIdentity {
  std::string version_label = "1.0";
  Faults faults;
};

struct IdentityRead {
  BinaryIdentity identity;
  std::string error;  // a trailer was found but is malformed
};

[[nodiscard]] std::string format_trailer(const BinaryIdentity& identity);
// Reads the trailer at the end of `file_contents` (the default identity when there is none).
[[nodiscard]] IdentityRead parse_trailer(std::string_view file_contents);
// Reads the trailer of the executable at `path`.
[[nodiscard]] IdentityRead read_binary_identity(const std::string& path);
// Writes `output` (mode 0755): `input` without its trailer, then a trailer for `identity`.
// Returns an error message, or nothing on success.
[[nodiscard]] std::optional<std::string> write_stamped_binary(const std::string& input, const std::string& output,
                                                              const BinaryIdentity& identity);

}  // namespace hotdeploy::fakes
