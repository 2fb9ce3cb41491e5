#include "harness/history/json_reader.h"

#include <charconv>
#include <cstdlib>
#include <limits>
#include <system_error>
#include <utility>

#include "harness/history/utf8.h"

namespace hotdeploy::harness {
namespace {

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  FlatJsonObject parse_object() {
    skip_whitespace();
    expect('{');
    std::vector<JsonMember> members;
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
    } else {
      while (true) {
        skip_whitespace();
        const std::size_t key_at = pos_;
        std::string key = parse_string();
        for (const JsonMember& m : members) {
          if (m.key == key) throw JsonParseError(key_at, "duplicate key \"" + key + "\"");
        }
        skip_whitespace();
        expect(':');
        skip_whitespace();
        JsonValue value = parse_value();
        members.push_back(JsonMember{std::move(key), std::move(value)});
        skip_whitespace();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        break;
      }
    }
    skip_whitespace();
    if (pos_ != text_.size()) throw JsonParseError(pos_, "unexpected text after the object");
    return FlatJsonObject(std::move(members));
  }

 private:
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  // The next byte, or '\0' at the end (never a valid continuation anywhere it is checked).
  [[nodiscard]] char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void expect(char c) {
    if (at_end()) throw JsonParseError(pos_, std::string("expected '") + c + "' but the text ended");
    if (text_[pos_] != c) throw JsonParseError(pos_, std::string("expected '") + c + "'");
    ++pos_;
  }

  void skip_whitespace() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  void expect_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) throw JsonParseError(pos_, "invalid literal");
    pos_ += word.size();
  }

  JsonValue parse_value() {
    if (at_end()) throw JsonParseError(pos_, "expected a value but the text ended");
    const char c = text_[pos_];
    switch (c) {
      case '"': return parse_string();
      case 't': expect_word("true"); return true;
      case 'f': expect_word("false"); return false;
      case 'n': expect_word("null"); return nullptr;
      case '{':
      case '[': throw JsonParseError(pos_, "nested objects and arrays are not allowed here");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
        throw JsonParseError(pos_, "expected a value");
    }
  }

  [[nodiscard]] bool digit_at(std::size_t i) const { return i < text_.size() && text_[i] >= '0' && text_[i] <= '9'; }

  JsonNumber parse_number() {
    const std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (digit_at(pos_)) throw JsonParseError(pos_, "leading zeros are not allowed");
    } else if (digit_at(pos_)) {
      while (digit_at(pos_)) ++pos_;
    } else {
      throw JsonParseError(pos_, "expected a digit");
    }
    if (peek() == '.') {
      ++pos_;
      if (!digit_at(pos_)) throw JsonParseError(pos_, "expected a digit after '.'");
      while (digit_at(pos_)) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digit_at(pos_)) throw JsonParseError(pos_, "expected a digit in the exponent");
      while (digit_at(pos_)) ++pos_;
    }
    return JsonNumber{std::string(text_.substr(start, pos_ - start))};
  }

  std::uint32_t parse_hex4() {
    if (text_.size() - pos_ < 4) throw JsonParseError(pos_, "\\u needs four hex digits");
    std::uint32_t code = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = text_[pos_++];
      code <<= 4;
      if (h >= '0' && h <= '9') {
        code |= static_cast<std::uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        code |= static_cast<std::uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        code |= static_cast<std::uint32_t>(h - 'A' + 10);
      } else {
        throw JsonParseError(pos_ - 1, "invalid hex digit in \\u escape");
      }
    }
    return code;
  }

  void parse_unicode_escape(std::string& out) {
    const std::size_t at = pos_ - 2;
    const std::uint32_t code = parse_hex4();
    if (code >= 0xd800 && code <= 0xdbff) {
      if (text_.substr(pos_, 2) != "\\u") throw JsonParseError(at, "high surrogate without a low surrogate");
      pos_ += 2;
      const std::uint32_t low = parse_hex4();
      if (low < 0xdc00 || low > 0xdfff) throw JsonParseError(at, "high surrogate without a low surrogate");
      append_utf8(out, 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00));
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      if (code < 0xdc80 || code > 0xdcff) throw JsonParseError(at, "lone low surrogate");
      out += static_cast<char>(code & 0xff);
    } else {
      append_utf8(out, code);
    }
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    while (true) {
      if (at_end()) throw JsonParseError(pos_, "unterminated string");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) throw JsonParseError(pos_, "raw control character in a string");
      if (c >= 0x80) {
        const std::size_t n = utf8_sequence_length(text_, pos_);
        if (n == 0) throw JsonParseError(pos_, "invalid UTF-8");
        out.append(text_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (at_end()) throw JsonParseError(pos_, "unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': parse_unicode_escape(out); break;
        default: throw JsonParseError(pos_ - 1, "invalid escape");
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

[[nodiscard]] bool is_integer_text(std::string_view text) {
  return text.find_first_of(".eE") == std::string_view::npos;
}

}  // namespace

JsonParseError::JsonParseError(std::size_t offset, const std::string& what)
    : std::runtime_error("JSON error at byte " + std::to_string(offset) + ": " + what), offset_(offset) {}

std::size_t JsonParseError::offset() const { return offset_; }

std::optional<std::int64_t> JsonNumber::as_int64() const {
  if (!is_integer_text(text)) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> JsonNumber::as_uint64() const {
  if (!is_integer_text(text) || text.empty() || text.front() == '-') return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<double> JsonNumber::as_double() const {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

FlatJsonObject::FlatJsonObject(std::vector<JsonMember> members) : members_(std::move(members)) {}

const std::vector<JsonMember>& FlatJsonObject::members() const { return members_; }

const JsonValue* FlatJsonObject::find(std::string_view key) const {
  for (const JsonMember& m : members_) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

FlatJsonObject parse_flat_object(std::string_view text) { return Parser(text).parse_object(); }

}  // namespace hotdeploy::harness
