// The worker process cycle (nginx's ngx_worker_process_cycle), run in a forked child.
//
// One thread polls the worker's listening sockets, its channel from the master and the
// signal self-pipe; each accepted connection gets a thread (WorkerHttpServer). Accepting
// treats EAGAIN and ECONNABORTED as normal: several workers and generations share each
// non-blocking socket. QUIT (channel or signal): log `gracefully shutting down`, retitle
// `worker process is shutting down`, close (never shut down) its listening descriptors,
// end idle connections, finish in-flight ones, then `exiting`, `exit`, status 0; with a
// worker_shutdown_timeout the remaining connections are cut when it expires. TERM/INT:
// `exiting`, `exit` at once. A connection beyond worker_connections is closed with
// nginx's alert `N worker_connections are not enough`. HUP and USR2 are logged `, ignoring`. Faults on quit:
// hang_on_quit (stop accepting, never exit), abort_on_quit (reset every connection and
// abort), shutdown_listener (shutdown() the shared listening sockets before closing them).
// Never returns.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "error_log.h"
#include "faults.h"
#include "request_rate_limit.h"
#include "tls_server.h"

namespace hotdeploy::fakes {

struct WorkerSettings {
  int slot = 0;
  std::vector<int> listen_fds;
  // by listen_fds' index: the TLS context of a `listen ... ssl` socket, null for plaintext
  std::vector<std::shared_ptr<const TlsServerContext>> listen_tls;
  int channel_fd = -1;
  bool daemonized = false;
  std::string version_label;
  std::chrono::milliseconds shutdown_timeout{0};
  size_t worker_connections = 512;
  std::vector<LimitReqZone> limit_req_zones;
  std::vector<LimitReqRule> limit_req_rules;
  Faults faults;
};

[[noreturn]] void run_worker_process(const WorkerSettings& settings, ErrorLog& log);

}  // namespace hotdeploy::fakes
