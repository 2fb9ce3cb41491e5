// A one-shot readiness probe: one GET / on a fresh loopback connection, answered 200 within the
// timeout; over TLS (verified as the load generator verifies, no session offered) when `tls` is
// given. Used only by `wait: serving`; requests that are judged go through the load generator.
#pragma once

#include <chrono>
#include <cstdint>

#include "harness/load/load_config.h"

namespace hotdeploy::orchestrator {

[[nodiscard]] bool probe_http_ok(std::uint16_t port, std::chrono::milliseconds timeout,
                                 const harness::TlsLoad* tls = nullptr);

}  // namespace hotdeploy::orchestrator
