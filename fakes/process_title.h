// ProcessTitle: nginx's ngx_setproctitle for Linux.
//
// init() moves the environment strings elsewhere (environ points at the copies) and
// claims the contiguous memory that held argv and the environment. set("worker process")
// then writes `nginx: worker process` at argv[0] and pads the rest with NUL bytes, so
// /proc/PID/cmdline and ps read exactly what they read for nginx. Copy argv before
// calling set(): the original strings are overwritten.
#pragma once

#include <string_view>

namespace hotdeploy::fakes::process_title {

void init(int argc, char** argv);
void set(std::string_view title);

}  // namespace hotdeploy::fakes::process_title
