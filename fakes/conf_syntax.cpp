#include "conf_syntax.h"

namespace hotdeploy::fakes {
namespace {

enum class TokenEnd { semicolon, block_start, block_end, end_of_input, error };

bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

// Removes nginx's escapes from a word that was read raw.
std::string unescape(std::string_view raw) {
  std::string word;
  word.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      char next = raw[i + 1];
      switch (next) {
        case '"':
        case '\'':
        case '\\':
          word += next;
          ++i;
          continue;
        case 't':
          word += '\t';
          ++i;
          continue;
        case 'r':
          word += '\r';
          ++i;
          continue;
        case 'n':
          word += '\n';
          ++i;
          continue;
        default: break;
      }
    }
    word += raw[i];
  }
  return word;
}

class Tokenizer {
 public:
  Tokenizer(std::string_view text, bool command_line) : text_(text), command_line_(command_line) {}

  // Reads one directive's words into `words` and says how it ended.
  TokenEnd next(std::vector<std::string>& words, int& start_line) {
    words.clear();
    start_line = line_;
    bool first_word = true;
    for (;;) {
      skip_spaces_and_comments();
      if (pos_ >= text_.size()) {
        if (!words.empty()) {
          fail(command_line_ ? "unexpected end of parameter, expecting \";\""
                             : "unexpected end of file, expecting \";\" or \"}\"");
          return TokenEnd::error;
        }
        return TokenEnd::end_of_input;
      }
      char ch = text_[pos_];
      if (ch == ';' || ch == '{') {
        ++pos_;
        if (words.empty()) {
          fail(std::string("unexpected \"") + ch + "\"");
          return TokenEnd::error;
        }
        return ch == ';' ? TokenEnd::semicolon : TokenEnd::block_start;
      }
      if (ch == '}') {
        ++pos_;
        if (!words.empty()) {
          fail("unexpected \"}\"");
          return TokenEnd::error;
        }
        return TokenEnd::block_end;
      }
      if (first_word) start_line = line_;
      first_word = false;
      std::optional<std::string> word = read_word();
      if (!word) return TokenEnd::error;
      words.push_back(std::move(*word));
    }
  }

  [[nodiscard]] const ConfError& error() const { return error_; }
  [[nodiscard]] int line() const { return line_; }

  void fail(std::string message) { error_ = ConfError{std::move(message), line_}; }

 private:
  char advance() {
    char ch = text_[pos_++];
    if (ch == '\n') ++line_;
    return ch;
  }

  void skip_spaces_and_comments() {
    while (pos_ < text_.size()) {
      char ch = text_[pos_];
      if (is_space(ch)) {
        advance();
      } else if (ch == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  std::optional<std::string> read_word() {
    char first = text_[pos_];
    if (first == '"' || first == '\'') return read_quoted(first);
    size_t start = pos_;
    bool in_variable_braces = false;
    while (pos_ < text_.size()) {
      char ch = text_[pos_];
      if (ch == '\\' && pos_ + 1 < text_.size()) {
        advance();
        advance();
        continue;
      }
      if (ch == '$' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
        in_variable_braces = true;
        advance();
        advance();
        continue;
      }
      if (in_variable_braces && ch == '}') {
        in_variable_braces = false;
        advance();
        continue;
      }
      if (is_space(ch) || ch == ';' || ch == '{') break;
      advance();
    }
    return unescape(text_.substr(start, pos_ - start));
  }

  std::optional<std::string> read_quoted(char quote) {
    advance();
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) advance();
      advance();
    }
    if (pos_ >= text_.size()) {
      fail(command_line_ ? "unexpected end of parameter, expecting \";\""
                         : "unexpected end of file, expecting \";\" or \"}\"");
      return std::nullopt;
    }
    std::string word = unescape(text_.substr(start, pos_ - start));
    advance();
    if (pos_ < text_.size()) {
      char after = text_[pos_];
      if (!is_space(after) && after != ';' && after != '{') {
        advance();
        fail(std::string("unexpected \"") + after + "\"");
        return std::nullopt;
      }
    }
    return word;
  }

  std::string_view text_;
  bool command_line_;
  size_t pos_ = 0;
  int line_ = 1;
  ConfError error_;
};

enum class Context { file, block, command_line };

// Reads directives until the end of the enclosing block (or input); false on error.
bool parse_directives(Tokenizer& tokenizer, Context context, std::vector<Directive>& out,
                      std::optional<ConfError>& error) {
  std::vector<std::string> words;
  for (;;) {
    int line = 0;
    TokenEnd end = tokenizer.next(words, line);
    switch (end) {
      case TokenEnd::error: error = tokenizer.error(); return false;
      case TokenEnd::end_of_input:
        if (context == Context::block) {
          tokenizer.fail("unexpected end of file, expecting \"}\"");
          error = tokenizer.error();
          return false;
        }
        return true;
      case TokenEnd::block_end:
        if (context != Context::block) {
          tokenizer.fail("unexpected \"}\"");
          error = tokenizer.error();
          return false;
        }
        return true;
      case TokenEnd::semicolon: {
        Directive directive;
        directive.name = words.front();
        directive.args.assign(words.begin() + 1, words.end());
        directive.line = line;
        out.push_back(std::move(directive));
        break;
      }
      case TokenEnd::block_start: {
        if (context == Context::command_line) {
          tokenizer.fail("block directives are not supported in -g option");
          error = tokenizer.error();
          return false;
        }
        Directive directive;
        directive.name = words.front();
        directive.args.assign(words.begin() + 1, words.end());
        directive.line = line;
        directive.has_block = true;
        if (!parse_directives(tokenizer, Context::block, directive.block, error)) return false;
        out.push_back(std::move(directive));
        break;
      }
    }
  }
}

ConfParse parse(std::string_view text, Context context) {
  Tokenizer tokenizer(text, context == Context::command_line);
  ConfParse result;
  if (!parse_directives(tokenizer, context, result.directives, result.error)) {
    result.directives.clear();
    if (context == Context::command_line) result.error->line = 0;
  }
  return result;
}

}  // namespace

ConfParse parse_conf_text(std::string_view text) { return parse(text, Context::file); }

ConfParse parse_conf_params(std::string_view text) { return parse(text, Context::command_line); }

}  // namespace hotdeploy::fakes
