// A strict reader for flat JSON objects: one object whose member values are strings, numbers,
// true, false or null (no nested objects or arrays), as written by history_file.h. Anything
// else -- trailing text, duplicate keys, invalid escapes, raw control characters, leading
// zeros, nesting -- is rejected with a JsonParseError that names the byte offset. Lone
// surrogate escapes \udc80..\udcff decode to the single raw bytes 0x80..0xff (the inverse of
// json_writer.h's surrogateescape); other lone surrogates are rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hotdeploy::harness {

class JsonParseError : public std::runtime_error {
 public:
  JsonParseError(std::size_t offset, const std::string& what);
  [[nodiscard]] std::size_t offset() const;

 private:
  std::size_t offset_;
};

// A number as written in the text (already validated against the JSON grammar), converted on
// demand; each conversion returns nullopt if the number does not fit the requested type exactly.
struct JsonNumber {
  std::string text;

  [[nodiscard]] std::optional<std::int64_t> as_int64() const;
  [[nodiscard]] std::optional<std::uint64_t> as_uint64() const;
  [[nodiscard]] std::optional<double> as_double() const;
};

using JsonValue = std::variant<std::nullptr_t, bool, JsonNumber, std::string>;

struct JsonMember {
  std::string key;
  JsonValue value;
};

class FlatJsonObject {
 public:
  explicit FlatJsonObject(std::vector<JsonMember> members);

  // Members in the order they appear in the text.
  [[nodiscard]] const std::vector<JsonMember>& members() const;
  // The value of key, or nullptr if absent.
  [[nodiscard]] const JsonValue* find(std::string_view key) const;

 private:
  std::vector<JsonMember> members_;
};

// Parses text that must be exactly one flat object, optionally surrounded by JSON whitespace.
[[nodiscard]] FlatJsonObject parse_flat_object(std::string_view text);

}  // namespace hotdeploy::harness
