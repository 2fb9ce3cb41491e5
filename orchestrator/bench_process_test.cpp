// `hotdeploy bench` as a user runs it: the sides alternate, every run is a normal run directory,
// and a side without figures fails the gate; and bench.html, opened in a real browser (headless
// Chromium, when it is installed), lays out every metric's chart.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "orchestrator/bench_html.h"
#include "orchestrator/bench_report.h"
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

// Side B's new binary crashes at start, so B has no ready figure: the gate cannot show B within
// its limit and exits 1, whatever the machine's load does to the figures A has.
TEST(BenchProcess, InterleavesTheSidesInRunDirectoriesAndTheGateFailsWithoutFigures) {
  const auto dir = make_test_directory("bench-gate");
  std::ofstream(dir / "up.yaml") << "name: up\ntarget: {kind: fake, workers: 1}\nload: {keepalive: {connections: 4}}\n"
                                 << "steps:\n  - sleep: 100ms\n  - swap_binary: new\n"
                                 << "  - signal: {send: USR2, to: old}\n"
                                 << "  - wait: {until: master_ready, of: new, timeout: 3s}\n"
                                 << "  - signal: {send: QUIT, to: old}\n"
                                 << "  - wait: {until: master_exited, of: old, timeout: 10s}\n";
  const auto out = dir / "bench";
  const auto code =
      run_with_deadline({HOTDEPLOY_PATH, "bench", (dir / "up.yaml").string(), "--runs", "2", "--warmup", "1",
                         "--vs-faults", "new:crash_on_start", "--max-regression", "ready=100ms,dropped=1000",
                         "--fake-nginx", FAKE_NGINX_PATH, "--out", out.string()},
                        dir / "output", 110s);
  const auto output = read_text(dir / "output");
  ASSERT_TRUE(code.has_value()) << "bench still running after 110 s:\n" << output;
  EXPECT_EQ(*code, kExitFail) << output;
  EXPECT_NE(output.find("REGRESSION ready=100ms: no figures to judge by (A 2 runs, B 0 runs)"), std::string::npos)
      << output;
  EXPECT_NE(output.find("within dropped=1000"), std::string::npos) << output;
  EXPECT_NE(output.find("ready: B no figures"), std::string::npos) << output;
  for (const std::string run : {"A/warmup-1", "B/warmup-1", "A/1", "A/2", "B/1", "B/2"}) {
    EXPECT_TRUE(fs::exists(out / run / "result.json")) << run;
    EXPECT_TRUE(fs::exists(out / run / "report.html")) << run;
  }
  EXPECT_FALSE(fs::exists(out / "A/3"));
  // Side B's scenario, and each of its runs' copy, carries the fault; side A's does not.
  EXPECT_NE(read_text(out / "B.yaml").find("crash_on_start"), std::string::npos);
  EXPECT_NE(read_text(out / "B/1/scenario.yaml").find("crash_on_start"), std::string::npos);
  EXPECT_EQ(read_text(out / "A/1/scenario.yaml").find("crash_on_start"), std::string::npos);
  const auto json = read_text(out / "bench.json");
  EXPECT_NE(json.find("\"exceeded\": true"), std::string::npos) << json;
  // Four counted runs and two warm-ups, in the order they ran: A first, then alternating.
  std::vector<std::string> sides;
  for (std::size_t at = 0; (at = json.find("\"side\": \"", at)) != std::string::npos;) {
    at += 9;
    sides.push_back(json.substr(at, 1));
  }
  ASSERT_EQ(sides.size(), 6U) << json;
  for (std::size_t i = 0; i < sides.size(); ++i) EXPECT_EQ(sides[i], i % 2 == 0 ? "A" : "B") << i;
  EXPECT_NE(read_text(out / "bench.md").find("| ready (ms) |"), std::string::npos);
  EXPECT_NE(read_text(out / "bench.html").find("id=\"metric-ready\""), std::string::npos);
  fs::remove_all(dir);
}

// The PNG's width and height, from its IHDR chunk; {0, 0} when the file is not a PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const fs::path& file) {
  const auto data = read_text(file);
  if (data.size() < 24 || data.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || data.compare(12, 4, "IHDR") != 0) {
    return {0, 0};
  }
  const auto be32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(data[at])) << 24 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(data[at + 1])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(data[at + 2])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(data[at + 3]));
  };
  return {be32(16), be32(20)};
}

TEST(BenchHtmlInChromium, LaysOutEveryMetricsChartAndScreenshots) {
  const fs::path chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "no " << chromium << " here (Debian's chromium package)";
  const auto dir = make_test_directory("bench-html-chromium");
  BenchReport report;
  report.scenario = "upgrade";
  report.runs = 8;
  report.warmup = 1;
  report.a = {"A", "the scenario as `hotdeploy run` runs it", {}};
  report.b = {"B", "--vs-faults new:slow_start=50ms", {}};
  std::vector<std::map<std::string, double>> a_runs, b_runs;
  for (int k = 0; k < 8; ++k) {
    a_runs.push_back({{"ready", 10.0 + k % 4},
                      {"switchover", 24.0 + k},
                      {"blackout", 5.0 + k % 3},
                      {"drain", 6.0 + k % 2},
                      {"connect_p99", 0.4 + 0.05 * k},
                      {"dropped", 0}});
    b_runs.push_back({{"ready", 61.0 + k % 3},
                      {"switchover", 75.0 + k},
                      {"blackout", 5.5 + k % 3},
                      {"drain", 6.0 + k % 3},
                      {"connect_p99", 0.45 + 0.05 * k},
                      {"dropped", 0}});
    report.records.push_back({"A", k + 1, false, "A/" + std::to_string(k + 1), "pass", "", 1.2, a_runs.back()});
    report.records.push_back({"B", k + 1, false, "B/" + std::to_string(k + 1), "pass", "", 1.3, b_runs.back()});
  }
  report.comparisons = compare_sides(a_runs, b_runs);
  report.gate = apply_gate(parse_regression_limits("ready=20ms"), report.comparisons);
  std::ofstream(dir / "bench.html") << bench_html(report);
  const std::vector<std::string> browser = {chromium.string(),   "--headless",
                                            "--no-sandbox",      "--disable-gpu",
                                            "--hide-scrollbars", "--user-data-dir=" + (dir / "profile").string()};
  // The DOM as the browser built it: every chart parsed as SVG, with its dots.
  auto dump = browser;
  dump.push_back("--dump-dom");
  dump.push_back("file://" + (dir / "bench.html").string());
  const auto dumped = run_with_deadline(dump, dir / "dom.html", 90s);
  ASSERT_TRUE(dumped.has_value()) << "chromium --dump-dom still running after 90 s";
  ASSERT_EQ(*dumped, 0) << read_text(dir / "dom.html");
  const auto dom = read_text(dir / "dom.html");
  for (const auto& m : bench_metrics()) {
    EXPECT_NE(dom.find("<svg class=\"chart\" id=\"metric-" + m.name + "\""), std::string::npos) << m.name;
  }
  std::size_t circles = 0;
  for (std::size_t at = 0; (at = dom.find("<circle ", at)) != std::string::npos; ++at) ++circles;
  EXPECT_EQ(circles, 6U * 16U);
  auto shot = browser;
  shot.push_back("--window-size=1280,2200");
  shot.push_back("--screenshot=" + (dir / "bench.png").string());
  shot.push_back("file://" + (dir / "bench.html").string());
  const auto shot_code = run_with_deadline(shot, dir / "screenshot.log", 90s);
  ASSERT_TRUE(shot_code.has_value()) << "chromium --screenshot still running after 90 s";
  EXPECT_EQ(*shot_code, 0) << read_text(dir / "screenshot.log");
  const auto [width, height] = png_size(dir / "bench.png");
  EXPECT_EQ(width, 1280U);
  EXPECT_EQ(height, 2200U);
  // Kept for a person to look at when HOTDEPLOY_KEEP_SCREENSHOT names a file.
  if (const char* keep = std::getenv("HOTDEPLOY_KEEP_SCREENSHOT"); keep && *keep) {
    fs::copy_file(dir / "bench.png", keep, fs::copy_options::overwrite_existing);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
