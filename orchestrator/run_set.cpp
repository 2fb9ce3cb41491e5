#include "orchestrator/run_set.h"

#include <fstream>

#include "harness/history/json_reader.h"
#include "harness/history/json_writer.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/option_table.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

// One line of runs.jsonl, read: members looked up by key, each failure naming FILE:LINE.
class Line {
 public:
  Line(const harness::FlatJsonObject& object, std::string where) : object_(object), where_(std::move(where)) {}

  [[nodiscard]] std::string text(const std::string& key) const {
    const auto* value = object_.find(key);
    const auto* text = value ? std::get_if<std::string>(value) : nullptr;
    if (!text) fail("\"" + key + "\" is missing or not a string");
    return *text;
  }
  [[nodiscard]] bool flag(const std::string& key) const {
    const auto* value = object_.find(key);
    const auto* flag = value ? std::get_if<bool>(value) : nullptr;
    if (!flag) fail("\"" + key + "\" is missing or not true/false");
    return *flag;
  }
  [[nodiscard]] double number(const std::string& key) const {
    const auto* value = object_.find(key);
    const auto* number = value ? std::get_if<harness::JsonNumber>(value) : nullptr;
    const auto as_double = number ? number->as_double() : std::nullopt;
    if (!as_double) fail("\"" + key + "\" is missing or not a number");
    return *as_double;
  }
  [[nodiscard]] bool is_null(const std::string& key) const {
    const auto* value = object_.find(key);
    return value && std::holds_alternative<std::nullptr_t>(*value);
  }
  [[noreturn]] void fail(const std::string& what) const { throw RunSetError(where_ + ": " + what); }

 private:
  const harness::FlatJsonObject& object_;
  std::string where_;
};

}  // namespace

void write_run_set(const fs::path& dir, const RunSet& set) {
  std::string text;
  const auto line = [&](const auto& members) {
    harness::JsonWriter w(text);
    w.begin_object();
    members(w);
    w.end_object();
    text += '\n';
  };
  line([&](harness::JsonWriter& w) {
    w.member("kind", "run_set");
    w.key("shard");
    if (set.shard) {
      w.value(to_string(*set.shard));
    } else {
      w.null();
    }
    w.member("target", set.target);
    w.member("exit_code", set.exit_code);
  });
  for (const auto& scenario : set.library) {
    line([&](harness::JsonWriter& w) {
      w.member("kind", "scenario");
      w.member("name", scenario.name);
      w.member("sha256", scenario.sha256);
      w.member("here", scenario.here);
    });
  }
  for (const auto& run : set.runs) {
    line([&](harness::JsonWriter& w) {
      w.member("kind", "run");
      w.member("name", run.name);
      w.member("dir", run.dir.string());
      w.member("seconds", run.seconds);
      w.member("exit_code", run.exit_code);
      w.member("error", run.error);
      w.member("interrupted", run.interrupted);
    });
  }
  for (const auto& [name, reason] : set.not_run) {
    line([&](harness::JsonWriter& w) {
      w.member("kind", "not_run");
      w.member("name", name);
      w.member("reason", reason);
    });
  }
  const auto file = dir / kRunSetFile;
  std::ofstream out(file);
  out << text;
  if (!out) throw EnvironmentError("cannot write " + file.string());
}

std::optional<RunSet> read_run_set(const fs::path& dir) {
  const auto file = dir / kRunSetFile;
  std::ifstream in(file);
  if (!in) return std::nullopt;
  RunSet set;
  std::string text;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    const std::string where = file.string() + ":" + std::to_string(number);
    std::optional<harness::FlatJsonObject> object;
    try {
      object = harness::parse_flat_object(text);
    } catch (const harness::JsonParseError& e) {
      throw RunSetError(where + ": " + e.what());
    }
    const Line line(*object, where);
    const auto kind = line.text("kind");
    if ((number == 1) != (kind == "run_set")) line.fail("a run set's first line, and only it, is of kind run_set");
    if (kind == "run_set") {
      if (!line.is_null("shard")) {
        try {
          set.shard = parse_shard(line.text("shard"));
        } catch (const UsageError& e) {
          line.fail(e.what());
        }
      }
      set.target = line.text("target");
      set.exit_code = static_cast<int>(line.number("exit_code"));
    } else if (kind == "scenario") {
      set.library.push_back({line.text("name"), line.text("sha256"), line.flag("here")});
    } else if (kind == "run") {
      const fs::path run_dir = line.text("dir");
      if (run_dir.empty() || run_dir.is_absolute() || run_dir.lexically_normal().string().starts_with("..")) {
        line.fail("\"dir\" must be a directory inside " + dir.string() + ", got '" + run_dir.string() + "'");
      }
      set.runs.push_back({line.text("name"), run_dir, line.number("seconds"),
                          static_cast<int>(line.number("exit_code")), line.text("error"), line.text("interrupted")});
    } else if (kind == "not_run") {
      set.not_run.emplace_back(line.text("name"), line.text("reason"));
    } else {
      line.fail("unknown kind '" + kind + "'");
    }
  }
  if (number == 0) throw RunSetError(file.string() + ": empty");
  return set;
}

}  // namespace hotdeploy::orchestrator
