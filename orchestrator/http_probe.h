// A one-shot readiness probe: one GET / on a fresh loopback connection, answered 200 within the
// timeout. Used only by `wait: serving`; requests that are judged go through the load generator.
#pragma once

#include <chrono>
#include <cstdint>

namespace hotdeploy::orchestrator {

[[nodiscard]] bool probe_http_ok(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace hotdeploy::orchestrator
