// WorkerHttpServer: the HTTP/1.1 side of one fake worker, on cpp-httplib's request code.
//
// The worker's own accept loop hands each connection to serve_connection() on a thread
// of its own. httplib's listen loop is not used (it gives up on EAGAIN from a shared
// non-blocking socket), nor its stop() (it shuts the shared socket down for every
// process). httplib 0.11.4 keeps process_and_close_socket() private, so the keep-alive
// loop is ours and calls the protected process_request(): up to 1000 requests per
// connection, 65 s idle timeout (nginx's keepalive_requests and keepalive_timeout).
// A keep-alive connection is idle from the end of a response until its thread claims the
// next request; a pipelined request (already read) is claimed at once, and a new
// connection waiting for its first request is never idle. begin_graceful_shutdown() is
// nginx's ngx_close_idle_connections: every idle connection is closed, even when its next
// request has already arrived but not been claimed (nginx's keep-alive handler checks
// c->close before it reads); requests being served finish, their responses carry
// `Connection: close`, and their connections close after them. Every response carries
// `X-Worker-Pid`. A connection from a `listen ... ssl` socket does the TLS handshake first
// (within the 60 s client timeout, as nginx's client_header_timeout) and then carries the same
// HTTP over TLS; however it ends, a healthy TLS connection sends close_notify before it closes.
// limit_req (request_rate_limit.h) delays a request on its connection's
// thread or answers 503.
//
// Faults: bad_status(code) replaces every status; worker_crash_on_request(n) aborts the
// process when the nth request arrives, before any byte of a response; a response-side fault
// (hostile_response.h: garbage_response, endless_headers, slow_drip, huge_chunk, early_close)
// replaces or slows the bytes of every response, and the connection closes when it is done.
//
// Endpoints: `GET /` answers `worker <pid> master <ppid> version <label>\n`;
// `GET /held?seconds=S&bytes=N` streams N bytes evenly over S seconds;
// `POST /echo` answers the request body's length in bytes and a newline.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <httplib.h>

#include "hostile_response.h"
#include "request_rate_limit.h"
#include "tls_server.h"

namespace hotdeploy::fakes {

struct WorkerHttpSettings {
  std::string version_label;
  pid_t worker_pid = 0;
  pid_t master_pid = 0;
  std::optional<int> forced_status;      // bad_status fault
  std::optional<long> crash_on_request;  // worker_crash_on_request fault
  std::optional<HostileResponse> hostile_response;
  std::vector<LimitReqZone> limit_req_zones;
  std::vector<LimitReqRule> limit_req_rules;
};

class WorkerHttpServer final : public httplib::Server {
 public:
  explicit WorkerHttpServer(WorkerHttpSettings settings);
  ~WorkerHttpServer() override;
  WorkerHttpServer(const WorkerHttpServer&) = delete;
  WorkerHttpServer& operator=(const WorkerHttpServer&) = delete;

  // Starts a thread that serves `fd` (over TLS with `tls`) until the connection ends, then closes it.
  void start_connection(int fd, std::shared_ptr<const TlsServerContext> tls = nullptr);
  void begin_graceful_shutdown();
  // Ends every connection now, streamed responses included (worker_shutdown_timeout expired).
  void close_all_connections();
  // Makes closing any connection, also at process exit, send a reset (abort_on_quit fault).
  void reset_connections_on_close();

  [[nodiscard]] bool shutting_down() const { return shutting_down_.load(); }
  [[nodiscard]] size_t active_connections() const { return active_connections_.load(); }
  // Readable whenever a connection has ended; the worker loop polls it while exiting.
  [[nodiscard]] int connection_ended_fd() const { return connection_ended_pipe_[0]; }
  void drain_connection_ended();

 private:
  void serve_connection(int fd, const std::shared_ptr<const TlsServerContext>& tls);
  void register_endpoints();
  [[nodiscard]] bool wait_for_request(int fd, bool first_request) const;
  // Marks the connection idle; false when the worker already shuts down (close it).
  [[nodiscard]] bool enter_idle(int fd);
  // Claims the connection back from idle; false when shutdown closed it meanwhile.
  [[nodiscard]] bool leave_idle(int fd);

  WorkerHttpSettings settings_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<size_t> active_connections_{0};
  std::atomic<long> requests_received_{0};
  std::atomic<std::uint64_t> connections_started_{0};  // seeds garbage_response
  int shutdown_pipe_[2] = {-1, -1};                    // write end closed on shutdown: read end hangs up
  int connection_ended_pipe_[2] = {-1, -1};
  RequestRateLimit rate_limit_;
  struct ConnectionState {
    bool idle = false;
    bool closed_while_idle = false;
  };
  std::mutex connections_mutex_;  // guards connections_ and the change of shutting_down_
  std::map<int, ConnectionState> connections_;
};

}  // namespace hotdeploy::fakes
