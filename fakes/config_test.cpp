#include "config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace hotdeploy::fakes {
namespace {

ConfigLoad interpret(std::string_view text, std::string_view globals = {}) {
  ConfParse parsed = parse_conf_text(text);
  EXPECT_FALSE(parsed.error) << parsed.error->message;
  std::vector<Directive> global_directives;
  if (!globals.empty()) global_directives = parse_conf_params(globals).directives;
  return interpret_config(parsed.directives, global_directives, "/srv/conf/nginx.conf", "/srv/");
}

TEST(Config, DefaultsAreNginxDefaults) {
  ConfigLoad load = interpret("events {}\n");
  ASSERT_TRUE(load.config) << load.error;
  EXPECT_EQ(load.config->worker_processes, 1);
  EXPECT_EQ(load.config->pid_path, "/srv/logs/nginx.pid");
  EXPECT_EQ(load.config->old_pid_path(), "/srv/logs/nginx.pid.oldbin");
  EXPECT_FALSE(load.config->error_log_path);
  EXPECT_EQ(effective_error_log(*load.config, "/srv/logs/error.log"), "/srv/logs/error.log");
  EXPECT_EQ(load.config->error_log_level, LogLevel::error);
  EXPECT_TRUE(load.config->daemon);
  EXPECT_TRUE(load.config->listens.empty());
}

TEST(Config, ActsOnModelledDirectivesAndIgnoresTheRest) {
  ConfigLoad load = interpret(
      "user nobody;\n"
      "worker_processes 3;\n"
      "pid run/fake.pid;\n"
      "error_log logs/error.log info;\n"
      "daemon off;\n"
      "worker_shutdown_timeout 1500ms;\n"
      "env KEEP;\n"
      "env SET=value;\n"
      "events { worker_connections 64; }\n"
      "http {\n"
      "  include mime.types;\n"
      "  types { text/html html; }\n"
      "  server {\n"
      "    listen 127.0.0.1:8080;\n"
      "    location / { return 200; }\n"
      "  }\n"
      "  server { listen 127.0.0.1:8080 default_server; listen [::1]:8081 reuseport; }\n"
      "}\n");
  ASSERT_TRUE(load.config) << load.error;
  const Config& config = *load.config;
  EXPECT_EQ(config.worker_processes, 3);
  EXPECT_EQ(config.pid_path, "/srv/run/fake.pid");
  EXPECT_EQ(config.error_log_path, "/srv/logs/error.log");
  EXPECT_EQ(config.error_log_level, LogLevel::info);
  EXPECT_FALSE(config.daemon);
  EXPECT_EQ(config.worker_shutdown_timeout, std::chrono::milliseconds(1500));
  ASSERT_EQ(config.env.size(), 2u);
  EXPECT_EQ(config.env[0].name, "KEEP");
  EXPECT_FALSE(config.env[0].value);
  EXPECT_EQ(config.env[1].value, "value");
  ASSERT_EQ(config.listens.size(), 2u) << "equal addresses merge";
  EXPECT_EQ(config.listens[0].address.text(), "127.0.0.1:8080");
  EXPECT_FALSE(config.listens[0].reuseport);
  EXPECT_EQ(config.listens[1].address.text(), "[::1]:8081");
  EXPECT_TRUE(config.listens[1].reuseport);
}

TEST(Config, ListenSslTakesItsServersCertificateElseTheHttpBlocks) {
  ConfigLoad load = interpret(
      "events {}\n"
      "http {\n"
      "  ssl_certificate_key tls/http.key;\n"
      "  ssl_certificate tls/http.pem;\n"
      "  server { listen 127.0.0.1:8443 ssl; ssl_certificate /abs/own.pem; }\n"
      "  server { listen 127.0.0.1:9443 ssl; }\n"
      "  server { listen 127.0.0.1:8080; }\n"
      "}\n");
  ASSERT_TRUE(load.config) << load.error;
  const auto& listens = load.config->listens;
  ASSERT_EQ(listens.size(), 3u);
  EXPECT_TRUE(listens[0].ssl);
  EXPECT_EQ(listens[0].certificate, "/abs/own.pem");
  EXPECT_EQ(listens[0].certificate_key, "/srv/tls/http.key");
  EXPECT_EQ(listens[1].certificate, "/srv/tls/http.pem");
  EXPECT_FALSE(listens[2].ssl);
  EXPECT_FALSE(listens[0].tls) << "interpret_config loads no file: load_config does";
}

TEST(Config, ListenSslWithoutACertificateIsNginxsEmerg) {
  ConfigLoad load = interpret("events {}\nhttp {\n  server {\n    listen 127.0.0.1:8443 ssl;\n  }\n}\n");
  EXPECT_FALSE(load.config);
  EXPECT_EQ(load.error,
            "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive in /srv/conf/nginx.conf:4");
}

TEST(Config, ACertificateThatCannotBeLoadedFailsTheLoad) {
  const auto dir = std::filesystem::temp_directory_path() / ("fake-nginx-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto conf = dir / "nginx.conf";
  std::ofstream(conf) << "events {}\nhttp { server { listen 127.0.0.1:8443 ssl; ssl_certificate " << dir.string()
                      << "/missing.pem; ssl_certificate_key " << dir.string() << "/missing.key; } }\n";
  ConfigLoad load = load_config(conf.string(), dir.string() + "/", std::nullopt);
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(load.config);
  EXPECT_TRUE(load.error.starts_with("cannot load certificate \"" + dir.string() + "/missing.pem\"")) << load.error;
}

TEST(Config, ListenBacklogIsReadAndDefaultsToNginxs) {
  ConfigLoad load = interpret(
      "events {}\n"
      "http {\n"
      "  server { listen 127.0.0.1:8080 backlog=16 reuseport; listen 127.0.0.1:8081; }\n"
      "  server { listen 127.0.0.1:8081 backlog=64; }\n"
      "}\n");
  ASSERT_TRUE(load.config) << load.error;
  const Config& config = *load.config;
  ASSERT_EQ(config.listens.size(), 2u);
  EXPECT_EQ(config.listens[0].backlog, 16);
  EXPECT_TRUE(config.listens[0].reuseport);
  EXPECT_EQ(config.listens[1].backlog, 64) << "a merged address takes the backlog a directive set";
  ConfigLoad plain = interpret("events {}\nhttp { server { listen 127.0.0.1:8080; } }\n");
  ASSERT_TRUE(plain.config) << plain.error;
  EXPECT_EQ(plain.config->listens[0].backlog, kDefaultListenBacklog);
  EXPECT_EQ(kDefaultListenBacklog, 511);
}

TEST(Config, ServerWithoutListenListensOnNginxDefaultPort) {
  ConfigLoad load = interpret("events {}\nhttp { server { } }\n");
  ASSERT_TRUE(load.config) << load.error;
  ASSERT_EQ(load.config->listens.size(), 1u);
  EXPECT_EQ(load.config->listens[0].address.text(), ::geteuid() == 0 ? "0.0.0.0:80" : "0.0.0.0:8000");
}

TEST(Config, GlobalDirectivesComeFirstAndDuplicatesFail) {
  ConfigLoad load = interpret("events {}\n", "daemon off; worker_processes 4;");
  ASSERT_TRUE(load.config) << load.error;
  EXPECT_FALSE(load.config->daemon);
  EXPECT_EQ(load.config->worker_processes, 4);

  ConfigLoad duplicate = interpret("daemon on;\nevents {}\n", "daemon off;");
  EXPECT_FALSE(duplicate.config);
  EXPECT_EQ(duplicate.error, "\"daemon\" directive is duplicate in /srv/conf/nginx.conf:1");
}

struct ConfigErrorCase {
  const char* text;
  const char* error;
};

class ConfigErrors : public ::testing::TestWithParam<ConfigErrorCase> {};

TEST_P(ConfigErrors, UseNginxWordingAndLocation) {
  ConfigLoad load = interpret(GetParam().text);
  EXPECT_FALSE(load.config);
  EXPECT_EQ(load.error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigErrors,
    ::testing::Values(
        ConfigErrorCase{"http {}\n", "no \"events\" section in configuration"},
        ConfigErrorCase{"events {}\nworker_processes two;\n",
                        "\"worker_processes\" directive invalid value in /srv/conf/nginx.conf:2"},
        ConfigErrorCase{"events {}\n\ndaemon maybe;\n",
                        "invalid value \"maybe\" in \"daemon\" directive, it must be \"on\" or \"off\" in "
                        "/srv/conf/nginx.conf:3"},
        ConfigErrorCase{"events {}\npid a b;\n",
                        "invalid number of arguments in \"pid\" directive in /srv/conf/nginx.conf:2"},
        ConfigErrorCase{"events {}\nerror_log logs/e.log loud;\n",
                        "invalid log level \"loud\" in /srv/conf/nginx.conf:2"},
        ConfigErrorCase{"events;\n", "directive \"events\" has no opening \"{\" in /srv/conf/nginx.conf:1"},
        ConfigErrorCase{"events {}\nlisten 80;\n",
                        "\"listen\" directive is not allowed here in /srv/conf/nginx.conf:2"},
        ConfigErrorCase{"events {}\nhttp {\n server {\n  listen 127.0.0.1:99999;\n }\n}\n",
                        "invalid port in \"127.0.0.1:99999\" of the \"listen\" directive in /srv/conf/nginx.conf:4"},
        ConfigErrorCase{"events {}\nhttp { server { listen 127.0.0.1:8080 backlog=0; } }\n",
                        "invalid backlog \"backlog=0\" in /srv/conf/nginx.conf:2"},
        ConfigErrorCase{"events {}\nhttp { server { listen 127.0.0.1:8080 backlog=-1; } }\n",
                        "invalid backlog \"backlog=-1\" in /srv/conf/nginx.conf:2"},
        ConfigErrorCase{"events {}\nhttp { server { listen 127.0.0.1:8080 backlog=; } }\n",
                        "invalid backlog \"backlog=\" in /srv/conf/nginx.conf:2"},
        ConfigErrorCase{"events {}\nhttp { server { listen 127.0.0.1:8080 backlog=16k; } }\n",
                        "invalid backlog \"backlog=16k\" in /srv/conf/nginx.conf:2"}));

TEST(Config, LoadReportsMissingFileAndSyntaxErrorsWithPath) {
  ConfigLoad missing = load_config("/nonexistent/nginx.conf", "/nonexistent/", std::nullopt);
  EXPECT_FALSE(missing.config);
  EXPECT_EQ(missing.error, "open() \"/nonexistent/nginx.conf\" failed");
  EXPECT_EQ(missing.error_number, ENOENT);

  ConfigLoad bad_param = load_config("/nonexistent/nginx.conf", "/nonexistent/", std::string("daemon off"));
  EXPECT_EQ(bad_param.error, "unexpected end of parameter, expecting \";\" in command line");
}

TEST(Config, NginxTimeSyntax) {
  EXPECT_EQ(parse_nginx_time("10"), std::chrono::milliseconds(10'000));
  EXPECT_EQ(parse_nginx_time("10s"), std::chrono::milliseconds(10'000));
  EXPECT_EQ(parse_nginx_time("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_nginx_time("1m30s"), std::chrono::milliseconds(90'000));
  EXPECT_FALSE(parse_nginx_time("soon"));
  EXPECT_FALSE(parse_nginx_time(""));
  EXPECT_FALSE(parse_nginx_time("-5s"));
  EXPECT_FALSE(parse_nginx_time("+5s"));
  EXPECT_FALSE(parse_nginx_time("9223372036854776s"));
  EXPECT_FALSE(parse_nginx_time("9223372036854775807ms1ms"));
}

TEST(Config, ResolvePathKeepsAbsolutePaths) {
  EXPECT_EQ(resolve_path("/srv/", "logs/x"), "/srv/logs/x");
  EXPECT_EQ(resolve_path("/srv/", "/var/x"), "/var/x");
}

}  // namespace
}  // namespace hotdeploy::fakes

namespace hotdeploy::fakes {
namespace {

class IncludedConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fakes_include_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::filesystem::create_directories(dir_ + "/conf/sites");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& relative, const std::string& text) { std::ofstream(dir_ + "/" + relative) << text; }
  ConfigLoad load() { return load_config(dir_ + "/conf/nginx.conf", dir_ + "/", std::nullopt); }
  std::string dir_;
};

TEST_F(IncludedConfig, FollowsIncludesRelativeToTheConfigDirectory) {
  write("conf/nginx.conf", "include main.conf;\nevents { include events.conf; }\nhttp { include sites/*.conf; }\n");
  write("conf/main.conf", "worker_processes 3;\n");
  write("conf/events.conf", "worker_connections 64;\n");
  write("conf/sites/a.conf", "server { listen 127.0.0.1:8001; }\n");
  write("conf/sites/b.conf", "server { listen 127.0.0.1:8002; }\n");
  ConfigLoad loaded = load();
  ASSERT_TRUE(loaded.config) << loaded.error;
  EXPECT_EQ(loaded.config->worker_processes, 3);
  EXPECT_EQ(loaded.config->worker_connections, 64);
  ASSERT_EQ(loaded.config->listens.size(), 2u);
  EXPECT_EQ(loaded.config->listens[1].address.text(), "127.0.0.1:8002");
}

TEST_F(IncludedConfig, ErrorsNameTheIncludedFile) {
  write("conf/nginx.conf", "events {}\ninclude bad.conf;\n");
  write("conf/bad.conf", "\ndaemon perhaps;\n");
  EXPECT_EQ(load().error, "invalid value \"perhaps\" in \"daemon\" directive, it must be \"on\" or \"off\" in " + dir_ +
                              "/conf/bad.conf:2");
  write("conf/bad.conf", "}\n");
  EXPECT_EQ(load().error, "unexpected \"}\" in " + dir_ + "/conf/bad.conf:1");
}

TEST_F(IncludedConfig, MissingFileFailsButAnEmptyPatternDoesNot) {
  write("conf/nginx.conf", "events {}\ninclude none/*.conf;\n");
  EXPECT_TRUE(load().config);
  write("conf/nginx.conf", "events {}\n\ninclude missing.conf;\n");
  ConfigLoad loaded = load();
  EXPECT_EQ(loaded.error, "open() \"" + dir_ + "/conf/missing.conf\" failed (2: No such file or directory) in " + dir_ +
                              "/conf/nginx.conf:3");
}

TEST(Config, LimitReqZonesAndRulesFromEveryLevel) {
  ConfigLoad load = interpret(
      "events {}\n"
      "http {\n"
      "  limit_req_zone $binary_remote_addr zone=one:1m rate=1r/s;\n"
      "  limit_req_zone $server_name zone=two:1m rate=30r/m;\n"
      "  limit_req zone=two;\n"
      "  server { listen 127.0.0.1:8080; location / { limit_req zone=one burst=5; } }\n"
      "  server { listen 127.0.0.1:8081; limit_req zone=one burst=2 nodelay; limit_req zone=two delay=3; }\n"
      "}\n");
  ASSERT_TRUE(load.config) << load.error;
  const Config& config = *load.config;
  ASSERT_EQ(config.limit_req_zones.size(), 2u);
  EXPECT_EQ(config.limit_req_zones[0].name, "one");
  EXPECT_EQ(config.limit_req_zones[0].rate, 1000);
  EXPECT_EQ(config.limit_req_zones[1].rate, 500);
  ASSERT_EQ(config.limit_req_rules.size(), 4u);
  EXPECT_EQ(config.limit_req_rules[0].zone, "two");
  EXPECT_EQ(config.limit_req_rules[1].zone, "one");
  EXPECT_EQ(config.limit_req_rules[1].burst, 5000);
  EXPECT_EQ(config.limit_req_rules[1].delay, 0);
  EXPECT_GT(config.limit_req_rules[2].delay, 1'000'000'000);
  EXPECT_EQ(config.limit_req_rules[3].delay, 3000);
}

TEST(Config, LimitReqErrorsUseNginxWording) {
  auto error_of = [](std::string_view http) {
    return interpret("events {}\nhttp {\n" + std::string(http) + "\n}\n").error;
  };
  EXPECT_EQ(error_of("limit_req_zone $a zone=one rate=1r/s;"),
            "invalid zone size \"zone=one\" in /srv/conf/nginx.conf:3");
  EXPECT_EQ(error_of("limit_req_zone $a zone=one:1m rate=0r/s;"),
            "invalid rate \"rate=0r/s\" in /srv/conf/nginx.conf:3");
  EXPECT_EQ(error_of("limit_req_zone $a rate=1r/s size=1;"), "invalid parameter \"size=1\" in /srv/conf/nginx.conf:3");
  EXPECT_EQ(error_of("limit_req_zone $a zone=one:1m rate=1r/s;\nlimit_req zone=one burst=0;"),
            "invalid burst value \"burst=0\" in /srv/conf/nginx.conf:4");
  EXPECT_EQ(error_of("limit_req_zone $a zone=one:1m rate=9223372036854776r/s;"),
            "invalid rate \"rate=9223372036854776r/s\" in /srv/conf/nginx.conf:3");
  EXPECT_EQ(error_of("limit_req_zone $a zone=one:1m rate=1r/s;\nlimit_req zone=one burst=9223372036854776;"),
            "invalid burst value \"burst=9223372036854776\" in /srv/conf/nginx.conf:4");
  EXPECT_EQ(error_of("limit_req burst=1;"), "\"limit_req\" must have \"zone\" parameter in /srv/conf/nginx.conf:3");
  EXPECT_EQ(error_of("server { location / { limit_req zone=none; } }"), "zero size shared memory zone \"none\"");
}

}  // namespace
}  // namespace hotdeploy::fakes
