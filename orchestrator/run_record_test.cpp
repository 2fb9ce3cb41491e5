#include "orchestrator/run_record.h"

#include <gtest/gtest.h>

#include <fstream>

#include "orchestrator/run_test_support.h"
#include "orchestrator/scenario_parser.h"
#include "orchestrator/sha256.h"

namespace hotdeploy::orchestrator {
namespace {

// Issue 21.2: the saved scenario.yaml is the one that ran, so `check` and a reader see
// kind: nginx after --target nginx, and the --new-binary path.
TEST(RunRecord, SavedScenarioCarriesTheCommandLinesOverrides) {
  const auto dir = make_test_directory("run-record");
  std::ofstream(dir / "up.yaml") << "name: up\n# a comment\ntarget: {kind: fake}\nsteps:\n  - upgrade: {}\n";
  auto scenario = parse_scenario_file((dir / "up.yaml").string());
  scenario.target.kind = TargetKind::nginx;
  scenario.target.new_binary.name = "/opt/nginx-new";
  std::filesystem::create_directories(dir / "run");
  write_effective_scenario(scenario, dir / "run");
  const auto saved = parse_scenario_file((dir / "run" / "scenario.yaml").string());
  EXPECT_EQ(saved.target.kind, TargetKind::nginx);
  EXPECT_EQ(saved.target.new_binary.name, "/opt/nginx-new");
  EXPECT_EQ(saved.steps.size(), scenario.steps.size());

  std::ofstream(dir / "bare.yaml") << "name: bare\nsteps: []\n";
  auto bare = parse_scenario_file((dir / "bare.yaml").string());
  bare.target.kind = TargetKind::nginx;
  write_effective_scenario(bare, dir / "run");
  EXPECT_EQ(parse_scenario_file((dir / "run" / "scenario.yaml").string()).target.kind, TargetKind::nginx);
  std::filesystem::remove_all(dir);
}

// What `hotdeploy merge` compares: the hash of the scenario file as read, not of the saved copy.
TEST(RunRecord, KeepsTheScenarioFilesHash) {
  const auto dir = make_test_directory("run-record-hash");
  std::ofstream(dir / "up.yaml") << "name: up\nsteps: []\n";
  const auto scenario = parse_scenario_file((dir / "up.yaml").string());
  std::filesystem::create_directories(dir / "run");
  EXPECT_EQ(read_scenario_sha256(dir / "run"), "");
  write_effective_scenario(scenario, dir / "run");
  EXPECT_EQ(read_scenario_sha256(dir / "run"), sha256_file_hex(dir / "up.yaml"));
  EXPECT_EQ(read_scenario_sha256(dir / "run"), sha256_hex("name: up\nsteps: []\n"));
  std::filesystem::remove_all(dir);
}

TEST(RunRecord, WhatRanIsReadBackAsWritten) {
  const auto dir = make_test_directory("run-subject");
  const harness::RunSubject subject{"fake",
                                    {{"binary", "/b/fake-nginx", "nginx version: fake-nginx/1.0", "aa"},
                                     {"new_binary", "/b/fake-nginx", "nginx version: fake-nginx/2.0", "bb"}}};
  write_run_subject(dir, subject);
  const auto read = read_run_subject(dir);
  EXPECT_EQ(read.target, "fake");
  ASSERT_EQ(read.binaries.size(), 2u);
  EXPECT_EQ(read.binaries[1].role, "new_binary");
  EXPECT_EQ(read.binaries[1].version, "nginx version: fake-nginx/2.0");
  EXPECT_EQ(read.binaries[1].sha256, "bb");
  EXPECT_EQ(read_run_subject(dir / "none").target, "");
  std::ofstream(dir / "binaries.json") << "{\"target\": 3}";
  EXPECT_THROW((void)read_run_subject(dir), std::runtime_error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
