// Picks a loopback TCP port that is free right now by binding port 0 and reading what the kernel
// chose. The port is released before it is returned, so a target that fails to bind it reports
// "port in use" rather than the harness guessing.
#pragma once

#include <cstdint>

namespace hotdeploy::orchestrator {

// Throws std::system_error when no socket can be bound on 127.0.0.1.
[[nodiscard]] std::uint16_t pick_free_loopback_port();

}  // namespace hotdeploy::orchestrator
