#include "orchestrator/nginx_conf.h"

#include <gtest/gtest.h>

namespace hotdeploy::orchestrator {
namespace {

TEST(RenderNginxConf, CarriesWorkersPortPidErrorLogAndWorkerPidHeader) {
  TargetSpec target;
  target.workers = 3;
  const auto conf = render_nginx_conf({target, "upgrade", 18080});
  EXPECT_NE(conf.find("worker_processes 3;\n"), std::string::npos);
  EXPECT_NE(conf.find("pid logs/nginx.pid;\n"), std::string::npos);
  EXPECT_NE(conf.find("error_log logs/error.log info;\n"), std::string::npos);
  EXPECT_NE(conf.find("daemon on;\n"), std::string::npos);
  EXPECT_NE(conf.find("listen 127.0.0.1:18080;\n"), std::string::npos);
  EXPECT_NE(conf.find("add_header X-Worker-Pid $pid always;"), std::string::npos);
}

TEST(RenderNginxConf, HeldIsAStaticFileSentOverTheAskedSeconds) {
  TargetSpec target;
  const auto conf = render_nginx_conf({target, "held", 8080, 30000, 3.0});
  EXPECT_NE(conf.find("location = /held {\n            root html;\n            try_files /held.bin =404;"),
            std::string::npos);
  EXPECT_NE(conf.find("limit_rate 10000;"), std::string::npos);
  EXPECT_NE(conf.find("location = /echo {"), std::string::npos);
}

TEST(RenderNginxConf, AppliesReuseportDaemonOffAndExtraDirectives) {
  TargetSpec target;
  target.reuseport = true;
  target.daemon = false;
  target.directives["worker_shutdown_timeout"] = "2s";
  const auto conf = render_nginx_conf({target, "x", 8080});
  EXPECT_NE(conf.find("listen 127.0.0.1:8080 reuseport;\n"), std::string::npos);
  EXPECT_NE(conf.find("daemon off;\n"), std::string::npos);
  EXPECT_NE(conf.find("worker_shutdown_timeout 2s;\n"), std::string::npos);
}

TEST(RenderNginxConf, TlsListensSslWithTheRunsCertificateAndKey) {
  TargetSpec target;
  const harness::TestCertificateFiles files{"/run/tls/ca.pem", "/run/tls/server.pem", "/run/tls/server.key"};
  const auto conf = render_nginx_conf({target, "x", 8443, 1024, 1.0, false, &files});
  EXPECT_NE(conf.find("listen 127.0.0.1:8443 ssl;\n"
                      "        ssl_certificate /run/tls/server.pem;\n"
                      "        ssl_certificate_key /run/tls/server.key;\n"),
            std::string::npos)
      << conf;
  EXPECT_EQ(render_nginx_conf({target, "x", 8443}).find("ssl"), std::string::npos);
}

TEST(RenderNginxConf, BacklogAndWorkerConnectionsWhenTheTargetSetsThem) {
  TargetSpec target;
  const auto plain = render_nginx_conf({target, "x", 8080});
  EXPECT_EQ(plain.find("backlog="), std::string::npos);
  EXPECT_NE(plain.find("    worker_connections 4096;\n"), std::string::npos);
  target.reuseport = true;
  target.backlog = 16;
  target.worker_connections = 12000;
  const auto conf = render_nginx_conf({target, "x", 8080});
  EXPECT_NE(conf.find("listen 127.0.0.1:8080 reuseport backlog=16;\n"), std::string::npos);
  EXPECT_NE(conf.find("    worker_connections 12000;\n"), std::string::npos);
}

TEST(RenderNginxConf, BrokenRepeatsWorkerProcessesWhichNginxRejectsAsDuplicate) {
  TargetSpec target;
  target.workers = 2;
  const auto count = [](const std::string& conf) {
    std::size_t n = 0;
    for (auto at = conf.find("worker_processes 2;"); at != std::string::npos;
         at = conf.find("worker_processes 2;", at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count(render_nginx_conf({target, "x", 8080})), 1u);
  EXPECT_EQ(count(render_nginx_conf({target, "x", 8080, 1024, 1.0, true})), 2u);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
