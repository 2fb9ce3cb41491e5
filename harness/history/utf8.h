// UTF-8 well-formedness, shared by the JSON writer (which escapes every byte outside a
// well-formed sequence) and the JSON reader (which rejects such bytes when they appear raw).
#pragma once

#include <cstddef>
#include <string_view>

namespace hotdeploy::harness {

// Length (2..4) of the well-formed multi-byte UTF-8 sequence starting at text[i] (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or 0 if there is none there.
// Requires i < text.size().
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

}  // namespace hotdeploy::harness
