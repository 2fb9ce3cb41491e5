#include "orchestrator/scenario_parser.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>

#include "hotdeploy_fault_list.h"

namespace hotdeploy::orchestrator {
namespace {

using std::chrono::milliseconds;

std::string error_of(std::string_view text) {
  try {
    (void)parse_scenario_text(text, "s.yaml");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ScenarioParser, ReadsTheUpgradeScenarioOfTheDesign) {
  const auto scenario = parse_scenario_text(R"(
name: upgrade
summary: Executable upgrade under keep-alive load.
target:
  kind: fake
  workers: 3
  daemon: true
load:
  keepalive: {connections: 32}
steps:
  - wait: {until: serving, of: old, timeout: 5s}
  - swap_binary: new
  - signal: {send: USR2, to: old}
  - wait: {until: master_ready, of: new, timeout: 5s}
  - signal: {send: SIGWINCH, to: 1}
  - sleep: 300ms
expect:
  dropped: 0
  served_by_at_end: new
  switchover_ms: {max: 500}
)",
                                            "s.yaml");
  EXPECT_EQ(scenario.name, "upgrade");
  EXPECT_EQ(scenario.target.workers, 3);
  EXPECT_EQ(scenario.load.keepalive.connections, 32);
  ASSERT_EQ(scenario.steps.size(), 6u);
  const auto& wait = std::get<WaitStep>(scenario.steps[0].action);
  EXPECT_EQ(wait.until, WaitCondition::serving);
  EXPECT_EQ(wait.timeout, milliseconds(5000));
  EXPECT_EQ(scenario.steps[0].line, 11);
  EXPECT_EQ(std::get<SwapBinaryStep>(scenario.steps[1].action).which, BinaryChoice::next);
  const auto& usr2 = std::get<SignalStep>(scenario.steps[2].action);
  EXPECT_EQ(usr2.signal_number, SIGUSR2);
  EXPECT_EQ(usr2.to.kind, MasterRef::Kind::oldest);
  const auto& winch = std::get<SignalStep>(scenario.steps[4].action);
  EXPECT_EQ(winch.signal_name, "WINCH");
  EXPECT_EQ(winch.to.kind, MasterRef::Kind::generation);
  EXPECT_EQ(winch.to.generation, 1);
  EXPECT_EQ(std::get<SleepStep>(scenario.steps[5].action).duration, milliseconds(300));
  EXPECT_EQ(scenario.expect.dropped_max, 0u);
  EXPECT_EQ(scenario.expect.switchover_ms_max, 500.0);
  EXPECT_EQ(scenario.expect.served_by_at_end, harness::ServedBy::new_generation);
}

TEST(ScenarioParser, ExpandsTheUpgradeProcedureIntoTheReferenceSequence) {
  const auto scenario = parse_scenario_text("name: u\nsteps:\n  - upgrade: {}\n", "s.yaml");
  std::vector<std::string> described;
  for (const auto& step : scenario.steps) {
    described.push_back(describe(step));
    EXPECT_EQ(step.procedure, "upgrade");
    EXPECT_EQ(step.line, 3);
  }
  const std::vector<std::string> expected = {
      "swap_binary new",
      "signal USR2 to old",
      "wait master_ready of new (timeout 5s)",
      "signal WINCH to old",
      "wait workers_exited of old (timeout 10s)",
      "signal QUIT to old",
      "wait master_exited of old (timeout 10s)",
  };
  EXPECT_EQ(described, expected);
}

TEST(ScenarioParser, DefaultsAllowNoDropsAndTwoFakeWorkers) {
  const auto scenario = parse_scenario_text("name: d\nsteps: []\n", "s.yaml");
  EXPECT_EQ(scenario.target.kind, TargetKind::fake);
  EXPECT_EQ(scenario.target.workers, 2);
  EXPECT_TRUE(scenario.target.daemon);
  EXPECT_EQ(scenario.expect.dropped_max, 0u);
  EXPECT_FALSE(scenario.expect.dropped_min.has_value());
}

TEST(ScenarioParser, DroppedMinAloneLiftsTheDefaultMaximum) {
  const auto scenario = parse_scenario_text("name: d\nsteps: []\nexpect: {dropped: {min: 1}}\n", "s.yaml");
  EXPECT_FALSE(scenario.expect.dropped_max.has_value());
  EXPECT_EQ(scenario.expect.dropped_min, 1u);
}

TEST(ScenarioParser, DroppedTakesAllowedReasonsAndAMaximumPerKind) {
  const auto scenario = parse_scenario_text(
      "name: d\nsteps: []\nexpect: {dropped: {reasons: [refused, reset_after_send], held: 0}}\n", "s.yaml");
  EXPECT_FALSE(scenario.expect.dropped_max.has_value());
  EXPECT_EQ(scenario.expect.dropped_reasons,
            (std::vector<harness::Reason>{harness::Reason::refused, harness::Reason::reset_after_send}));
  EXPECT_EQ(scenario.expect.dropped_max_by_kind.at(harness::RequestKind::held), 0u);
  EXPECT_EQ(error_of("name: d\nsteps: []\nexpect: {dropped: {reasons: [refusd]}}\n"),
            "s.yaml:3:30: unknown drop reason 'refusd'");
  EXPECT_EQ(error_of("name: d\nsteps: []\nexpect: {dropped: {gets: 1}}\n"),
            "s.yaml:3:20: unknown key 'gets' in dropped (known: max, min, reasons, get, post, held)");
}

TEST(ScenarioParser, UnknownKeyNamesFileLineColumnAndKey) {
  EXPECT_EQ(error_of("name: x\nsteps: []\ntarget:\n  wokers: 2\n"),
            "s.yaml:4:3: unknown key 'wokers' in target (known: kind, workers, binary, new_binary, versions, faults, "
            "reuseport, backlog, worker_connections, daemon, directives, sysctls, config)");
}

// Both found by scenario_parser_fuzz: an empty file was named at 0:0, and a byte that is not UTF-8
// was accepted although the run's copy of the scenario would hold U+FFFD in its place.
TEST(ScenarioParser, AnEmptyFileAndBytesThatAreNotUtf8AreNamedAtTheirPlace) {
  EXPECT_EQ(error_of(""), "s.yaml:1:1: a scenario must be a mapping with name, target, load, steps and expect");
  EXPECT_EQ(error_of("name: x\nsummary: '\xe2\x9c\x93 caf\x84'\nsteps: []\n"),
            "s.yaml:2:16: byte 0x84 is not UTF-8 (a scenario file is UTF-8 text)");
}

// Found by scenario_parser_fuzz: a NUL in a summary came back from the run's copy as U+FFFD.
// YAML 1.2 (§5.1) lets a stream hold no control character but tab, line feed and carriage return.
TEST(ScenarioParser, ControlCharactersAreNamedAtTheirPlace) {
  using namespace std::string_literals;
  EXPECT_EQ(error_of("name: x\nsummary: 'a\0b'\n"s),
            "s.yaml:2:12: character U+0000 is not printable (a scenario file holds text, tabs and line ends)");
  EXPECT_EQ(error_of("name: x\x7f\n"),
            "s.yaml:1:8: character U+007F is not printable (a scenario file holds text, "
            "tabs and line ends)");
  EXPECT_EQ(error_of("name: \xc2\x9b\n"),
            "s.yaml:1:7: character U+009B is not printable (a scenario file holds "
            "text, tabs and line ends)");
  EXPECT_EQ(error_of("name: \xef\xbf\xbf\n"),
            "s.yaml:1:7: character U+FFFF is not printable (a scenario file "
            "holds text, tabs and line ends)");
  EXPECT_EQ(parse_scenario_text("name: x\r\nsummary: \"caf\xc3\xa9\t\xc2\xa0\"\r\nsteps: []\n", "s.yaml").summary,
            "caf\xc3\xa9\t\xc2\xa0");
}

TEST(ScenarioParser, DiffAllowsOnlyNamedRulesEachOnce) {
  const auto scenario =
      parse_scenario_text("name: x\nsteps: []\ndiff: {allow: [keepalive_close_race, refusal_count]}\n", "s.yaml");
  EXPECT_EQ(scenario.diff_allow,
            (harness::DiffAllowances{harness::DiffRule::keepalive_close_race, harness::DiffRule::refusal_count}));
  EXPECT_TRUE(parse_scenario_text("name: x\nsteps: []\n", "s.yaml").diff_allow.empty());
  EXPECT_EQ(error_of("name: x\nsteps: []\ndiff: {allow: [everything]}\n"),
            "s.yaml:3:16: unknown diff rule 'everything' (known: sent_after_steps, reset_after_shutdown, "
            "cut_by_fast_shutdown, keepalive_close_race, refusal_count)");
  EXPECT_EQ(error_of("name: x\nsteps: []\ndiff: {allow: [refusal_count, refusal_count]}\n"),
            "s.yaml:3:31: diff rule 'refusal_count' is listed twice");
  EXPECT_EQ(error_of("name: x\nsteps: []\ndiff: {ignore: [x]}\n"),
            "s.yaml:3:8: unknown key 'ignore' in diff (known: allow)");
  EXPECT_EQ(error_of("name: x\nsteps: []\ndiff: {allow: refusal_count}\n"),
            "s.yaml:3:15: 'allow' must be a list of rule names");
}

TEST(ScenarioParser, SysctlsTakeNetKeysOnlyAndNameWhereAnOtherKeyIs) {
  const auto scenario = parse_scenario_text(
      "name: s\ntarget: {sysctls: {net.ipv4.tcp_migrate_req: 1, net.core.somaxconn: 64}}\nsteps: []\n", "s.yaml");
  EXPECT_EQ(scenario.target.sysctls,
            (std::map<std::string, std::string>{{"net.core.somaxconn", "64"}, {"net.ipv4.tcp_migrate_req", "1"}}));
  EXPECT_EQ(error_of("name: s\nsteps: []\ntarget:\n  sysctls:\n    net.core.somaxconn: 64\n    kernel.pid_max: 5000\n"),
            "s.yaml:6:5: sysctl 'kernel.pid_max' is not a net.* key; only net.* sysctls can be set, in the run's own "
            "network namespace");
  EXPECT_EQ(error_of("name: s\nsteps: []\ntarget: {sysctls: {net../../kernel/pid_max: 1}}\n"),
            "s.yaml:3:20: sysctl 'net../../kernel/pid_max' is not a dotted name like net.core.somaxconn");
  EXPECT_EQ(error_of("name: s\nsteps: []\ntarget: {sysctls: [net.core.somaxconn]}\n"),
            "s.yaml:3:19: sysctls must be a mapping");
}

TEST(ScenarioParser, SchemeHttpsTurnsTlsOnWithItsServerNameAndResumption) {
  const auto plain = parse_scenario_text("name: s\nload: {keepalive: {connections: 1}}\nsteps: []\n", "s.yaml");
  EXPECT_FALSE(plain.load.tls.enabled);
  const auto tls = parse_scenario_text(
      "name: s\nload:\n  scheme: https\n  tls: {server_name: www.example.test, resume: tickets}\n"
      "  rate: {per_second: 10}\nsteps: []\n",
      "s.yaml");
  EXPECT_TRUE(tls.load.tls.enabled);
  EXPECT_EQ(tls.load.tls.server_name, "www.example.test");
  EXPECT_EQ(tls.load.tls.resume, harness::TlsResume::tickets);
  const auto defaults = parse_scenario_text("name: s\nload: {scheme: https}\nsteps: []\n", "s.yaml");
  EXPECT_EQ(defaults.load.tls.server_name, "localhost");
  EXPECT_EQ(defaults.load.tls.resume, harness::TlsResume::off);
  EXPECT_EQ(error_of("name: s\nsteps: []\nload: {scheme: ftp}\n"),
            "s.yaml:3:16: 'scheme' must be one of http, https, got 'ftp'");
  EXPECT_EQ(error_of("name: s\nsteps: []\nload: {tls: {resume: ids}}\n"),
            "s.yaml:3:13: 'tls' sets up TLS, which needs 'scheme: https'");
  EXPECT_EQ(error_of("name: s\nsteps: []\nload: {scheme: https, tls: {resume: always}}\n"),
            "s.yaml:3:37: 'resume' must be one of off, tickets, ids, got 'always'");
  EXPECT_EQ(error_of("name: s\nsteps: []\nload: {scheme: https, tls: {server_name: Bad_Name}}\n"),
            "s.yaml:3:42: 'server_name' must be a DNS name in lower case (letters, digits, '.', '-')");
}

TEST(ScenarioParser, ReadsUpstreamsWithTheirListenAddressesAndBehaviour) {
  const auto scenario = parse_scenario_text(R"(
name: proxy
upstreams:
  - {name: app, listen: 9001, delay: 200ms, keepalive_timeout: 2s, keepalive_requests: 100}
  - {name: api, listen: "127.0.0.2:9001", status: 503, body_bytes: 1000}
  - {name: v6, listen: "[::1]:9002", keepalive_timeout: 0ms}
steps:
  - sleep: 1s
expect:
  upstream_answered_lost: 3
)",
                                            "s.yaml");
  ASSERT_EQ(scenario.upstreams.size(), 3u);
  const auto& app = scenario.upstreams[0];
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.host, "127.0.0.1");
  EXPECT_EQ(app.port, 9001);
  EXPECT_EQ(app.delay_ns, 200'000'000);
  EXPECT_EQ(app.keepalive_timeout_ns, 2'000'000'000);
  EXPECT_EQ(app.keepalive_requests, 100u);
  EXPECT_EQ(scenario.upstreams[1].host, "127.0.0.2");
  EXPECT_EQ(scenario.upstreams[1].status, 503);
  EXPECT_EQ(scenario.upstreams[1].body_bytes, 1000u);
  EXPECT_EQ(scenario.upstreams[2].host, "::1");
  EXPECT_EQ(scenario.upstreams[2].port, 9002);
  EXPECT_EQ(scenario.upstreams[2].keepalive_timeout_ns, 0);
  EXPECT_EQ(scenario.expect.upstream_answered_lost_max, 3u);
  EXPECT_EQ(parse_scenario_text("name: plain\nsteps: [{sleep: 1s}]\n", "s.yaml").expect.upstream_answered_lost_max, 0u);
}

TEST(ScenarioParser, UpstreamErrorsNameFileLineColumn) {
  const auto with = [](std::string_view upstreams) {
    return error_of("name: proxy\nupstreams:\n" + std::string(upstreams) + "steps: [{sleep: 1s}]\n");
  };
  EXPECT_EQ(with("  - {name: app, listen: 9001, dealy: 1s}\n"),
            "s.yaml:3:31: unknown key 'dealy' in an upstream (known: name, listen, delay, keepalive_timeout, "
            "keepalive_requests, status, body_bytes)");
  EXPECT_EQ(with("  - {listen: 9001}\n"), "s.yaml:3:5: an upstream needs 'name'");
  EXPECT_EQ(with("  - {name: app}\n"), "s.yaml:3:5: upstream app needs 'listen' (PORT or HOST:PORT)");
  EXPECT_EQ(with("  - {name: app, listen: \"10.0.0.1:80\"}\n"),
            "s.yaml:3:25: 'listen' must be on a numeric loopback address (127.0.0.0/8 or [::1]), got '10.0.0.1:80'");
  EXPECT_EQ(with("  - {name: app, listen: 70000}\n"),
            "s.yaml:3:25: 'listen' needs a port from 1 to 65535, got '70000'");
  EXPECT_EQ(with("  - {name: app, listen: \"localhost:80\"}\n"),
            "s.yaml:3:25: 'listen' must be on a numeric loopback address (127.0.0.0/8 or [::1]), got 'localhost:80'");
  EXPECT_EQ(with("  - {name: app, listen: 9001}\n  - {name: app, listen: 9002}\n"),
            "s.yaml:4:12: two upstreams are named 'app'");
  EXPECT_EQ(with("  - {name: a, listen: 9001}\n  - {name: b, listen: \"127.0.0.1:9001\"}\n"),
            "s.yaml:4:23: upstreams a and b both listen on 127.0.0.1:9001");
  EXPECT_EQ(with("  - {name: app, listen: 9001, delay: 1.5s}\n").substr(0, 40),
            "s.yaml:3:38: 'delay' must be a duration:");
  EXPECT_EQ(with("  - {name: \"a b\", listen: 9001}\n"),
            "s.yaml:3:12: an upstream's 'name' may hold only letters, digits, '_' and '-'");
  EXPECT_EQ(error_of("name: proxy\nupstreams: {name: app}\nsteps: [{sleep: 1s}]\n"),
            "s.yaml:2:12: 'upstreams' must be a list of {name, listen, ...}");
}

TEST(ScenarioParser, UnknownStepKindIsAnError) {
  EXPECT_EQ(error_of("name: x\nsteps:\n  - signl: {send: USR2}\n"),
            "s.yaml:3:5: unknown step kind 'signl' (known: swap_binary, signal, wait, sleep, config, exec, upgrade, "
            "rollback)");
}

TEST(ScenarioParser, ConfigStepCarriesWorkersDirectivesAndBroken) {
  const auto scenario = parse_scenario_text(R"(
name: c
steps:
  - config: {workers: 1, directives: {worker_shutdown_timeout: 1s}}
  - config: {broken: true}
)",
                                            "s.yaml");
  ASSERT_EQ(scenario.steps.size(), 2u);
  const auto& fewer = std::get<ConfigStep>(scenario.steps[0].action);
  EXPECT_EQ(fewer.workers, 1);
  EXPECT_EQ(fewer.directives.at("worker_shutdown_timeout"), "1s");
  EXPECT_FALSE(fewer.broken);
  EXPECT_TRUE(std::get<ConfigStep>(scenario.steps[1].action).broken);
  EXPECT_EQ(describe(scenario.steps[0]), "config workers 1 worker_shutdown_timeout 1s");
  EXPECT_EQ(describe(scenario.steps[1]), "config broken");
}

TEST(ScenarioParser, ConfigStepRejectsUnknownKeysAndEmptyChanges) {
  EXPECT_EQ(error_of("name: x\nsteps:\n  - config: {worker: 1}\n"),
            "s.yaml:3:14: unknown key 'worker' in config (known: workers, directives, broken)");
  EXPECT_EQ(error_of("name: x\nsteps:\n  - config: {}\n"),
            "s.yaml:3:13: config needs at least one of workers, directives, broken");
  EXPECT_EQ(error_of("name: x\nsteps:\n  - config: {workers: 0}\n"),
            "s.yaml:3:23: 'workers' must be between 1 and 64, got 0");
}

TEST(ScenarioParser, WrongTypesAndImpossibleValuesAreErrors) {
  EXPECT_EQ(error_of("name: x\nsteps: []\ntarget: {workers: two}\n"),
            "s.yaml:3:19: 'workers' must be an integer, got 'two'");
  EXPECT_EQ(error_of("name: x\nsteps: []\ntarget: {workers: 0}\n"),
            "s.yaml:3:19: 'workers' must be between 1 and 64, got 0");
  EXPECT_EQ(error_of("name: x\nsteps:\n  - sleep: 300\n"),
            "s.yaml:3:12: 'sleep' must be a duration: whole numbers with ms, s or m, combined largest first as in "
            "nginx (300ms, 5s, 1s500ms; no fractions), got '300'");
  EXPECT_EQ(error_of("name: x\nsteps:\n  - signal: {send: STOP}\n"),
            "s.yaml:3:20: unknown signal 'STOP' (known: USR2, WINCH, QUIT, TERM, INT, HUP, USR1, KILL)");
  EXPECT_EQ(
      error_of("name: x\nsteps:\n  - wait: {until: ready}\n"),
      "s.yaml:3:19: 'until' must be one of serving, master_ready, workers_exited, master_exited, log, got 'ready'");
  EXPECT_EQ(error_of("name: x\nsteps: []\nexpect: {dropped: {min: 3, max: 1}}\n"),
            "s.yaml:3:19: dropped: min is greater than max");
  EXPECT_EQ(error_of("name: x\nsteps: {a: 1}\n"), "s.yaml:2:8: steps must be a list");
}

TEST(ScenarioParser, NameMustBeUsableAsADirectory) {
  EXPECT_EQ(error_of("name: ../etc\nsteps: []\n"),
            "s.yaml:1:7: 'name' may hold only letters, digits, '_', '-' and '.' and must not start with '.' (it "
            "names a directory), got '../etc'");
  EXPECT_EQ(error_of("steps: []\n"), "s.yaml:1:1: missing 'name'");
}

TEST(ScenarioParser, BrokenYamlIsReportedWithItsPosition) {
  EXPECT_EQ(error_of("name: x\nsteps: [\n"), "s.yaml:3:1: end of sequence flow not found");
}

TEST(ScenarioParser, MissingFileIsAnError) {
  EXPECT_THROW((void)parse_scenario_file("/nonexistent/scenario.yaml"), ScenarioError);
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

TEST(ScenarioParser, AllIsATargetForSignalsOnly) {
  const auto scenario = parse_scenario_text("name: k\nsteps:\n  - signal: {send: KILL, to: all}\n", "s.yaml");
  EXPECT_EQ(std::get<SignalStep>(scenario.steps[0].action).to.kind, MasterRef::Kind::all);
  EXPECT_EQ(error_of("name: k\nsteps:\n  - wait: {until: master_exited, of: all}\n"),
            "s.yaml:3:38: 'of' must be old, new or a generation number, got 'all'");
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

std::vector<std::string> described_steps(const Scenario& scenario) {
  std::vector<std::string> described;
  for (const auto& step : scenario.steps) described.push_back(describe(step));
  return described;
}

TEST(ScenarioParser, RollbackViaSeedFollowsTheWalkthroughIncludingItsIgnoredUsr2) {
  const auto scenario = parse_scenario_text("name: r\nsteps:\n  - rollback: {via: seed}\n", "s.yaml");
  const std::vector<std::string> expected = {
      "swap_binary old",
      "signal HUP to old",
      "wait serving of old (timeout 10s)",
      "signal USR2 to new",
      "signal WINCH to new",
      "wait workers_exited of new (timeout 10s)",
      "signal QUIT to new",
      "wait master_exited of new (timeout 10s)",
  };
  EXPECT_EQ(described_steps(scenario), expected);
  EXPECT_EQ(scenario.steps.front().procedure, "rollback via seed");
}

TEST(ScenarioParser, RollbackViaHupAndTermAreTheDocumentedVariants) {
  const auto hup = parse_scenario_text("name: r\nsteps:\n  - rollback: {via: hup}\n", "s.yaml");
  EXPECT_EQ(described_steps(hup),
            (std::vector<std::string>{"swap_binary old", "signal HUP to old", "wait serving of old (timeout 10s)",
                                      "signal QUIT to new", "wait master_exited of new (timeout 10s)"}));
  const auto term = parse_scenario_text("name: r\nsteps:\n  - rollback: {via: term}\n", "s.yaml");
  EXPECT_EQ(described_steps(term),
            (std::vector<std::string>{"swap_binary old", "signal TERM to new",
                                      "wait master_exited of new (timeout 10s)", "wait serving of old (timeout 10s)"}));
  EXPECT_EQ(error_of("name: r\nsteps:\n  - rollback: {via: undo}\n"),
            "s.yaml:3:21: 'via' must be one of hup, term, seed, got 'undo'");
}

TEST(ScenarioParser, FaultsAndVersionsAreStampedOnFakeBinariesOnly) {
  const auto scenario = parse_scenario_text(R"(
name: f
target:
  versions: {old: "1.22", new: "1.24"}
  faults:
    new: [crash_on_start, {slow_start: 500ms}, {bad_status: 503}, {ignore_signal: SIGUSR2}]
steps: []
)",
                                            "s.yaml");
  EXPECT_EQ(scenario.target.binary.version, "1.22");
  EXPECT_EQ(scenario.target.new_binary.version, "1.24");
  EXPECT_TRUE(scenario.target.binary.faults.empty());
  EXPECT_EQ(scenario.target.new_binary.faults,
            (std::vector<std::string>{"crash_on_start", "slow_start=500ms", "bad_status=503", "ignore_signal=USR2"}));
  const auto unknown = error_of("name: f\ntarget:\n  faults: {new: [crash]}\nsteps: []\n");
  EXPECT_EQ(
      unknown.rfind("s.yaml:3:18: unknown fault 'crash' or one that needs a parameter (known: crash_on_start, ", 0), 0U)
      << unknown;
  for (const auto& entry : fault_list::kEntries) {
    EXPECT_NE(unknown.find(entry.name), std::string::npos) << entry.name << " is not named in: " << unknown;
  }
  EXPECT_EQ(error_of("name: f\ntarget:\n  kind: nginx\n  faults: {old: [hang_on_quit]}\nsteps: []\n"),
            "s.yaml:4:17: faults: the old binary is Debian's nginx, which cannot carry faults");
  EXPECT_EQ(error_of("name: f\ntarget:\n  faults: {new: [{bad_status: 42}]}\nsteps: []\n"),
            "s.yaml:3:31: 'bad_status' must be between 100 and 599, got 42");
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

// Every fault of fakes/faults.list is accepted, with a parameter of its kind, and comes out in the
// text form fake-nginx-stamp takes: a fault added to the list needs nothing here.
TEST(ScenarioParser, AcceptsEveryListedFault) {
  using fault_list::Parameter;
  for (const auto& entry : fault_list::kEntries) {
    const std::string name(entry.name);
    std::string yaml = name;
    std::string text = name;
    switch (entry.parameter) {
      case Parameter::none: break;
      case Parameter::time:
        yaml = "{" + name + ": 500ms}";
        text = name + "=500ms";
        break;
      case Parameter::count:
        yaml = "{" + name + ": 3}";
        text = name + "=3";
        break;
      case Parameter::signal:
        yaml = "{" + name + ": SIGWINCH}";
        text = name + "=WINCH";
        break;
      case Parameter::status:
        yaml = "{" + name + ": 503}";
        text = name + "=503";
        break;
    }
    const auto scenario =
        parse_scenario_text("name: f\ntarget:\n  faults: {new: [" + yaml + "]}\nsteps: []\n", "s.yaml");
    EXPECT_EQ(scenario.target.new_binary.faults, std::vector<std::string>{text}) << yaml;
  }
}

TEST(ScenarioParser, ReadsEveryLoadKind) {
  const auto scenario = parse_scenario_text(R"(
name: l
load:
  keepalive: {connections: 8}
  idle: {connections: 4, every: 500ms}
  held: {connections: 2, seconds: 3, bytes: 30000}
  rate: {per_second: 2000}
  post: {per_second: 200}
steps: []
)",
                                            "s.yaml");
  EXPECT_EQ(scenario.load.keepalive.connections, 8);
  EXPECT_EQ(scenario.load.idle.connections, 4);
  EXPECT_EQ(scenario.load.idle.every, std::chrono::milliseconds(500));
  EXPECT_EQ(scenario.load.held.connections, 2);
  EXPECT_EQ(scenario.load.held.seconds, 3.0);
  EXPECT_EQ(scenario.load.held.bytes, 30000u);
  EXPECT_EQ(scenario.load.rate.per_second, 2000.0);
  EXPECT_EQ(scenario.load.post.per_second, 200.0);
  EXPECT_EQ(error_of("name: l\nload: {rate: {per_second: 0}}\nsteps: []\n"),
            "s.yaml:2:27: 'per_second' must be above 0 and at most 100000");
  EXPECT_EQ(error_of("name: l\nload: {held: {seconds: 2}}\nsteps: []\n"), "s.yaml:2:14: held needs 'connections'");
  EXPECT_FALSE(scenario.load.held.start_together);
  const auto burst =
      parse_scenario_text("name: l\nload: {held: {connections: 2, start: together}}\nsteps: []\n", "s.yaml");
  EXPECT_TRUE(burst.load.held.start_together);
  EXPECT_EQ(error_of("name: l\nload: {held: {connections: 2, start: now}}\nsteps: []\n"),
            "s.yaml:2:38: 'start' must be one of spread, together, got 'now'");
}

TEST(ScenarioParser, PostTakesANewConnectionPerPostOrKeepAliveConnectionsNotBoth) {
  const auto scenario =
      parse_scenario_text("name: p\nload:\n  post: {connections: 16, every: 20ms}\nsteps: []\n", "s.yaml");
  EXPECT_EQ(scenario.load.post.connections, 16);
  EXPECT_EQ(scenario.load.post.every, std::chrono::milliseconds(20));
  EXPECT_EQ(scenario.load.post.per_second, 0.0);
  EXPECT_EQ(error_of("name: p\nload: {post: {per_second: 100, connections: 4}}\nsteps: []\n"),
            "s.yaml:2:14: post takes 'per_second' (a new connection per POST) or 'connections' (keep-alive), not both");
  EXPECT_EQ(error_of("name: p\nload: {post: {per_second: 100, every: 20ms}}\nsteps: []\n"),
            "s.yaml:2:39: 'every' is for keep-alive POSTs: it needs 'connections'");
  EXPECT_EQ(error_of("name: p\nload: {post: {}}\nsteps: []\n"),
            "s.yaml:2:14: post needs 'per_second' or 'connections'");
}

TEST(ScenarioParser, TimeoutsReplaceTheirDefaultsAndAreCheckedLikeEveryKey) {
  const auto defaults = parse_scenario_text("name: t\nsteps: []\n", "s.yaml");
  EXPECT_EQ(defaults.load.connect_timeout, milliseconds(4000));
  const auto scenario = parse_scenario_text(
      "name: t\nload:\n  timeouts: {connect: 7s, first_byte: 2s, response: 1s500ms}\nsteps: []\n", "s.yaml");
  EXPECT_EQ(scenario.load.connect_timeout, milliseconds(7000));
  EXPECT_EQ(scenario.load.first_byte_timeout, milliseconds(2000));
  EXPECT_EQ(scenario.load.response_timeout, milliseconds(1500));
  const auto one = parse_scenario_text("name: t\nload: {timeouts: {connect: 300ms}}\nsteps: []\n", "s.yaml");
  EXPECT_EQ(one.load.connect_timeout, milliseconds(300));
  EXPECT_EQ(one.load.first_byte_timeout, defaults.load.first_byte_timeout);
  EXPECT_EQ(error_of("name: t\nload: {timeouts: {conect: 1s}}\nsteps: []\n"),
            "s.yaml:2:19: unknown key 'conect' in timeouts (known: connect, first_byte, response)");
  EXPECT_EQ(error_of("name: t\nload:\n  timeouts:\n    connect: 1.5s\nsteps: []\n"),
            "s.yaml:4:14: 'connect' must be a duration: whole numbers with ms, s or m, combined largest first as in "
            "nginx (300ms, 5s, 1s500ms; no fractions), got '1.5s'");
  EXPECT_EQ(error_of("name: t\nload: {timeouts: {response: 0ms}}\nsteps: []\n"),
            "s.yaml:2:29: 'response' must be longer than 0ms");
}

TEST(ScenarioParser, ConnectMsBoundsItsFiguresLikeTheOtherDurationMetrics) {
  const auto scenario =
      parse_scenario_text("name: c\nsteps: []\nexpect: {connect_ms: {p99: {max: 200}, max: {max: 1500}}}\n", "s.yaml");
  EXPECT_EQ(scenario.expect.connect_ms_p99_max, 200.0);
  EXPECT_EQ(scenario.expect.connect_ms_max_max, 1500.0);
  EXPECT_FALSE(scenario.expect.connect_ms_p50_max);
  EXPECT_EQ(error_of("name: c\nsteps: []\nexpect: {connect_ms: {p95: {max: 200}}}\n"),
            "s.yaml:3:23: unknown key 'p95' in connect_ms (known: p50, p99, max, over_1s)");
  EXPECT_EQ(error_of("name: c\nsteps: []\nexpect: {connect_ms: {p99: {min: 2}}}\n"),
            "s.yaml:3:29: unknown key 'min' in p99 (known: max)");
  EXPECT_EQ(error_of("name: c\nsteps: []\nexpect: {connect_ms: {}}\n"),
            "s.yaml:3:22: connect_ms needs at least one of p50, p99, max, over_1s");
}

TEST(ScenarioParser, ConnectMsOverOneSecondIsACountWithMinAndMax) {
  const auto scenario =
      parse_scenario_text("name: c\nsteps: []\nexpect: {connect_ms: {over_1s: {min: 1}}}\n", "s.yaml");
  EXPECT_EQ(scenario.expect.connect_over_1s.min, 1u);
  EXPECT_FALSE(scenario.expect.connect_over_1s.max);
  EXPECT_EQ(error_of("name: c\nsteps: []\nexpect: {connect_ms: {over_1s: {}}}\n"),
            "s.yaml:3:32: over_1s needs max, min or both");
  EXPECT_EQ(error_of("name: c\nsteps: []\nexpect: {connect_ms: {over_1s: {min: 3, max: 1}}}\n"),
            "s.yaml:3:32: over_1s: min is greater than max");
}

TEST(ScenarioParser, KernelBoundsNameCountersARunKeeps) {
  const auto scenario = parse_scenario_text(
      "name: k\nsteps: []\nexpect:\n  kernel:\n    TcpExtListenOverflows: {min: 1}\n"
      "    TcpExtTCPMigrateReqFailure: {max: 0}\n",
      "s.yaml");
  ASSERT_EQ(scenario.expect.kernel.size(), 2u);
  EXPECT_EQ(scenario.expect.kernel.at("TcpExtListenOverflows").min, 1u);
  EXPECT_FALSE(scenario.expect.kernel.at("TcpExtListenOverflows").max);
  EXPECT_EQ(scenario.expect.kernel.at("TcpExtTCPMigrateReqFailure").max, 0u);
  const auto unknown = error_of("name: k\nsteps: []\nexpect: {kernel: {ListenOverflows: {min: 1}}}\n");
  EXPECT_EQ(unknown.rfind("s.yaml:3:19: unknown kernel counter 'ListenOverflows' (known: TcpExtListenOverflows, ", 0),
            0u)
      << unknown;
  EXPECT_EQ(error_of("name: k\nsteps: []\nexpect: {kernel: {TcpOutRsts: 3}}\n"),
            "s.yaml:3:31: TcpOutRsts must be a mapping");
  EXPECT_EQ(error_of("name: k\nsteps: []\nexpect: {kernel: {TcpOutRsts: {least: 3}}}\n"),
            "s.yaml:3:32: unknown key 'least' in TcpOutRsts (known: max, min)");
  EXPECT_EQ(error_of("name: k\nsteps: []\nexpect: {kernel: {TcpOutRsts: {min: -1}}}\n"),
            "s.yaml:3:37: 'min' must be between 0 and 2147483647, got -1");
  EXPECT_EQ(error_of("name: k\nsteps: []\nexpect: {kernel: {}}\n"), "s.yaml:3:18: kernel needs at least one counter");
}

TEST(ScenarioParser, ReadsEveryExpectation) {
  const auto scenario = parse_scenario_text(R"(
name: e
steps: []
expect:
  dropped: {min: 1}
  retried: {max: 10}
  ready_ms: {max: 100}
  drain_ms: {max: 200}
  blackout_ms: {max: 50}
  masters_at_end: 1
  no_effect: ["USR2 to generation 2"]
  log: {contains: ["changing binary"], not_contains: ["\\[emerg\\]"]}
)",
                                            "s.yaml");
  EXPECT_EQ(scenario.expect.dropped_min, 1u);
  EXPECT_EQ(scenario.expect.retried_max, 10u);
  EXPECT_EQ(scenario.expect.ready_ms_max, 100.0);
  EXPECT_EQ(scenario.expect.drain_ms_max, 200.0);
  EXPECT_EQ(scenario.expect.blackout_ms_max, 50.0);
  EXPECT_EQ(scenario.expect.masters_at_end, 1u);
  EXPECT_EQ(scenario.expect.no_effect_steps, (std::vector<std::string>{"USR2 to generation 2"}));
  EXPECT_EQ(scenario.expect.log_contains, (std::vector<std::string>{"changing binary"}));
  EXPECT_EQ(scenario.expect.log_not_contains, (std::vector<std::string>{"\\[emerg\\]"}));
  EXPECT_EQ(parse_scenario_text("name: e\nsteps: []\nexpect: {no_effect: 2}\n", "s.yaml").expect.no_effect_count, 2u);
  EXPECT_EQ(error_of("name: e\nsteps: []\nexpect: {log: {contains: [\"(\"]}}\n").substr(0, 43),
            "s.yaml:3:27: invalid regular expression '('");
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

TEST(ScenarioParser, WaitUntilLogTakesAPatternAndNoMaster) {
  const auto scenario = parse_scenario_text(
      "name: w\nsteps:\n  - wait: {until: log, pattern: \"changing binary\", timeout: 2s}\n", "s.yaml");
  const auto& wait = std::get<WaitStep>(scenario.steps[0].action);
  EXPECT_EQ(wait.until, WaitCondition::log);
  EXPECT_EQ(wait.pattern, "changing binary");
  EXPECT_EQ(wait.timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(describe(scenario.steps[0]), "wait log /changing binary/ (timeout 2s)");
  EXPECT_EQ(error_of("name: w\nsteps:\n  - wait: {until: log}\n"),
            "s.yaml:3:11: wait until log needs 'pattern' (a regular expression)");
  EXPECT_EQ(error_of("name: w\nsteps:\n  - wait: {until: serving, pattern: x}\n"),
            "s.yaml:3:37: 'pattern' belongs to wait until log");
}

TEST(ScenarioParser, TargetConfigIsTheUsersNginxConfRelativeToTheScenarioFile) {
  const auto scenario = parse_scenario_text(
      "name: mine\ntarget: {kind: nginx, config: ../deploy/nginx.conf}\nsteps:\n  - sleep: 1s\n", "/srv/ci/s.yaml");
  EXPECT_EQ(scenario.target.config, "/srv/deploy/nginx.conf");
  EXPECT_EQ(scenario.target.kind, TargetKind::nginx);
  const auto absolute =
      parse_scenario_text("name: mine\ntarget: {config: /etc/nginx/nginx.conf}\nsteps:\n  - sleep: 1s\n", "s.yaml");
  EXPECT_EQ(absolute.target.config, "/etc/nginx/nginx.conf");
  EXPECT_EQ(absolute.target.kind, TargetKind::nginx) << "a user's config runs on real nginx";
}

TEST(ScenarioParser, TargetConfigRefusesWhatShapesTheGeneratedConfig) {
  EXPECT_EQ(error_of("name: x\ntarget: {kind: fake, config: n.conf}\nsteps:\n  - sleep: 1s\n"),
            "s.yaml:2:16: 'config' runs the user's nginx.conf on real nginx: kind must be nginx");
  EXPECT_EQ(error_of("name: x\ntarget: {config: n.conf, workers: 4}\nsteps:\n  - sleep: 1s\n"),
            "s.yaml:2:35: 'workers' shapes hotdeploy's own nginx.conf; with 'config' the user's config says it");
  EXPECT_EQ(error_of("name: x\ntarget: {config: ''}\nsteps:\n  - sleep: 1s\n"),
            "s.yaml:2:18: 'config' must name the nginx.conf to run");
  EXPECT_EQ(error_of("name: x\ntarget: {config: n.conf}\nsteps:\n  - config: {workers: 1}\n"),
            "s.yaml:4:5: a config step rewrites hotdeploy's own nginx.conf; with target.config, change the user's "
            "files");
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

constexpr std::string_view kMix = R"(name: mix
load:
  keepalive: {connections: 4}
  seed: 9
  requests:
    - name: home
      url: http://shop.example/
      weight: 3
    - name: checkout
      method: POST
      url: http://api.shop.example:8081/cart?item=3
      headers: {Content-Type: application/json, X-Trace: abc}
      body: '{"item": 3}'
      expect_status: [200, 3xx, 409]
    - name: upload
      method: PUT
      url: /upload
      body_size: 1000
      expect_status: 201
steps:
  - exec: {run: [sh, upgrade.sh, "a b"], timeout: 20s, expect_exit: 3}
  - exec: {run: "nginx -s reload"}
expect:
  dropped: {max: 2, checkout: 1, home: 0}
)";

TEST(ScenarioParser, ReadsTheUsersRequests) {
  const auto scenario = parse_scenario_text(kMix, "dir/mix.yaml");
  const auto& requests = scenario.load.requests;
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(scenario.load.seed, 9u);
  EXPECT_EQ(requests[0].name, "home");
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].host, "shop.example");
  EXPECT_EQ(requests[0].port, 0);
  EXPECT_EQ(requests[0].target, "/");
  EXPECT_EQ(requests[0].weight, 3u);
  EXPECT_TRUE(requests[0].expect_status.empty());
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].host, "api.shop.example:8081");
  EXPECT_EQ(requests[1].port, 8081);
  EXPECT_EQ(requests[1].target, "/cart?item=3");
  EXPECT_EQ(requests[1].headers, (std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/json"},
                                                                                   {"X-Trace", "abc"}}));
  EXPECT_EQ(requests[1].body, "{\"item\": 3}");
  EXPECT_EQ(requests[1].expect_status, (std::vector<harness::StatusRange>{{200, 200}, {300, 399}, {409, 409}}));
  EXPECT_EQ(requests[1].weight, 1u);
  EXPECT_EQ(requests[2].body, std::string(1000, 'x'));
  EXPECT_EQ(requests[2].expect_status, (std::vector<harness::StatusRange>{{201, 201}}));
  EXPECT_EQ(scenario.expect.dropped_max, 2u);
  EXPECT_EQ(scenario.expect.dropped_max_by_name, (std::map<std::string, std::uint64_t>{{"checkout", 1}, {"home", 0}}));
}

TEST(ScenarioParser, ReadsExecSteps) {
  const auto scenario = parse_scenario_text(kMix, "dir/mix.yaml");
  ASSERT_EQ(scenario.steps.size(), 2u);
  const auto& argv = std::get<ExecStep>(scenario.steps[0].action);
  EXPECT_EQ(argv.argv, (std::vector<std::string>{"sh", "upgrade.sh", "a b"}));
  EXPECT_EQ(argv.timeout, milliseconds(20000));
  EXPECT_EQ(argv.expect_exit, 3);
  EXPECT_TRUE(std::filesystem::path(argv.directory).is_absolute());
  EXPECT_EQ(std::filesystem::path(argv.directory).filename(), "dir");
  EXPECT_EQ(describe(scenario.steps[0]), "exec sh upgrade.sh 'a b'");
  const auto& line = std::get<ExecStep>(scenario.steps[1].action);
  EXPECT_EQ(line.shell_line, "nginx -s reload");
  EXPECT_TRUE(line.argv.empty());
  EXPECT_EQ(line.timeout, milliseconds(30000));
  EXPECT_EQ(line.expect_exit, 0);
  EXPECT_EQ(describe(scenario.steps[1]), "exec nginx -s reload");
}

// Replaces the first `from` in kMix by `to`, and returns the error.
std::string mix_error_with(std::string_view from, std::string_view to) {
  std::string text(kMix);
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  return error_of(text);
}

TEST(ScenarioParser, RefusesEveryBadRequest) {
  EXPECT_EQ(mix_error_with("      weight: 3", "      wieght: 3"),
            "s.yaml:8:7: unknown key 'wieght' in a request (known: name, method, url, headers, body, body_size, "
            "expect_status, weight)");
  EXPECT_EQ(mix_error_with("    - name: upload", "    - name: home"),
            "s.yaml:15:13: request name 'home' is used twice");
  EXPECT_EQ(mix_error_with("    - name: upload", "    - name: max").substr(0, 57),
            "s.yaml:15:13: request name 'max' is one of expect: droppe");
  EXPECT_EQ(mix_error_with("    - name: upload", "    - name: held").substr(0, 40),
            "s.yaml:15:13: request name 'held' is one");
  EXPECT_EQ(mix_error_with("    - name: upload", "    - name: 'up load'"),
            "s.yaml:15:7: request 'up load': a name holds only letters, digits, '_', '-' and '.'");
  EXPECT_EQ(mix_error_with("      weight: 3", "      weight: 0"),
            "s.yaml:8:15: 'weight' must be between 1 and 1000000, got 0");
  EXPECT_EQ(mix_error_with("      weight: 3", "      weight: 1.5"),
            "s.yaml:8:15: 'weight' must be an integer, got '1.5'");
  EXPECT_EQ(mix_error_with("url: http://shop.example/", "url: https://shop.example/"),
            "s.yaml:7:12: 'url' https://shop.example/: scheme 'https' is not supported: the load speaks plain "
            "HTTP/1.1 (http://)");
  EXPECT_EQ(mix_error_with("url: http://shop.example/", "url: http://shop.example:99999/"),
            "s.yaml:7:12: 'url' http://shop.example:99999/: the port '99999' is not within 1..65535");
  EXPECT_EQ(mix_error_with("      url: /upload\n", ""),
            "s.yaml:15:7: request 'upload' needs 'url' (http://HOST[:PORT]/PATH or /PATH)");
  EXPECT_EQ(mix_error_with("    - name: home\n", "    - url: /\n"), "s.yaml:6:7: a request needs 'name'");
  EXPECT_EQ(mix_error_with("expect_status: 201", "expect_status: 600"),
            "s.yaml:19:22: 'expect_status' takes statuses 100..599 or classes 1xx..5xx, got '600'");
  EXPECT_EQ(mix_error_with("expect_status: 201", "expect_status: 6xx"),
            "s.yaml:19:22: 'expect_status' takes statuses 100..599 or classes 1xx..5xx, got '6xx'");
  EXPECT_EQ(mix_error_with("      body_size: 1000", "      body_size: 1000\n      body: x"),
            "s.yaml:18:18: a request has 'body' or 'body_size', not both");
  EXPECT_EQ(mix_error_with("X-Trace: abc", "Host: abc"),
            "s.yaml:9:7: request 'checkout': header Host is set by hotdeploy (Host comes from the url; "
            "Content-Length from the body)");
  EXPECT_EQ(mix_error_with("method: POST", "method: 'PO ST'"),
            "s.yaml:9:7: request 'checkout': method 'PO ST' is not an HTTP token");
  EXPECT_EQ(error_of("name: s\nload: {keepalive: {connections: 1}, requests: []}\nsteps: []\n"),
            "s.yaml:2:47: 'requests' must be a list of at least one request");
}

TEST(ScenarioParser, RequestsNeedATrafficShapeAndRefusePostAndHeldBytes) {
  EXPECT_EQ(mix_error_with("  keepalive: {connections: 4}\n", ""),
            "s.yaml:5:5: 'requests' need a traffic shape to send them: keepalive, idle, rate or held");
  EXPECT_EQ(mix_error_with("  keepalive: {connections: 4}\n", "  post: {per_second: 10}\n"),
            "s.yaml:3:9: 'post' (hotdeploy's own POST /echo) does not run beside 'requests': put POSTs in the mix");
  EXPECT_EQ(mix_error_with("  keepalive: {connections: 4}\n", "  held: {connections: 2, bytes: 100}\n").substr(0, 40),
            "s.yaml:3:33: held 'bytes' asks hotdeploy");
  EXPECT_NO_THROW((void)parse_scenario_text(
      std::string(kMix).replace(std::string(kMix).find("  keepalive: {connections: 4}\n"), 30,
                                "  held: {connections: 2, seconds: 2}\n  rate: {per_second: 10}\n"),
      "s.yaml"));
  EXPECT_EQ(error_of("name: s\nload: {keepalive: {connections: 1}, seed: 3}\nsteps: []\n"),
            "s.yaml:2:43: 'seed' chooses among 'requests', which are missing");
}

TEST(ScenarioParser, DroppedBoundsANameOfTheMixOnly) {
  EXPECT_EQ(mix_error_with("checkout: 1,", "chekout: 1,"),
            "s.yaml:24:21: unknown key 'chekout' in dropped (known: max, min, reasons, get, post, held; the "
            "requests, home, checkout, upload)");
  EXPECT_EQ(mix_error_with("checkout: 1,", "checkout: -1,"),
            "s.yaml:24:31: 'checkout' must be between 0 and 2147483647, got -1");
  EXPECT_EQ(error_of("name: s\nsteps: []\nexpect: {dropped: {home: 1}}\n"),
            "s.yaml:3:20: unknown key 'home' in dropped (known: max, min, reasons, get, post, held)");
}

TEST(ScenarioParser, RefusesEveryBadExec) {
  const auto exec_error = [](std::string_view step) {
    return error_of("name: e\nsteps:\n  - exec: " + std::string(step) + "\n");
  };
  EXPECT_EQ(exec_error("{}"), "s.yaml:3:11: exec needs 'run': a list [program, arguments...] or a shell command line");
  EXPECT_EQ(exec_error("{run: []}"), "s.yaml:3:17: 'run' needs at least the program");
  EXPECT_EQ(exec_error("{run: ''}"), "s.yaml:3:17: 'run' is an empty command line");
  EXPECT_EQ(exec_error("{run: [x], timeot: 1s}"),
            "s.yaml:3:22: unknown key 'timeot' in exec (known: run, timeout, expect_exit)");
  EXPECT_EQ(exec_error("{run: [x], timeout: 0ms}"), "s.yaml:3:31: 'timeout' must be above 0ms and at most 1h");
  EXPECT_EQ(exec_error("{run: [x], timeout: 61m}"), "s.yaml:3:31: 'timeout' must be above 0ms and at most 1h");
  EXPECT_EQ(exec_error("{run: [x], timeout: 1.5s}").substr(0, 45), "s.yaml:3:31: 'timeout' must be a duration: wh");
  EXPECT_EQ(exec_error("{run: [x], expect_exit: 256}"),
            "s.yaml:3:35: 'expect_exit' must be between 0 and 255, got 256");
  EXPECT_EQ(exec_error("{run: {a: b}}"), "s.yaml:3:17: 'run' must be a single value");
  EXPECT_EQ(exec_error("x"), "s.yaml:3:11: exec must be a mapping");
}

}  // namespace
}  // namespace hotdeploy::orchestrator
