// fake-nginx's main(), in nginx's order (src/core/nginx.c): options, the startup error
// log, argv saved and process title claimed, inherited sockets, config, `-t` or `-s`,
// signal handlers, daemonize unless `daemon off` or inherited, pid file, stderr to the
// error log, then the master cycle. The executable's faults (faults.h) act at their
// points on the way. Returns the exit status when it does not become the master.
#pragma once

#include "binary_identity.h"

namespace hotdeploy::fakes {

[[nodiscard]] int nginx_main(int argc, char** argv, const BinaryIdentity& identity);

}  // namespace hotdeploy::fakes
