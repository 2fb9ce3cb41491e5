#include "command_line.h"

namespace hotdeploy::fakes {

CommandLineParse parse_command_line(const std::vector<std::string>& argv) {
  CommandLineParse result;
  CommandLine& options = result.options;
  auto fail = [&result](std::string message) {
    result.error = std::move(message);
    return result;
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.empty() || arg[0] != '-') return fail("invalid option: \"" + arg + "\"");
    for (size_t pos = 1; pos < arg.size();) {
      char flag = arg[pos++];
      // The value of -p/-e/-c/-g/-s: the rest of this word, or the next word.
      auto value = [&]() -> std::optional<std::string> {
        if (pos < arg.size()) {
          std::string rest = arg.substr(pos);
          pos = arg.size();
          return rest;
        }
        pos = arg.size();
        if (i + 1 < argv.size()) return argv[++i];
        return std::nullopt;
      };
      switch (flag) {
        case '?':
        case 'h': options.show_version = options.show_help = true; break;
        case 'v': options.show_version = true; break;
        case 'V': options.show_version = options.show_configure = true; break;
        case 't': options.test_config = true; break;
        case 'T': options.test_config = options.dump_config = true; break;
        case 'q': options.quiet = true; break;
        case 'p':
          options.prefix = value();
          if (!options.prefix) return fail("option \"-p\" requires directory name");
          break;
        case 'e':
          options.error_log = value();
          if (!options.error_log) return fail("option \"-e\" requires file name");
          if (*options.error_log == "stderr") options.error_log = "";
          break;
        case 'c':
          options.conf_file = value();
          if (!options.conf_file) return fail("option \"-c\" requires file name");
          break;
        case 'g':
          options.global_directives = value();
          if (!options.global_directives) return fail("option \"-g\" requires parameter");
          break;
        case 's':
          options.signal = value();
          if (!options.signal) return fail("option \"-s\" requires parameter");
          if (*options.signal != "stop" && *options.signal != "quit" && *options.signal != "reopen" &&
              *options.signal != "reload") {
            return fail("invalid option: \"-s " + *options.signal + "\"");
          }
          break;
        default: return fail(std::string("invalid option: \"") + flag + "\"");
      }
    }
  }
  return result;
}

std::string version_text(const CommandLine& options, const BinaryIdentity& identity) {
  std::string text = "nginx version: fake-nginx/" + identity.version_label + "\n";
  if (options.show_help) {
    text +=
        "Usage: nginx [-?hvVtTq] [-s signal] [-p prefix]\n"
        "             [-e filename] [-c filename] [-g directives]\n"
        "\n"
        "Options:\n"
        "  -?,-h         : this help\n"
        "  -v            : show version and exit\n"
        "  -V            : show version and configure options then exit\n"
        "  -t            : test configuration and exit\n"
        "  -T            : test configuration, dump it and exit\n"
        "  -q            : suppress non-error messages during configuration testing\n"
        "  -s signal     : send signal to a master process: stop, quit, reopen, reload\n"
        "  -p prefix     : set prefix path (default: NONE)\n"
        "  -e filename   : set error log file (default: logs/error.log)\n"
        "  -c filename   : set configuration file (default: conf/nginx.conf)\n"
        "  -g directives : set global directives out of configuration file\n"
        "\n";
  }
  if (options.show_configure) {
    text += "configure arguments: --fake";
    for (const Fault& fault : identity.faults.all()) text += " --fault=" + format_fault(fault);
    text += "\n";
  }
  return text;
}

}  // namespace hotdeploy::fakes
