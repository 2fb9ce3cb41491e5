#include "harness/history/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>

#include "harness/history/utf8.h"

namespace hotdeploy::harness {
namespace {

constexpr std::string_view kHex = "0123456789abcdef";

void append_unicode_escape(std::string& out, unsigned code) {
  out += "\\u";
  out += kHex[(code >> 12) & 0xf];
  out += kHex[(code >> 8) & 0xf];
  out += kHex[(code >> 4) & 0xf];
  out += kHex[code & 0xf];
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        append_unicode_escape(out, 0xdc00u | c);
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          append_unicode_escape(out, c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

JsonWriter::JsonWriter(std::string& out, Style style) : out_(out), style_(style) {}

void JsonWriter::newline_and_indent() {
  if (style_ != Style::pretty) return;
  out_ += '\n';
  out_.append(2 * stack_.size(), ' ');
}

void JsonWriter::before_value() {
  if (stack_.empty()) {
    if (top_level_written_) throw std::logic_error("JsonWriter: a second top-level value");
    top_level_written_ = true;
    return;
  }
  if (stack_.back() == Frame::object) {
    if (!key_pending_) throw std::logic_error("JsonWriter: a value in an object needs a key first");
    key_pending_ = false;
    return;
  }
  if (!first_in_container_) out_ += ',';
  first_in_container_ = false;
  newline_and_indent();
}

void JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  stack_.push_back(Frame::object);
  first_in_container_ = true;
}

void JsonWriter::end_object() {
  if (stack_.empty() || stack_.back() != Frame::object || key_pending_) {
    throw std::logic_error("JsonWriter: end_object without a matching begin_object");
  }
  const bool empty = first_in_container_;
  stack_.pop_back();
  if (!empty) newline_and_indent();
  out_ += '}';
  first_in_container_ = false;
}

void JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  stack_.push_back(Frame::array);
  first_in_container_ = true;
}

void JsonWriter::end_array() {
  if (stack_.empty() || stack_.back() != Frame::array) {
    throw std::logic_error("JsonWriter: end_array without a matching begin_array");
  }
  const bool empty = first_in_container_;
  stack_.pop_back();
  if (!empty) newline_and_indent();
  out_ += ']';
  first_in_container_ = false;
}

void JsonWriter::key(std::string_view name) {
  if (stack_.empty() || stack_.back() != Frame::object || key_pending_) {
    throw std::logic_error("JsonWriter: a key is only allowed directly inside an object");
  }
  if (!first_in_container_) out_ += ',';
  first_in_container_ = false;
  newline_and_indent();
  append_json_string(out_, name);
  out_ += style_ == Style::pretty ? ": " : ":";
  key_pending_ = true;
}

void JsonWriter::value(std::string_view text) {
  before_value();
  append_json_string(out_, text);
}

void JsonWriter::value(const char* text) {
  if (text == nullptr) {
    null();
  } else {
    value(std::string_view(text));
  }
}

void JsonWriter::value(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
}

void JsonWriter::value(double number) {
  if (!std::isfinite(number)) {
    null();
    return;
  }
  before_value();
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  if (ec != std::errc{}) throw std::logic_error("JsonWriter: double did not fit its buffer");
  out_.append(buffer.data(), end);
}

void JsonWriter::null() {
  before_value();
  out_ += "null";
}

void JsonWriter::write_signed(std::int64_t number) {
  before_value();
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  out_.append(buffer.data(), result.ptr);
}

void JsonWriter::write_unsigned(std::uint64_t number) {
  before_value();
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  out_.append(buffer.data(), result.ptr);
}

bool JsonWriter::complete() const { return top_level_written_ && stack_.empty(); }

}  // namespace hotdeploy::harness
