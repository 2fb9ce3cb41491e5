#include "orchestrator/run_merge.h"

#include <algorithm>
#include <map>
#include <optional>

#include "orchestrator/run_record.h"
#include "orchestrator/run_set.h"
#include "orchestrator/scenario_parser.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

// A run to judge once every check has passed.
struct PendingRun {
  FinishedRun run;
  harness::Expectations expect;
};

// One directory given to merge: a run set, or a single run's directory.
struct Input {
  fs::path dir;
  std::optional<RunSet> set;
  std::vector<PendingRun> runs;
  std::vector<LibraryScenario> covers;  // the scenarios it ran or skipped, with their files' hashes
};

// Scenario names hold no '#' (scenario_parser.cpp): "up#2" is the second run of "up".
std::string scenario_of(const std::string& run_name) { return run_name.substr(0, run_name.find('#')); }

std::string short_hash(const std::string& sha256) { return sha256.substr(0, 12); }

Scenario parse_run_scenario(const fs::path& file) {
  try {
    return parse_scenario_file(file.string());
  } catch (const ScenarioError& e) {
    throw MergeError(std::string("invalid scenario: ") + e.what());
  }
}

Input read_run_set_input(const fs::path& dir, RunSet set) {
  Input input{dir, {}, {}, {}};
  for (const auto& entry : set.runs) {
    const auto run_dir = dir / entry.dir;
    std::error_code error;
    if (!fs::is_directory(run_dir, error)) {
      throw MergeError(dir.string() + ": " + kRunSetFile + " names run " + entry.name + " in " + run_dir.string() +
                       ", which is not a directory");
    }
    // A run stopped before it saved its scenario (by the environment) is judged by what stopped it.
    const auto file = run_dir / "scenario.yaml";
    const auto expect = fs::exists(file, error) ? parse_run_scenario(file).expect : harness::Expectations{};
    input.runs.push_back(
        {{entry.name, run_dir, entry.exit_code, entry.seconds, {}, {}, entry.error, entry.interrupted}, expect});
  }
  for (const auto& scenario : set.library) {
    if (scenario.here) input.covers.push_back(scenario);
  }
  input.set = std::move(set);
  return input;
}

Input read_input(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) throw MergeError(dir.string() + ": not a directory");
  std::optional<RunSet> set;
  try {
    set = read_run_set(dir);
  } catch (const RunSetError& e) {
    throw MergeError(e.what());
  }
  if (set) return read_run_set_input(dir, std::move(*set));
  if (!fs::exists(dir / "scenario.yaml", error)) {
    throw MergeError(dir.string() + ": not a run directory: it has neither " + kRunSetFile +
                     " (what `hotdeploy run --out DIR` writes in DIR) nor scenario.yaml (what one run's directory "
                     "holds)");
  }
  const auto scenario = parse_run_scenario(dir / "scenario.yaml");
  Input input{dir, {}, {}, {}};
  input.runs.push_back({{scenario.name, dir, 0, 0, {}, {}, {}, {}}, scenario.expect});
  input.covers.push_back({scenario.name, read_scenario_sha256(dir), true});
  return input;
}

// One version of each scenario, each in one directory at most.
void check_scenarios(const std::vector<Input>& inputs) {
  std::map<std::string, std::pair<std::string, const fs::path*>> versions;  // name -> sha256, where seen
  const auto note_version = [&](const std::string& name, const std::string& sha256, const fs::path& dir) {
    if (sha256.empty()) return;  // a run saved before its scenario's hash was kept
    const auto [seen, added] = versions.try_emplace(name, sha256, &dir);
    if (!added && seen->second.first != sha256) {
      throw MergeError("scenario '" + name + "' is not the same file in " + seen->second.second->string() +
                       " (sha256 " + short_hash(seen->second.first) + ") and in " + dir.string() + " (sha256 " +
                       short_hash(sha256) + "): runs of two versions of a scenario are not merged");
    }
  };
  std::map<std::string, const fs::path*> covered_by;
  for (const auto& input : inputs) {
    if (input.set) {
      for (const auto& scenario : input.set->library) note_version(scenario.name, scenario.sha256, input.dir);
    }
    for (const auto& scenario : input.covers) {
      note_version(scenario.name, scenario.sha256, input.dir);
      const auto [seen, added] = covered_by.try_emplace(scenario.name, &input.dir);
      if (!added) {
        throw MergeError("scenario '" + scenario.name + "' is in both " + seen->second->string() + " and " +
                         input.dir.string() + ": merge each scenario's runs once");
      }
    }
  }
  for (const auto& input : inputs) {
    if (!input.set) continue;
    for (const auto& scenario : input.set->library) {
      if (covered_by.contains(scenario.name)) continue;
      const auto& shard = input.set->shard;
      throw MergeError("scenario '" + scenario.name + "' of the library that " + input.dir.string() +
                       " ran from is in none of the directories merged" +
                       (shard ? " (it belongs to shard " + std::to_string(shard_of(scenario.name, shard->count)) + "/" +
                                    std::to_string(shard->count) + ", which is missing)"
                              : ""));
    }
  }
}

// Shards of one count, each once.
void check_shards(const std::vector<Input>& inputs) {
  std::map<int, const Input*> by_index;
  const Input* first = nullptr;
  for (const auto& input : inputs) {
    if (!input.set || !input.set->shard) continue;
    const auto& shard = *input.set->shard;
    if (first && first->set->shard->count != shard.count) {
      throw MergeError(first->dir.string() + " is shard " + to_string(*first->set->shard) + " and " +
                       input.dir.string() + " shard " + to_string(shard) +
                       ": shards of different counts are not parts of one library");
    }
    first = first ? first : &input;
    const auto [seen, added] = by_index.try_emplace(shard.index, &input);
    if (!added) {
      throw MergeError("shard " + to_string(shard) + " twice: " + seen->second->dir.string() + " and " +
                       input.dir.string());
    }
  }
}

std::string heading_for(const std::vector<Input>& inputs) {
  std::vector<Shard> shards;
  std::size_t whole = 0;
  std::size_t single = 0;
  for (const auto& input : inputs) {
    if (input.set && input.set->shard) shards.push_back(*input.set->shard);
    whole += input.set && !input.set->shard ? 1 : 0;
    single += input.set ? 0 : 1;
  }
  std::sort(shards.begin(), shards.end(), [](const Shard& a, const Shard& b) { return a.index < b.index; });
  std::string parts;
  const auto add = [&](const std::string& part) { parts += (parts.empty() ? "" : "; ") + part; };
  if (!shards.empty()) {
    std::string list;
    for (const auto& shard : shards) list += (list.empty() ? "" : ", ") + to_string(shard);
    add((shards.size() == 1 ? "shard " : "shards ") + list);
  }
  if (whole > 0) add(std::to_string(whole) + (whole == 1 ? " whole run" : " whole runs"));
  if (single > 0) add(std::to_string(single) + (single == 1 ? " single run directory" : " single run directories"));
  return "merged " + std::to_string(inputs.size()) + (inputs.size() == 1 ? " directory: " : " directories: ") + parts;
}

}  // namespace

MergedRuns merge_runs(const std::vector<fs::path>& dirs) {
  std::vector<Input> inputs;
  for (const auto& dir : dirs) inputs.push_back(read_input(dir));
  check_shards(inputs);
  check_scenarios(inputs);

  MergedRuns merged;
  merged.heading = heading_for(inputs);
  std::map<std::string, std::size_t> library_order;  // scenario name -> place in the first library naming it
  std::optional<std::string> target;
  for (const auto& input : inputs) {
    if (!input.set) continue;
    for (const auto& scenario : input.set->library) library_order.try_emplace(scenario.name, library_order.size());
    target = !target || *target == input.set->target ? input.set->target : "";
    merged.interrupted = merged.interrupted || input.set->exit_code >= 128;
  }
  merged.target = target.value_or("");
  const auto place = [&](const std::string& run_name) {
    const auto found = library_order.find(scenario_of(run_name));
    return found == library_order.end() ? library_order.size() : found->second;
  };
  for (auto& input : inputs) {
    for (auto& pending : input.runs) {
      pending.run.subject = read_run_subject(pending.run.run_dir);
      judge_finished_run(pending.run, pending.expect);
      merged.runs.push_back(std::move(pending.run));
    }
    if (input.set) merged.not_run.insert(merged.not_run.end(), input.set->not_run.begin(), input.set->not_run.end());
  }
  std::stable_sort(merged.runs.begin(), merged.runs.end(),
                   [&](const FinishedRun& a, const FinishedRun& b) { return place(a.name) < place(b.name); });
  std::stable_sort(merged.not_run.begin(), merged.not_run.end(),
                   [&](const NotRun& a, const NotRun& b) { return place(a.first) < place(b.first); });
  return merged;
}

}  // namespace hotdeploy::orchestrator
