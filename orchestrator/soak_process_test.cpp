// `hotdeploy soak` as a user runs it, on fake-nginx: a few cycles under load, one line each in
// cycles.jsonl that add up to result.json's totals, the first and last cycles kept in full; and a
// fault that drops requests in one cycle makes that cycle fail, kept in full, and the soak exit 1.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "harness/history/json_reader.h"
#include "orchestrator/cli.h"
#include "orchestrator/run_test_support.h"

namespace hotdeploy::orchestrator {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<harness::FlatJsonObject> cycle_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<harness::FlatJsonObject> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(harness::parse_flat_object(line));
  return lines;
}

const harness::JsonValue& member(const harness::FlatJsonObject& line, const std::string& key) {
  const auto* value = line.find(key);
  if (!value) throw std::runtime_error("no " + key + " in a line of cycles.jsonl");
  return *value;
}

std::uint64_t count(const harness::FlatJsonObject& line, const std::string& key) {
  return std::get<harness::JsonNumber>(member(line, key)).as_uint64().value();
}

std::string text(const harness::FlatJsonObject& line, const std::string& key) {
  return std::get<std::string>(member(line, key));
}

bool flag(const harness::FlatJsonObject& line, const std::string& key) { return std::get<bool>(member(line, key)); }

// The number after `"key": ` in result.json (written pretty), the first one.
double number_in(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) throw std::runtime_error("no " + key + " in result.json");
  return std::stod(json.substr(at + key.size() + 4));
}

constexpr const char* kSteps =
    "steps:\n"
    "  - wait: {until: serving, of: old, timeout: 5s}\n"
    "  - sleep: 100ms\n"
    "  - swap_binary: new\n"
    "  - signal: {send: USR2, to: old}\n"
    "  - wait: {until: master_ready, of: new, timeout: 5s}\n"
    "  - signal: {send: WINCH, to: old}\n"
    "  - wait: {until: workers_exited, of: old, timeout: 10s}\n"
    "  - signal: {send: QUIT, to: old}\n"
    "  - wait: {until: master_exited, of: old, timeout: 10s}\n"
    "  - sleep: 100ms\n";

TEST(SoakProcess, CyclesAddUpAndTheFirstAndLastAreKept) {
  const auto dir = make_test_directory("soak-cycles");
  // Open-loop load only (here and below): the soak judges a cycle while the load goes on, so closed-loop keep-alive
  // traffic (about 10k requests a second) made each cycle longer than the last under ASan, whose
  // judge is slower than the load (21 k, 146 k, 614 k requests; past the 100 s guard).
  std::ofstream(dir / "up.yaml") << "name: up\ntarget: {kind: fake, workers: 1}\n"
                                 << "load: {rate: {per_second: 200}}\n"
                                 << kSteps << "expect: {dropped: 0, served_by_at_end: new, masters_at_end: 1}\n";
  const auto code = run_with_deadline({HOTDEPLOY_PATH, "soak", (dir / "up.yaml").string(), "--cycles", "3",
                                       "--fake-nginx", FAKE_NGINX_PATH, "--out", dir.string()},
                                      dir / "output", 100s);
  const auto output = read_text(dir / "output");
  ASSERT_TRUE(code.has_value()) << "soak still running after 100 s:\n" << output;
  // A pass means the binaries swapped each cycle: cycle 2 puts the first one back (with
  // `swap_binary: new` as in cycle 1, there would be no staged binary left to swap in).
  EXPECT_EQ(*code, kExitPass) << output;
  const auto run = dir / "up";
  const auto lines = cycle_lines(run / "cycles.jsonl");
  ASSERT_EQ(lines.size(), 3U) << read_text(run / "cycles.jsonl");
  std::uint64_t requests = 0, dropped = 0, retried = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(count(lines[i], "cycle"), i + 1);
    EXPECT_EQ(text(lines[i], "verdict"), "pass") << read_text(run / "cycles.jsonl");
    EXPECT_GT(count(lines[i], "requests"), 0U);
    EXPECT_TRUE(std::holds_alternative<harness::JsonNumber>(member(lines[i], "switchover_ms"))) << i;
    EXPECT_EQ(flag(lines[i], "kept"), i != 1) << i;
    requests += count(lines[i], "requests");
    dropped += count(lines[i], "dropped");
    retried += count(lines[i], "retried");
    EXPECT_EQ(count(lines[i], "requests_so_far"), requests);
    EXPECT_GT(std::get<harness::JsonNumber>(member(lines[i], "rss_mib")).as_double().value(), 0);
  }
  const auto result = read_text(run / "result.json");
  EXPECT_NE(result.find("\"verdict\": \"pass\""), std::string::npos) << result;
  EXPECT_NE(result.find("\"stopped_by\": \"--cycles 3\""), std::string::npos) << result;
  EXPECT_EQ(number_in(result, "cycles"), 3);
  EXPECT_EQ(number_in(result, "requests"), static_cast<double>(requests));
  EXPECT_EQ(number_in(result, "dropped"), static_cast<double>(dropped));
  EXPECT_EQ(number_in(result, "retried"), static_cast<double>(retried));
  EXPECT_EQ(number_in(result, "switchovers"), 3);
  EXPECT_NEAR(number_in(result, "loss_bound_per_request"), 3.0 / static_cast<double>(requests), 1e-12);
  EXPECT_EQ(number_in(result, "loss_bound_per_switchover"), 1.0);  // 3 / 3
  EXPECT_NE(result.find("\"switchover_ms\": {\n      \"count\": 3,"), std::string::npos) << result;
  for (const char* kept : {"1", "3"}) {
    EXPECT_TRUE(fs::exists(run / "cycles" / kept / "history.jsonl")) << kept;
    EXPECT_TRUE(fs::exists(run / "cycles" / kept / "report.html")) << kept;
  }
  EXPECT_FALSE(fs::exists(run / "cycles" / "2"));
  EXPECT_NE(read_text(run / "report.html").find("href=\"cycles/3/report.html\""), std::string::npos);
  EXPECT_NE(output.find("PASS soak up: 3 cycles (0 failed)"), std::string::npos) << output;
  fs::remove_all(dir);
}

TEST(SoakProcess, ACycleThatDropsRequestsFailsAndIsKeptInFull) {
  const auto dir = make_test_directory("soak-fault");
  // The first binary's workers reset their connections when told to quit: the way there (cycle 1)
  // cuts the held responses in flight; the way back (cycle 2) quits the other binary's workers.
  std::ofstream(dir / "cut.yaml") << "name: cut\ntarget: {kind: fake, workers: 1, faults: {old: [abort_on_quit]}}\n"
                                  << "load: {rate: {per_second: 100}, held: {connections: 4, seconds: 2}}\n"
                                  << kSteps << "expect: {dropped: 0}\n";
  const auto code = run_with_deadline({HOTDEPLOY_PATH, "soak", (dir / "cut.yaml").string(), "--cycles", "2",
                                       "--fake-nginx", FAKE_NGINX_PATH, "--out", dir.string()},
                                      dir / "output", 100s);
  const auto output = read_text(dir / "output");
  ASSERT_TRUE(code.has_value()) << "soak still running after 100 s:\n" << output;
  EXPECT_EQ(*code, kExitFail) << output;
  const auto run = dir / "cut";
  const auto lines = cycle_lines(run / "cycles.jsonl");
  ASSERT_EQ(lines.size(), 2U) << read_text(run / "cycles.jsonl");
  EXPECT_EQ(text(lines[0], "verdict"), "fail");
  EXPECT_GT(count(lines[0], "dropped"), 0U);
  EXPECT_NE(text(lines[0], "failed").find("dropped: "), std::string::npos) << text(lines[0], "failed");
  EXPECT_TRUE(flag(lines[0], "kept"));
  EXPECT_TRUE(flag(lines[1], "kept"));  // the last
  EXPECT_NE(read_text(run / "cycles" / "1" / "history.jsonl").find("\"outcome\":\"info\""), std::string::npos);
  const auto result = read_text(run / "result.json");
  EXPECT_NE(result.find("\"verdict\": \"fail\""), std::string::npos) << result;
  EXPECT_NE(result.find("\"failed_cycles\": [\n    1"), std::string::npos) << result;
  EXPECT_EQ(number_in(result, "dropped"), static_cast<double>(count(lines[0], "dropped") + count(lines[1], "dropped")));
  EXPECT_NE(output.find("FAIL soak cut"), std::string::npos) << output;
  fs::remove_all(dir);
}

TEST(SoakProcess, RefusesBadInputWithExit2) {
  const auto dir = make_test_directory("soak-usage");
  std::ofstream(dir / "hup.yaml") << "name: hup\nload: {keepalive: {connections: 1}}\n"
                                  << "steps:\n  - signal: {send: HUP, to: old}\n";
  const auto no_upgrade = run_with_deadline({HOTDEPLOY_PATH, "soak", (dir / "hup.yaml").string()}, dir / "a", 30s);
  ASSERT_TRUE(no_upgrade.has_value());
  EXPECT_EQ(*no_upgrade, kExitUsage);
  EXPECT_NE(read_text(dir / "a").find("no upgrade step"), std::string::npos) << read_text(dir / "a");
  const auto zero =
      run_with_deadline({HOTDEPLOY_PATH, "soak", (dir / "hup.yaml").string(), "--cycles", "0"}, dir / "b", 30s);
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ(*zero, kExitUsage);
  EXPECT_NE(read_text(dir / "b").find("--cycles must be a whole number from 1"), std::string::npos)
      << read_text(dir / "b");
  EXPECT_FALSE(fs::exists(dir / "runs"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
