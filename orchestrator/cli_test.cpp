#include "orchestrator/cli.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness/history/history_builder.h"
#include "harness/history/history_file.h"
#include "orchestrator/run_test_support.h"
#include "orchestrator/runner.h"

namespace hotdeploy::orchestrator {
namespace {

struct CliOutput {
  int code;
  std::string out;
  std::string err;
};

// A usage error is one line: the reason, and where the usage is.
std::string usage_line(const std::string& reason) {
  return "hotdeploy: " + reason + " (hotdeploy --help lists the usage)\n";
}

CliOutput cli(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(Cli, HelpAndVersionExitZero) {
  const auto help = cli({"--help"});
  EXPECT_EQ(help.code, kExitPass);
  EXPECT_NE(help.out.find("usage: hotdeploy run FILE"), std::string::npos);
  EXPECT_NE(help.out.find("hotdeploy diff RUN_DIR_A RUN_DIR_B"), std::string::npos);
  const auto version = cli({"--version"});
  EXPECT_EQ(version.code, kExitPass);
  EXPECT_EQ(version.out.rfind("hotdeploy ", 0), 0u);
}

TEST(Cli, BadUsageExitsTwoWithTheReason) {
  EXPECT_EQ(cli({}).code, kExitUsage);
  const auto unknown = cli({"frobnicate"});
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_EQ(unknown.err, usage_line("unknown command 'frobnicate'"));
  const auto no_file = cli({"run"});
  EXPECT_EQ(no_file.code, kExitUsage);
  EXPECT_EQ(no_file.err, usage_line("run needs a scenario FILE or DIR"));
  const auto no_value = cli({"run", "x.yaml", "--out"});
  EXPECT_EQ(no_value.err, usage_line("--out needs a value (--out DIR)"));
}

TEST(Cli, TwoScenariosOfOneNameAreRefusedBeforeAnythingRuns) {
  const auto dir = make_test_directory("cli-duplicate-name");
  std::ofstream(dir / "a.yaml") << "name: same\nsteps:\n  - sleep: 1ms\n";
  std::ofstream(dir / "b.yaml") << "name: same\nsteps:\n  - sleep: 1ms\n";
  const auto result =
      cli({"run", (dir / "a.yaml").string(), (dir / "b.yaml").string(), "--out", (dir / "runs").string()});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_NE(result.err.find((dir / "b.yaml").string() + ": scenario name 'same' is also the name of " +
                            (dir / "a.yaml").string()),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "runs"));
  std::filesystem::remove_all(dir);
}

TEST(Cli, InvalidScenarioExitsTwoNamingFileLineAndColumn) {
  const auto dir = make_test_directory("cli-invalid");
  const auto file = (dir / "typo.yaml").string();
  std::ofstream(file) << "name: typo\nsteps:\n  - signal: {sned: USR2}\n";
  const auto result = cli({"run", file});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_EQ(result.err,
            "hotdeploy: invalid scenario: " + file + ":3:14: unknown key 'sned' in signal (known: send, to)\n");
  const auto missing = cli({"run", (dir / "missing.yaml").string()});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_EQ(missing.err,
            "hotdeploy: invalid scenario: " + (dir / "missing.yaml").string() + ": cannot open the scenario file\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

TEST(Cli, ValidateAndListReadEveryScenarioWithoutRunningIt) {
  const auto dir = make_test_directory("cli-validate");
  std::ofstream(dir / "a.yaml") << "name: alpha\nsummary: First one.\nsteps:\n  - upgrade: {}\n";
  std::ofstream(dir / "b.yaml") << "name: beta\ntarget: {kind: nginx}\nsteps: []\n";
  const auto validated = cli({"validate", dir.string()});
  EXPECT_EQ(validated.code, kExitPass);
  EXPECT_EQ(validated.out, "ok " + (dir / "a.yaml").string() + " (alpha, 7 steps)\nok " + (dir / "b.yaml").string() +
                               " (beta, 0 steps)\n");
  const auto listed = cli({"list", dir.string()});
  EXPECT_EQ(listed.code, kExitPass);
  EXPECT_NE(listed.out.find("alpha                      fake   First one."), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("beta                       nginx"), std::string::npos) << listed.out;
  std::ofstream(dir / "c.yaml") << "name: gamma\nsteps:\n  - sleep: soon\n";
  const auto invalid = cli({"validate", dir.string()});
  EXPECT_EQ(invalid.code, kExitUsage);
  EXPECT_NE(invalid.err.find((dir / "c.yaml").string() + ":3:12: 'sleep' must be a duration"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Cli, RunOptionsAreCheckedBeforeAnythingRuns) {
  EXPECT_EQ(cli({"run", "x.yaml", "--repeat", "0"}).err,
            usage_line("--repeat must be a whole number from 1 to 1000, got '0'"));
  EXPECT_EQ(cli({"run", "x.yaml", "--jobs", "two"}).err,
            usage_line("--jobs must be a whole number from 1 to 64, got 'two'"));
  EXPECT_EQ(cli({"run", "x.yaml", "--target", "apache"}).err,
            usage_line("--target must be fake or nginx, got 'apache'"));
  EXPECT_EQ(cli({"check"}).code, kExitUsage);
  const auto missing_dir = cli({"check", "/nonexistent/run"});
  EXPECT_EQ(missing_dir.code, kExitUsage);
  EXPECT_EQ(missing_dir.err,
            "hotdeploy: invalid scenario: /nonexistent/run/scenario.yaml: cannot open the scenario file\n");
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

void write_history(const std::filesystem::path& run_dir, const harness::History& history) {
  std::filesystem::create_directories(run_dir);
  std::ofstream out(run_dir / "history.jsonl");
  harness::write_jsonl(history, out);
}

TEST(Cli, DiffPrintsALinePerAspectAndWhatItLeftOutAndExitsOneWhenAnyAspectDiffers) {
  const auto dir = make_test_directory("cli-diff");
  harness::testing::HistoryBuilder fake;
  fake.master(7, 1).worker(8, 7, 1).pid_file("nginx.pid", 7);
  harness::testing::HistoryBuilder real;
  real.pid_file("nginx.pid", 5).master(5, 1).worker(6, 5, 1);
  write_history(dir / "fake", fake.build());
  write_history(dir / "nginx", real.build());
  const auto same = cli({"diff", (dir / "fake").string(), (dir / "nginx").string()});
  EXPECT_EQ(same.code, kExitPass);
  EXPECT_EQ(same.out,
            "masters           same\nworkers           same\npid_files         same\nno_effect         same\n"
            "served_by_at_end  same\ndropped           same\nleft out: nothing\n");
  real.worker(9, 5, 1);
  write_history(dir / "nginx", real.build());
  const auto differs = cli({"diff", (dir / "fake").string(), (dir / "nginx").string()});
  EXPECT_EQ(differs.code, kExitFail);
  EXPECT_NE(differs.out.find("workers           A: g1 1 born 0 exited  |  B: g1 2 born 0 exited\n"), std::string::npos)
      << differs.out;
  fake.request(1, harness::Outcome::info, harness::Reason::closed_without_response);
  write_history(dir / "fake", fake.build());
  // Without an allowance the lost POST is compared; with the scenario's, it is left out and said.
  const auto compared = cli({"diff", (dir / "fake").string(), (dir / "nginx").string()});
  EXPECT_EQ(compared.out.substr(compared.out.find("dropped ")),
            "dropped           A: 1 (closed_without_response 1)  |  B: 0\nleft out: nothing\n");
  for (const char* run : {"fake", "nginx"}) {
    std::ofstream(dir / run / "scenario.yaml") << "name: race\nsteps:\n  - sleep: 1ms\n"
                                                  "diff: {allow: [keepalive_close_race]}\n";
  }
  const auto tolerated = cli({"diff", (dir / "fake").string(), (dir / "nginx").string()});
  EXPECT_EQ(tolerated.out.substr(tolerated.out.find("dropped ")),
            "dropped           same\nleft out by keepalive_close_race: dropped POSTs lost to the keep-alive close "
            "race: A 1, B 0 (chance on both targets: whether a worker closes a kept-alive connection as a POST is "
            "sent on it)\n");
  std::ofstream(dir / "nginx" / "scenario.yaml") << "name: race\nsteps:\n  - sleep: 1ms\n";
  const auto mismatched = cli({"diff", (dir / "fake").string(), (dir / "nginx").string()});
  EXPECT_EQ(mismatched.code, kExitFail);
  EXPECT_NE(mismatched.out.find("not left out: keepalive_close_race (allowed by A's scenario only)\n"),
            std::string::npos)
      << mismatched.out;
  EXPECT_NE(mismatched.out.find("dropped           A: 1 (closed_without_response 1)  |  B: 0"), std::string::npos)
      << mismatched.out;
  std::filesystem::remove(dir / "nginx" / "scenario.yaml");
  std::filesystem::remove(dir / "fake" / "scenario.yaml");

  EXPECT_EQ(cli({"diff", (dir / "fake").string()}).err, usage_line("diff needs exactly two RUN_DIRs"));
  const auto missing = cli({"diff", (dir / "fake").string(), (dir / "none").string()});
  EXPECT_EQ(missing.code, kExitEnvironment);
  EXPECT_EQ(missing.err, "hotdeploy: cannot open " + (dir / "none" / "history.jsonl").string() + "\n");
  std::ofstream(dir / "nginx" / "history.jsonl") << "{\"i\":0}\n";
  const auto corrupt = cli({"diff", (dir / "fake").string(), (dir / "nginx").string()});
  EXPECT_EQ(corrupt.code, kExitUsage);
  EXPECT_EQ(corrupt.err, "hotdeploy: invalid input: " + (dir / "nginx" / "history.jsonl").string() +
                             ":1: every event needs \"i\", \"t_ns\" and \"type\"\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

// Issue 18.3: --opt=VALUE is the same as --opt VALUE, and --help lists exactly the parser's options.
TEST(Cli, OptionsTakeEqualsValuesAndHelpListsEveryRunOption) {
  EXPECT_EQ(cli({"run", "x.yaml", "--repeat=0"}).err,
            usage_line("--repeat must be a whole number from 1 to 1000, got '0'"));
  EXPECT_EQ(cli({"run", "x.yaml", "--target=apache"}).err, usage_line("--target must be fake or nginx, got 'apache'"));
  EXPECT_EQ(cli({"run", "x.yaml", "-q=yes"}).err, usage_line("unknown option '-q=yes'"));
  const auto help = cli({"--help"}).out;
  for (const char* option :
       {"  --target KIND  ", "  --nginx PATH  ", "  --new-binary PATH  ", "  --out DIR  ", "  --junit FILE  ",
        "  --repeat N  ", "  --jobs N  ", "  --fake-nginx PATH  ", "  -v  ", "  -q  "}) {
    EXPECT_NE(help.find(option), std::string::npos) << option << " missing from\n" << help;
  }
}

// A scenario that upgrades on fake-nginx, in a fresh directory.
std::filesystem::path fake_upgrade_scenario(const std::filesystem::path& dir) {
  std::ofstream(dir / "up.yaml") << "name: up\nsteps:\n  - upgrade: {}\n";
  return dir / "up.yaml";
}

// Issue 21.1: a gate given the user's nginx must not pass on fake-nginx without touching it.
TEST(Cli, NginxOrNewBinaryThatNoRunUsesIsAUsageError) {
  const auto dir = make_test_directory("cli-unused");
  const auto scenario = fake_upgrade_scenario(dir).string();
  const auto out = dir / "runs";
  const auto unused_nginx = cli({"run", scenario, "--nginx", "/bin/true", "--out", out.string()});
  EXPECT_EQ(unused_nginx.code, kExitUsage);
  EXPECT_EQ(unused_nginx.err, usage_line("--nginx /bin/true is not used: every scenario runs on fake-nginx and none "
                                         "names nginx (add --target nginx)"));
  std::ofstream(dir / "still.yaml") << "name: still\nsteps:\n  - sleep: 1s\n";
  const auto unused_new = cli({"run", (dir / "still.yaml").string(), "--new-binary=/bin/true", "--out", out.string()});
  EXPECT_EQ(unused_new.code, kExitUsage);
  EXPECT_EQ(unused_new.err,
            usage_line("--new-binary /bin/true is not used: no scenario swaps in a new binary (swap_binary: new)"));
  EXPECT_FALSE(std::filesystem::exists(out));
  std::filesystem::remove_all(dir);
}

// Issue 21.4: inputs and output paths are checked before any run directory exists, and a
// command-line path is named by its option.
TEST(Cli, MissingBinaryOrUnwritableOutputStopsBeforeAnyRunDirectory) {
  const auto dir = make_test_directory("cli-precheck");
  const auto scenario = fake_upgrade_scenario(dir).string();
  const auto out = dir / "runs";
  const auto missing = cli({"run", scenario, "--new-binary", "/nonexistent/nginx", "--out", out.string(), "--junit",
                            (dir / "junit.xml").string()});
  EXPECT_EQ(missing.code, kExitEnvironment);
  EXPECT_EQ(missing.err, "hotdeploy: --new-binary /nonexistent/nginx: not found\n");
  std::ifstream junit(dir / "junit.xml");
  const std::string xml((std::istreambuf_iterator<char>(junit)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("<error type=\"environment\" message=\"--new-binary /nonexistent/nginx: not found\">"),
            std::string::npos)
      << xml;
  std::filesystem::create_directories(dir / "junit-dir");
  const auto junit_dir = cli({"run", scenario, "--out", out.string(), "--junit", (dir / "junit-dir").string()});
  EXPECT_EQ(junit_dir.code, kExitEnvironment);
  EXPECT_EQ(junit_dir.err, "hotdeploy: --junit " + (dir / "junit-dir").string() + ": is a directory\n");
  std::ofstream(dir / "a-file") << "x";
  const auto out_file = cli({"run", scenario, "--out", (dir / "a-file" / "runs").string()});
  EXPECT_EQ(out_file.code, kExitEnvironment);
  EXPECT_EQ(out_file.err, "hotdeploy: --out " + (dir / "a-file" / "runs").string() + ": " + (dir / "a-file").string() +
                              " is not a directory\n");
  std::ofstream(dir / "relative.yaml") << "name: relative\ntarget: {new_binary: bin/absent}\nsteps:\n  - upgrade: {}\n";
  const auto from_file = cli({"run", (dir / "relative.yaml").string(), "--out", out.string()});
  EXPECT_EQ(from_file.code, kExitEnvironment);
  EXPECT_EQ(from_file.err, "hotdeploy: binary " + (dir / "bin/absent").string() + " (from 'bin/absent' in " +
                               (dir / "relative.yaml").string() + "): not found\n");
  EXPECT_FALSE(std::filesystem::exists(out));
  std::filesystem::remove_all(dir);
}

// Issue 21.6: the cause (run_errors) comes before what follows from it.
TEST(Cli, VerdictLineListsTheCauseFirstAndNamesWhatRan) {
  const harness::Judgement judgement{harness::Verdict::fail,
                                     {},
                                     {{"served_by_at_end", harness::Verdict::fail, "generation 1 served"},
                                      {"dropped", harness::Verdict::pass, "0 dropped"},
                                      {"masters_at_end", harness::Verdict::fail, "2 masters"},
                                      {"switchover_ms", harness::Verdict::unknown, "no switchover"},
                                      {"run_errors", harness::Verdict::fail, "wait master_ready of new timed out"}}};
  const harness::RunSubject subject{"nginx",
                                    {{"binary", "/usr/sbin/nginx", "nginx version: nginx/1.22.1",
                                      "bc08ffbb8c8dcc4af51a7816a8afedbe2d4526787cfd9f3a49e26c208217d550"}}};
  EXPECT_EQ(verdict_line("up", subject, judgement),
            "FAIL up: 0 requests, 0 dropped, 0 retried, switchover n/a\n"
            "  on nginx: binary /usr/sbin/nginx (nginx version: nginx/1.22.1, sha256 bc08ffbb8c8dcc4a)\n"
            "  run_errors: wait master_ready of new timed out\n"
            "  switchover_ms: no switchover\n"
            "  served_by_at_end: generation 1 served\n"
            "  masters_at_end: 2 masters");
}

}  // namespace
}  // namespace hotdeploy::orchestrator
