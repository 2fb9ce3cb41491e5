// Fuzz target for fake-nginx's command line (command_line.h). Properties: a command line is either
// refused with a message or gives options that, written back as one option per word (-tq as -t -q,
// -p/srv as -p /srv), parse to the same options; -v's text is nginx's first line.
//
// Input: the words after argv[0], separated by NUL bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "command_line.h"

namespace {

using hotdeploy::fakes::CommandLine;

// Stops the fuzzer at a broken property, naming the line that states it.
void require(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "command_line_fuzz.cpp:%d: property does not hold\n", line);
  std::abort();
}

std::vector<std::string> words_of(const CommandLine& options) {
  std::vector<std::string> argv{"nginx"};
  auto flag = [&argv](bool on, const char* word) {
    if (on) argv.emplace_back(word);
  };
  auto valued = [&argv](const std::optional<std::string>& value, const char* word) {
    if (!value) return;
    argv.emplace_back(word);
    argv.push_back(*value);
  };
  flag(options.show_help, "-h");
  flag(options.show_version && !options.show_help && !options.show_configure, "-v");
  flag(options.show_configure, "-V");
  flag(options.dump_config, "-T");
  flag(options.test_config && !options.dump_config, "-t");
  flag(options.quiet, "-q");
  valued(options.signal, "-s");
  valued(options.prefix, "-p");
  if (options.error_log)
    valued(options.error_log->empty() ? std::optional<std::string>("stderr") : options.error_log, "-e");
  valued(options.conf_file, "-c");
  valued(options.global_directives, "-g");
  return argv;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> argv{"nginx"};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const std::size_t end = input.find('\0');
    argv.emplace_back(input.substr(0, end));
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  }
  const auto parse = hotdeploy::fakes::parse_command_line(argv);
  if (parse.error) {
    require(!parse.error->empty());
    return 0;
  }
  const auto again = hotdeploy::fakes::parse_command_line(words_of(parse.options));
  require(!again.error);
  require(again.options == parse.options);
  if (parse.options.show_version) {
    const std::string text = hotdeploy::fakes::version_text(parse.options, hotdeploy::fakes::BinaryIdentity{});
    require(text.starts_with("nginx version: fake-nginx/1.0\n"));
  }
  return 0;
}
