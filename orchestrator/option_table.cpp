#include "orchestrator/option_table.h"

#include <algorithm>

namespace hotdeploy::orchestrator {
namespace {

std::string synopsis(const Option& option) {
  return option.value_name.empty() ? option.name : option.name + ' ' + option.value_name;
}

const Option* find_option(const std::vector<Option>& table, const std::string& name) {
  const auto found = std::find_if(table.begin(), table.end(), [&](const Option& o) { return o.name == name; });
  return found == table.end() ? nullptr : &*found;
}

}  // namespace

std::vector<std::string> parse_options(const std::vector<std::string>& args, std::size_t first,
                                       const std::vector<Option>& table) {
  std::vector<std::string> operands;
  for (std::size_t i = first; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      operands.push_back(arg);
      continue;
    }
    const auto equals = arg.starts_with("--") ? arg.find('=') : std::string::npos;
    const auto name = arg.substr(0, equals);
    const Option* option = find_option(table, name);
    if (!option) throw UsageError("unknown option '" + name + "'");
    if (option->value_name.empty()) {
      if (equals != std::string::npos) throw UsageError(name + " takes no value, got '" + arg + "'");
      option->apply("");
    } else if (equals != std::string::npos) {
      option->apply(arg.substr(equals + 1));
    } else {
      if (i + 1 >= args.size()) throw UsageError(name + " needs a value (" + synopsis(*option) + ")");
      option->apply(args[++i]);
    }
  }
  return operands;
}

std::string options_help(const std::vector<Option>& table) {
  std::size_t width = 0;
  for (const auto& option : table) width = std::max(width, synopsis(option).size());
  std::string text;
  for (const auto& option : table) {
    const auto left = synopsis(option);
    text += "  " + left + std::string(width - left.size() + 2, ' ') + option.help + '\n';
  }
  return text;
}

}  // namespace hotdeploy::orchestrator
