#include "orchestrator/replay_command.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include "orchestrator/cli.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/incident.h"
#include "orchestrator/incident_log.h"
#include "orchestrator/option_table.h"
#include "orchestrator/replay_scenario.h"
#include "orchestrator/scenario_parser.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

struct ReplayArguments {
  std::string log;
  std::optional<fs::path> out;
  std::optional<std::string> name;
  TargetKind target = TargetKind::fake;
  bool run = false;
};

std::vector<Option> replay_options(ReplayArguments& parsed) {
  return {
      {"--out", "FILE", "write the scenario to FILE (default: standard output; with --run, runs/<name>.yaml)",
       [&](const std::string& file) { parsed.out = file; }},
      {"--target", "KIND", "fake (default) or nginx: what the scenario runs on, and so which faults explain a failure",
       [&](const std::string& kind) {
         if (kind != "fake" && kind != "nginx") throw UsageError("--target must be fake or nginx, got '" + kind + "'");
         parsed.target = kind == "fake" ? TargetKind::fake : TargetKind::nginx;
       }},
      {"--name", "NAME", "the scenario's name (default: replay_<the log's file name>)",
       [&](const std::string& name) { parsed.name = name; }},
      {"--run", "", "run the scenario at once, as `hotdeploy run FILE` would",
       [&](const std::string&) { parsed.run = true; }},
  };
}

// Letters, digits, _ - . as a scenario name must be.
std::string scenario_name_from(const std::string& text) {
  std::string name;
  for (char c : text) {
    const bool fits =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    name += fits ? c : '_';
  }
  return name.empty() ? "replay" : name;
}

std::string line_of(const std::string& text, int number) {
  std::istringstream in(text);
  std::string line;
  for (int i = 0; i < number && std::getline(in, line); ++i) {
  }
  if (line.size() > 80) line = line.substr(0, 77) + "...";
  return line;
}

// Why the text is not an nginx error.log, or "" when it is one.
std::string not_an_error_log(const IncidentLog& log, const std::string& text) {
  if (log.binary) return "not an nginx error.log: it holds NUL bytes (a binary file)";
  if (log.lines == 0) return "not an nginx error.log: it is empty";
  if (log.lines_in_format == 0) {
    return "not an nginx error.log: no line has its format (\"YYYY/MM/DD HH:MM:SS [level] PID#TID: message\"); line " +
           std::to_string(log.first_unformatted_line) + " is \"" + line_of(text, log.first_unformatted_line) + "\"";
  }
  if (log.lines_in_format * 2 < log.lines) {
    return "not an nginx error.log: only " + std::to_string(log.lines_in_format) + " of its " +
           std::to_string(log.lines) + " lines have its format; line " + std::to_string(log.first_unformatted_line) +
           " is \"" + line_of(text, log.first_unformatted_line) + "\"";
  }
  return "";
}

void write_file(const fs::path& file, const std::string& text) {
  std::error_code error;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), error);
  std::ofstream out(file);
  out << text;
  out.close();
  if (!out) throw EnvironmentError("replay: cannot write " + file.string());
}

}  // namespace

std::string replay_options_help() {
  ReplayArguments unused;
  return options_help(replay_options(unused));
}

int replay_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const RunCommand& run) {
  ReplayArguments arguments;
  const auto operands = parse_options(args, 1, replay_options(arguments));
  if (operands.size() != 1) throw UsageError("replay needs exactly one ERROR_LOG");
  arguments.log = operands[0];
  const auto bad_input = [&](const std::string& message) {
    err << "hotdeploy: replay: " << arguments.log << ": " << message << '\n';
    return kExitUsage;
  };
  std::ifstream in(arguments.log, std::ios::binary);
  std::error_code error;
  if (!in || fs::is_directory(arguments.log, error)) return bad_input("cannot read it");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};

  const auto log = read_incident_log(text);
  if (const auto why = not_an_error_log(log, text); !why.empty()) return bad_input(why);
  const auto incident = reconstruct(log);
  if (incident.problem && incident.problem->kind != Problem::Kind::starts_mid_incident) {
    return bad_input(incident.problem->message);
  }

  ReplayRequest request;
  request.source = fs::path(arguments.log).filename().string();
  request.name =
      arguments.name.value_or(arguments.out ? scenario_name_from(arguments.out->stem().string())
                                            : "replay_" + scenario_name_from(fs::path(arguments.log).stem().string()));
  request.target = arguments.target;
  const auto scenario = write_replay_scenario(incident, request);
  // The writer's output is a scenario like any other: it must pass the same validation.
  try {
    (void)parse_scenario_text(scenario.yaml, request.name + ".yaml");
  } catch (const ScenarioError& e) {
    throw std::logic_error(std::string("replay wrote a scenario hotdeploy refuses: ") + e.what());
  }

  std::optional<fs::path> file = arguments.out;
  if (!file && arguments.run) file = fs::path("runs") / (request.name + ".yaml");
  // With the scenario on standard output, everything else goes to the error stream.
  std::ostream& notes = file ? out : err;
  if (file) {
    write_file(*file, scenario.yaml);
  } else {
    out << scenario.yaml;
  }
  notes << "replay: " << incident.masters.size() << " master(s), " << incident.signals.size() << " signal(s) from "
        << arguments.log << " (lines " << incident.first_line << "-" << incident.last_line << ")"
        << (file ? "; scenario written to " + file->string() : std::string()) << '\n';
  for (const auto& line : scenario.assumed) notes << "assumed: " << line << '\n';
  for (const auto& line : scenario.not_reproduced) notes << "not reproduced: " << line << '\n';
  if (incident.problem) {
    return bad_input(incident.problem->message + (file ? "; the scenario is written as far as it goes" : "") +
                     (arguments.run ? ", not run" : ""));
  }
  if (!arguments.run) return kExitPass;
  out.flush();
  return run({"run", file->string()});
}

}  // namespace hotdeploy::orchestrator
