// JsonWriter: a small streaming JSON writer that appends to a std::string. It inserts commas,
// colons and (optionally) indentation itself and throws std::logic_error on misuse (a value
// where a key is required, a mismatched end, a second top-level value), so what it produces is
// always well-formed once complete() is true.
//
// Strings are escaped so that the output is plain ASCII-safe, valid UTF-8 JSON whatever bytes
// come in: quote, backslash and control characters are escaped; well-formed UTF-8 sequences
// pass through unchanged; every byte that is not part of a well-formed UTF-8 sequence is
// written as the lone low surrogate \udc80..\udcff ("surrogateescape", as Python does), which
// json_reader.h turns back into the original byte. Non-finite doubles are written as null.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hotdeploy::harness {

// Appends text as a JSON string literal (with the quotes) to out.
void append_json_string(std::string& out, std::string_view text);

class JsonWriter {
 public:
  enum class Style : std::uint8_t { compact, pretty };  // pretty: two-space indentation, one member per line

  explicit JsonWriter(std::string& out, Style style = Style::compact);
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(std::string_view name);

  void value(std::string_view text);
  void value(const char* text);  // nullptr is written as null
  void value(bool flag);
  void value(double number);
  void null();
  template <std::signed_integral T>
  requires(!std::same_as<T, bool>) void value(T number) { write_signed(static_cast<std::int64_t>(number)); }
  template <std::unsigned_integral T>
  requires(!std::same_as<T, bool>) void value(T number) { write_unsigned(static_cast<std::uint64_t>(number)); }

  // key(name) followed by value(v).
  template <typename T>
  void member(std::string_view name, const T& v) {
    key(name);
    value(v);
  }

  // True once exactly one top-level value has been written and every container is closed.
  [[nodiscard]] bool complete() const;

 private:
  enum class Frame : std::uint8_t { object, array };

  void before_value();
  void write_signed(std::int64_t number);
  void write_unsigned(std::uint64_t number);
  void newline_and_indent();

  std::string& out_;
  Style style_;
  std::vector<Frame> stack_;
  bool first_in_container_ = true;
  bool key_pending_ = false;
  bool top_level_written_ = false;
};

}  // namespace hotdeploy::harness
