#include "orchestrator/user_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "orchestrator/environment_error.h"
#include "orchestrator/user_config_environment.h"

namespace hotdeploy::orchestrator {
namespace {
namespace fs = std::filesystem;

// Debian's nginx 1.22.1 `nginx -V` (configure line shortened to the options that matter here).
constexpr std::string_view kDebianVersion =
    "nginx version: nginx/1.22.1\n"
    "built with OpenSSL 3.0.11\n"
    "configure arguments: --with-cc-opt='-g -O2 -ffile-prefix-map=/build/nginx=. -fstack-protector-strong' "
    "--prefix=/usr/share/nginx --conf-path=/etc/nginx/nginx.conf --http-log-path=/var/log/nginx/access.log "
    "--error-log-path=stderr --lock-path=/var/lock/nginx.lock --pid-path=/run/nginx.pid "
    "--http-client-body-temp-path=/var/lib/nginx/body --http-fastcgi-temp-path=/var/lib/nginx/fastcgi "
    "--http-proxy-temp-path=/var/lib/nginx/proxy --http-scgi-temp-path=/var/lib/nginx/scgi "
    "--http-uwsgi-temp-path=/var/lib/nginx/uwsgi --with-threads\n";

class ConfigDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char path_template[] = "/tmp/hotdeploy-user-config-test-XXXXXX";
    ASSERT_NE(::mkdtemp(path_template), nullptr);
    dir_ = path_template;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& relative, const std::string& text) {
    const auto path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }
  UserConfig read(const std::string& main = "nginx.conf", bool as_root = true) {
    return read_user_config(dir_ / main, parse_build_defaults(kDebianVersion), as_root);
  }
  static std::vector<std::string> written_whys(const UserConfig& config) {
    std::vector<std::string> whys;
    for (const auto& w : config.written) whys.push_back(w.path.string() + " <- " + w.why);
    return whys;
  }
  static bool writes(const UserConfig& config, const fs::path& path) {
    return std::any_of(config.written.begin(), config.written.end(),
                       [&](const WrittenDirectory& w) { return w.path == path; });
  }

  fs::path dir_;
};

TEST(NginxBuildDefaults, ReadsDebiansCompiledInPaths) {
  const auto defaults = parse_build_defaults(kDebianVersion);
  EXPECT_EQ(defaults.prefix, "/usr/share/nginx");
  EXPECT_EQ(defaults.error_log, "stderr");
  EXPECT_EQ(defaults.access_log, "/var/log/nginx/access.log");
  EXPECT_EQ(defaults.pid_file, "/run/nginx.pid");
  EXPECT_EQ(defaults.temp_paths,
            (std::vector<std::string>{"/var/lib/nginx/body", "/var/lib/nginx/proxy", "/var/lib/nginx/fastcgi",
                                      "/var/lib/nginx/uwsgi", "/var/lib/nginx/scgi"}));
  EXPECT_EQ(defaults.resolve("logs/error.log"), "/usr/share/nginx/logs/error.log");
}

TEST(NginxBuildDefaults, AModuleBuiltWithoutHasNoTempPathAndAbsentOptionsKeepNginxsOwn) {
  const auto defaults = parse_build_defaults("configure arguments: --without-http_fastcgi_module --prefix=/opt/n\n");
  EXPECT_EQ(defaults.prefix, "/opt/n");
  EXPECT_EQ(defaults.pid_file, "logs/nginx.pid");
  EXPECT_EQ(defaults.temp_paths,
            (std::vector<std::string>{"client_body_temp", "proxy_temp", "uwsgi_temp", "scgi_temp"}));
}

TEST_F(ConfigDir, IncludesResolveAgainstTheConfigsDirectoryAndPatternsExpandInNameOrder) {
  write("nginx.conf",
        "events {}\n"
        "http {\n"
        "  include conf.d/*.conf;\n"
        "  include none.d/*.conf;\n"
        "}\n");
  write("conf.d/b.conf", "server { listen 8081; server_name b.example; }\n");
  write("conf.d/a.conf", "server { listen 8080; server_name a.example; }\n");
  // Run from elsewhere: a relative include must not depend on the working directory.
  const auto cwd = fs::current_path();
  fs::current_path("/");
  const auto config = read();
  fs::current_path(cwd);
  ASSERT_FALSE(config.problem) << *config.problem;
  ASSERT_EQ(config.files.size(), 3U);
  EXPECT_EQ(config.files[1], dir_ / "conf.d/a.conf");
  EXPECT_EQ(config.files[2], dir_ / "conf.d/b.conf");
  ASSERT_EQ(config.listens.size(), 2U);
  EXPECT_EQ(config.listens[0].port, 8080);
  EXPECT_EQ(config.listens[0].server_names, "a.example");
  EXPECT_EQ(config.listens[0].where.file, dir_ / "conf.d/a.conf");
  EXPECT_EQ(config.listens[1].port, 8081);
}

TEST_F(ConfigDir, AMissingIncludeIsAProblemNamingTheIncludingFileAndLine) {
  write("nginx.conf", "events {}\n\nhttp {\n  include missing.conf;\n}\n");
  const auto config = read();
  ASSERT_TRUE(config.problem);
  EXPECT_NE(config.problem->find((dir_ / "nginx.conf").string() + ":4: include " + (dir_ / "missing.conf").string()),
            std::string::npos)
      << *config.problem;
}

TEST_F(ConfigDir, AnUnclosedBlockIsAProblemAndAMissingMainFileAnError) {
  write("nginx.conf", "events {}\nhttp {\n  server { listen 80; }\n");
  const auto config = read();
  ASSERT_TRUE(config.problem);
  EXPECT_NE(config.problem->find("unexpected end of file, expecting \"}\""), std::string::npos) << *config.problem;
  EXPECT_THROW((void)read("absent.conf"), EnvironmentError);
}

TEST_F(ConfigDir, AnIncludeLoopEndsAsAProblem) {
  write("nginx.conf", "include nginx.conf;\n");
  const auto config = read();
  ASSERT_TRUE(config.problem);
  EXPECT_NE(config.problem->find("include loop"), std::string::npos) << *config.problem;
}

TEST_F(ConfigDir, QuotedStringsCommentsAndVariablesAreNginxTokens) {
  write("nginx.conf",
        "# pid /wrong.pid;\n"
        "pid \"/srv/my run/nginx.pid\"; # trailing comment\n"
        "events {}\n"
        "http {\n"
        "  server {\n"
        "    listen 127.0.0.1:8080;\n"
        "    location / { return 200 \"a;b{c}\"; }\n"
        "    location /v { return 200 ${host}x; }\n"
        "  }\n"
        "}\n");
  const auto config = read();
  ASSERT_FALSE(config.problem) << *config.problem;
  EXPECT_EQ(config.pid_file, "/srv/my run/nginx.pid");
  ASSERT_EQ(config.listens.size(), 1U);
  EXPECT_EQ(config.listens[0].host, "127.0.0.1");
}

TEST_F(ConfigDir, FindsPidErrorLogWorkersAndEveryDirectoryWritten) {
  write("nginx.conf",
        "worker_processes 3;\n"
        "pid /run/nginx.pid;\n"
        "error_log /var/log/nginx/error.log notice;\n"
        "error_log syslog:server=unix:/dev/log;\n"
        "events {}\n"
        "http {\n"
        "  access_log /var/log/web/access.log;\n"
        "  client_body_temp_path /var/cache/web/body 1 2;\n"
        "  proxy_cache_path /var/cache/web/cache levels=1:2 keys_zone=c:1m;\n"
        "  server {\n"
        "    listen 80;\n"
        "    access_log /var/log/web/$host/access.log;\n"
        "    error_log logs/server.log;\n"
        "    location / { access_log off; error_log /dev/stderr; }\n"
        "  }\n"
        "}\n");
  const auto config = read();
  ASSERT_FALSE(config.problem) << *config.problem;
  EXPECT_EQ(config.workers, 3);
  EXPECT_EQ(config.pid_file, "/run/nginx.pid");
  EXPECT_EQ(config.error_log, "/var/log/nginx/error.log");
  const auto whys = written_whys(config);
  EXPECT_TRUE(writes(config, "/run")) << ::testing::PrintToString(whys);
  EXPECT_TRUE(writes(config, "/var/log/nginx")) << ::testing::PrintToString(whys);
  EXPECT_TRUE(writes(config, "/var/log/web")) << ::testing::PrintToString(whys);
  EXPECT_TRUE(writes(config, "/var/cache/web/body")) << ::testing::PrintToString(whys);
  EXPECT_TRUE(writes(config, "/var/cache/web/cache")) << ::testing::PrintToString(whys);
  EXPECT_TRUE(writes(config, "/usr/share/nginx/logs")) << "relative to the compiled-in prefix";
  EXPECT_TRUE(writes(config, "/var/lib/nginx/proxy")) << "compiled-in temp paths the config leaves out";
  EXPECT_FALSE(writes(config, "/dev")) << "devices are not directories to give the run";
  // http names its access log, so the compiled-in one is not written.
  EXPECT_FALSE(std::any_of(config.written.begin(), config.written.end(), [](const WrittenDirectory& w) {
    return w.why.find("compiled-in access log") != std::string::npos;
  }));
}

TEST_F(ConfigDir, WhatTheConfigLeavesOutComesFromTheBuild) {
  write("nginx.conf", "worker_processes auto;\nevents {}\nhttp { server { server_name x; } }\n");
  const auto root = read("nginx.conf", true);
  EXPECT_EQ(root.pid_file, "/run/nginx.pid");
  EXPECT_EQ(root.error_log, "stderr");
  EXPECT_EQ(root.workers, std::max(1, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN))));
  EXPECT_TRUE(writes(root, "/var/log/nginx")) << "the compiled-in access log";
  ASSERT_EQ(root.listens.size(), 1U);
  EXPECT_EQ(root.listens[0].port, 80) << "nginx's implicit listen as root";
  EXPECT_EQ(read("nginx.conf", false).listens[0].port, 8000) << "... and as any other user";
}

TEST_F(ConfigDir, TheHeaderGoesAtHttpLevelAndIntoEveryBlockWithAddHeadersOfItsOwn) {
  write("nginx.conf",
        "events {}\n"
        "http {\n"
        "  add_header X-Frame-Options DENY;\n"
        "  include servers/*.conf;\n"
        "}\n");
  write("servers/a.conf",
        "server {\n"
        "  listen 80;\n"
        "  server_name a.example;\n"
        "  location / { return 200; }\n"
        "  location /api {\n"
        "    add_header Cache-Control no-store;\n"
        "    if ($request_method = POST) { add_header X-Post 1; }\n"
        "  }\n"
        "}\n");
  write("servers/b.conf",
        "server {\n"
        "  listen 80;\n"
        "  server_name b.example;\n"
        "  include snippets/headers.conf;\n"
        "  location / { add_header X-Worker-Pid $pid; }\n"
        "}\n");
  write("snippets/headers.conf", "add_header X-Served-By b;\n");
  const auto config = read();
  ASSERT_FALSE(config.problem) << *config.problem;
  std::vector<std::string> blocks;
  for (const auto& injection : config.injections) blocks.push_back(describe(injection.where) + " " + injection.block);
  const auto a = (dir_ / "servers/a.conf").string();
  const auto b = (dir_ / "servers/b.conf").string();
  // a's server has none of its own (inherits http's), /api and its `if` have; b's server has one
  // through an include; b's `location /` already names X-Worker-Pid.
  EXPECT_EQ(blocks, (std::vector<std::string>{a + ":7 if ($request_method = POST)", a + ":5 location /api",
                                              b + ":1 server (server_name b.example)",
                                              (dir_ / "nginx.conf").string() + ":2 http"}));

  const auto rewritten = rewritten_files(config);
  ASSERT_EQ(rewritten.size(), 3U) << "the files with a block's '{' in them";
  const auto& main = rewritten.at(dir_ / "nginx.conf");
  EXPECT_EQ(main,
            "events {}\nhttp { add_header X-Worker-Pid $pid always;\n  add_header X-Frame-Options DENY;\n"
            "  include servers/*.conf;\n}\n");
  const auto& rewritten_a = rewritten.at(dir_ / "servers/a.conf");
  EXPECT_EQ(std::count(rewritten_a.begin(), rewritten_a.end(), '\n'), 9) << "line numbers stay the user's";
  EXPECT_NE(rewritten_a.find("if ($request_method = POST) { add_header X-Worker-Pid $pid always; add_header X-Post"),
            std::string::npos)
      << rewritten_a;
}

TEST_F(ConfigDir, TheLoadGoesToTheFirstHttpListenOnTheRunsLoopback) {
  write("nginx.conf",
        "events {}\n"
        "stream { server { listen 9000; } }\n"
        "http {\n"
        "  server { listen [::]:80; listen 10.1.2.3:80; }\n"
        "  server { listen unix:/run/web.sock; }\n"
        "  server { listen 8443 ssl; server_name first; }\n"
        "  server { listen *:8080 default_server; server_name second; }\n"
        "}\n");
  const auto config = read();
  ASSERT_FALSE(config.problem) << *config.problem;
  const auto* address = load_address(config);
  ASSERT_NE(address, nullptr);
  EXPECT_EQ(address->port, 8080);
  EXPECT_EQ(address->server_names, "second");

  write("v6.conf", "events {}\nhttp { server { listen [::1]:80; } }\n");
  EXPECT_EQ(load_address(read("v6.conf")), nullptr);
}

TEST_F(ConfigDir, TheEnvironmentMountsExistingWrittenDirectoriesAndCopiesTheConfigAsRun) {
  const auto host = dir_ / "host";
  fs::create_directories(host / "log/web/sub");
  fs::create_directories(host / "lib");
  write("conf/nginx.conf", "pid " + (host / "run/nginx.pid").string() + ";\n" + "error_log " +
                               (host / "log/web/error.log").string() + ";\n" + "events {}\nhttp {\n  access_log " +
                               (host / "log/web/sub/access.log").string() + ";\n  client_body_temp_path " +
                               (host / "lib/body").string() + ";\n  server { listen 80; }\n}\n");
  NginxBuildDefaults defaults;  // no compiled-in temp paths: only the config's own directories
  defaults.temp_paths.clear();
  defaults.error_log = "stderr";
  const auto config = read_user_config(dir_ / "conf/nginx.conf", defaults, true);
  ASSERT_FALSE(config.problem) << *config.problem;
  const auto environment =
      prepare_config_environment(config, dir_ / "run/as-run", dir_ / "run/private", {dir_ / "run"});
  std::vector<fs::path> over;
  for (const auto& directory : environment.directories) over.push_back(directory.over);
  std::sort(over.begin(), over.end());
  // log/web/sub is inside log/web: made in the private copy, not mounted of its own; lib/body does
  // not exist, so nginx creates it in lib; run/ does not exist at all.
  EXPECT_EQ(over, (std::vector<fs::path>{fs::canonical(host / "lib"), fs::canonical(host / "log/web")}));
  EXPECT_TRUE(fs::is_directory(dir_ / "run/private" / fs::canonical(host / "log/web/sub").relative_path()));
  ASSERT_EQ(environment.not_mounted.size(), 1U);
  EXPECT_NE(environment.not_mounted[0].find((host / "run").string()), std::string::npos);
  ASSERT_EQ(environment.files.size(), 1U) << "the one file with an http block";
  EXPECT_EQ(environment.files[0].second, dir_ / "conf/nginx.conf");
  std::ifstream as_run(environment.files[0].first);
  const std::string text{std::istreambuf_iterator<char>(as_run), std::istreambuf_iterator<char>()};
  EXPECT_NE(text.find("http { add_header X-Worker-Pid $pid always;\n"), std::string::npos) << text;
  ASSERT_EQ(environment.low_ports.size(), 1U);
  EXPECT_NE(environment.low_ports[0].find("listen 80 at "), std::string::npos);
}

TEST_F(ConfigDir, AMountThatWouldHideTheConfigOrTheRunDirectoryIsRefused) {
  write("nginx.conf", "error_log " + (dir_ / "error.log").string() + ";\nevents {}\nhttp { server { listen 80; } }\n");
  const auto config = read();
  ASSERT_FALSE(config.problem) << *config.problem;
  try {
    (void)prepare_config_environment(config, dir_ / "run/as-run", dir_ / "run/private", {dir_ / "run"});
    FAIL() << "mounted over the config's own directory";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("would hide"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hotdeploy::orchestrator
