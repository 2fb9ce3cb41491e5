// Listeners: the listening sockets of one master, opened or inherited the way nginx does.
//
// Inherited descriptors (from the NGINX variable) are matched to the configured
// addresses by getsockname(); matches are reused, the rest closed. Missing addresses are
// bound fresh: non-blocking, SO_REUSEADDR, the directive's backlog (511 unless `backlog=`),
// close-on-exec (cleared only in the child that execs a new binary). A reused descriptor whose
// backlog differs from the configured one gets listen() again with the new one, as nginx does (an
// inherited one is taken to have 511, as nginx takes it; a failure is an alert, ignored).
// EADDRINUSE is retried five times 500 ms apart, as nginx does, with nginx's messages. A
// `reuseport` address gets one socket per worker, each with SO_REUSEPORT. A `unix:PATH` address
// is bound at PATH and made mode 0666, as nginx does (a stale file there fails with EADDRINUSE:
// nginx does not remove it either). Closing uses close(), never shutdown(): the sockets are
// shared with other processes. Socket files are deleted by the rules of nginx: a socket a reload
// or a new binary no longer wants has its file deleted at once (`[warn] deleting socket PATH`); at
// shutdown a master deletes the files of the sockets it opened itself, and of inherited ones only
// once the master that handed them over is gone, and never while a new binary it started still
// runs (ngx_close_listening_sockets).
#pragma once

#include <vector>

#include "config.h"
#include "error_log.h"

namespace hotdeploy::fakes {

struct ListeningSocket {
  ListenAddress address;
  int fd = -1;
  bool reuseport = false;
  int worker = -1;         // reuseport: the worker slot this clone belongs to; -1 for shared
  bool inherited = false;  // came in the NGINX variable
  int backlog = kDefaultListenBacklog;
};

class Listeners {
 public:
  Listeners() = default;
  ~Listeners();
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;
  Listeners(Listeners&& other) noexcept;
  Listeners& operator=(Listeners&& other) noexcept;

  // Opens what `config` asks for, taking over matching `inherited` descriptors first and
  // then those of `previous` (a reload's old sockets); logs nginx's messages. On success
  // unmatched inherited and previous descriptors are closed; on failure (false) `previous`
  // is left as it was.
  [[nodiscard]] bool open(const Config& config, std::vector<int> inherited, Listeners* previous, ErrorLog& log);

  [[nodiscard]] const std::vector<ListeningSocket>& sockets() const { return sockets_; }
  // The descriptors a worker in `slot` accepts on.
  [[nodiscard]] std::vector<int> fds_for_worker(int slot) const;
  [[nodiscard]] std::vector<int> all_fds() const;

  // Closes every socket, deleting no socket file (a worker's copies, or a failed start).
  void close_all();
  // A master's close at shutdown: also deletes unix-domain socket files unless a new binary
  // it started still runs; inherited ones only when `parent_changed` (getppid() is no
  // longer the master that exec'd this one).
  void close_as_master(bool new_binary_running, bool parent_changed, ErrorLog& log);
  // Forgets the descriptors without closing them (a worker closes its own copies).
  void release();

 private:
  [[nodiscard]] int bind_one(const ListeningSocket& socket, ErrorLog& log, bool& address_in_use);

  std::vector<ListeningSocket> sockets_;
};

}  // namespace hotdeploy::fakes
