#include "harness/history/utf8.h"

namespace hotdeploy::harness {

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const std::size_t left = text.size() - i;
  const auto continuations = [&](std::size_t n) {
    if (left < n) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((byte(k) & 0xc0) != 0x80) return false;
    }
    return true;
  };
  const unsigned char b0 = byte(0);
  if (b0 >= 0xc2 && b0 <= 0xdf) return continuations(2) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (!continuations(3)) return 0;
    if (b0 == 0xe0 && byte(1) < 0xa0) return 0;  // overlong
    if (b0 == 0xed && byte(1) > 0x9f) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (!continuations(4)) return 0;
    if (b0 == 0xf0 && byte(1) < 0x90) return 0;  // overlong
    if (b0 == 0xf4 && byte(1) > 0x8f) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace hotdeploy::harness
