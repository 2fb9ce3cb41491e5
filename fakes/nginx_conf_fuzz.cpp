// Fuzz target for fake-nginx's nginx.conf reading: the syntax (conf_syntax.h) for a file and for a
// -g argument, then what the fake acts on (config.h). Properties: a text that parses, written back
// with every word quoted, parses to the same tree (names, words, blocks); lines never go backwards
// and name a line of the text; an error names a line of the text and has a message; interpreting a
// tree either gives a config whose numbers are in range or an error message.
//
// Input: the file's text, then optionally a NUL byte and the -g argument.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "conf_syntax.h"
#include "config.h"

namespace {

using hotdeploy::fakes::ConfParse;
using hotdeploy::fakes::Directive;

// Stops the fuzzer at a broken property, naming the line that states it.
void require(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "nginx_conf_fuzz.cpp:%d: property does not hold\n", line);
  std::abort();
}

// A word in double quotes, with the two bytes that need it escaped.
void write_word(const std::string& word, std::string& out) {
  out += '"';
  for (char ch : word) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

void write_directives(const std::vector<Directive>& directives, std::string& out) {
  for (const Directive& d : directives) {
    write_word(d.name, out);
    for (const std::string& arg : d.args) {
      out += ' ';
      write_word(arg, out);
    }
    if (d.has_block) {
      out += " {\n";
      write_directives(d.block, out);
      out += "}\n";
    } else {
      out += ";\n";
    }
  }
}

bool same_tree(const std::vector<Directive>& a, const std::vector<Directive>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].args != b[i].args || a[i].has_block != b[i].has_block) return false;
    if (!same_tree(a[i].block, b[i].block)) return false;
  }
  return true;
}

// Lines in document order never go backwards and stay within the text's lines.
void check_lines(const std::vector<Directive>& directives, int& last, int line_count) {
  for (const Directive& d : directives) {
    require(d.line >= last && d.line <= line_count);
    last = d.line;
    check_lines(d.block, last, line_count);
  }
}

void check_parse(const ConfParse& parse, std::string_view text, bool command_line) {
  const int line_count = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  if (parse.error) {
    require(!parse.error->message.empty() && parse.directives.empty());
    require(command_line ? parse.error->line == 0 : parse.error->line >= 1 && parse.error->line <= line_count);
    return;
  }
  int last = 1;
  check_lines(parse.directives, last, line_count);
  std::string written;
  write_directives(parse.directives, written);
  const ConfParse again =
      command_line ? hotdeploy::fakes::parse_conf_params(written) : hotdeploy::fakes::parse_conf_text(written);
  require(!again.error);
  require(same_tree(parse.directives, again.directives));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  const std::string_view file_text = input.substr(0, split);
  const ConfParse file = hotdeploy::fakes::parse_conf_text(file_text);
  check_parse(file, file_text, false);
  ConfParse global;
  if (split != std::string_view::npos) {
    const std::string_view params = input.substr(split + 1);
    global = hotdeploy::fakes::parse_conf_params(params);
    check_parse(global, params, true);
  }
  if (file.error || global.error) return 0;

  const auto load =
      hotdeploy::fakes::interpret_config(file.directives, global.directives, "/fuzz/conf/nginx.conf", "/fuzz/");
  if (!load.config) {
    require(!load.error.empty());
    return 0;
  }
  const auto& config = *load.config;
  require(config.worker_processes >= 0 && config.worker_connections >= 1);
  for (const auto& listen : config.listens) require(listen.backlog > 0);
  for (const auto& zone : config.limit_req_zones) require(zone.rate > 0);
  for (const auto& rule : config.limit_req_rules) require(rule.burst >= 0 && rule.delay >= 0);
  require(config.worker_shutdown_timeout.count() >= 0);
  return 0;
}
